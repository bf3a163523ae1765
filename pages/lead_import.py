import streamlit as st

from core.errors import DomainError
from core.leads import (
    ALIASES,
    FIELD_LABELS,
    ImportReport,
    TableError,
    guess_mapping,
    import_leads,
    read_table,
    route_leads,
)
from ui.actions import show_flash, submit
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import page_file
from ui.tables import count_col, table, text_col

TABLE_KEY = "lead_import_table"
RESULT_KEY = "lead_import_result"
SHOWN_ERRORS = 200

user = page_guard(__file__)
actor = user.actor

st.title("Import leads")
show_flash()
st.page_link(page_file("leads"), label="Back to the leads", icon=":material/arrow_back:")
st.caption("A CSV or Excel (.xlsx) export from any CRM: Salesforce's lead export, HubSpot's "
           "contact export and most others are understood as they are. Each row needs a "
           "country, and the contact's e-mail or the company (a website or domain will do). "
           "Leads already in, in any status, are not added again.")

upload = st.file_uploader("CRM export (CSV or XLSX)", type=["csv", "xlsx", "txt"],
                          key="lead_file")
if upload is None:
    st.session_state.pop(TABLE_KEY, None)
    st.stop()

kept = st.session_state.get(TABLE_KEY)
if kept is None or kept[0] != upload.file_id:
    try:
        kept = (upload.file_id, read_table(upload.getvalue()))
    except TableError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        st.stop()
    st.session_state[TABLE_KEY] = kept
    st.session_state.pop(RESULT_KEY, None)
data = kept[1]
st.write(f"**{plain(upload.name)}**: {len(data.rows):,} rows, {len(data.headers)} columns.")

st.subheader("Which column is which")
st.caption("Guessed from the headers; correct any that is wrong, or leave a field out.")
guessed = guess_mapping(data.headers)
options = [None, *range(len(data.headers))]
mapping: dict[str, int] = {}
cells = st.columns(3)
for n, name in enumerate(ALIASES):
    chosen = cells[n % 3].selectbox(
        FIELD_LABELS[name], options, index=options.index(guessed.get(name)),
        format_func=lambda i: "(not in the file)" if i is None else data.headers[i] or f"#{i+1}",
        key=f"map_{upload.file_id}_{name}")
    if chosen is not None:
        mapping[name] = chosen


def show_report(report: ImportReport) -> None:
    verb = "would be imported" if report.dry_run else "imported"
    st.metric("Rows", f"{report.rows:,}")
    cols = st.columns(3)
    cols[0].metric(verb.capitalize(), f"{report.imported:,}")
    cols[1].metric("Duplicates (not added)", f"{report.duplicates:,}")
    cols[2].metric("Rejected", f"{report.rejected:,}")
    if report.errors:
        st.warning(f"Rows with a problem ({report.rejected:,}); each says why. The other rows "
                   f"{'would be' if report.dry_run else 'were'} imported.",
                   icon=":material/warning:")
        table([{"line": e.line, "field": FIELD_LABELS.get(e.field, e.field),
                "problem": e.message} for e in report.errors[:SHOWN_ERRORS]],
              {"line": count_col("Line", 60), "field": text_col("Field", 140),
               "problem": text_col("Problem", "large")})
    if report.dry_run and report.preview:
        st.caption("The first leads as they would be added:")
        table([{"company": v["company"], "contact": f"{v['first_name']} {v['last_name']}",
                "email": v["email"], "country": v["country"], "state": v["state"],
                "industry": v["industry"]} for v in report.preview],
              {"company": text_col("Company", 180), "contact": text_col("Contact", 150),
               "email": text_col("E-mail", 200), "country": text_col("Country", 70),
               "state": text_col("State", 100), "industry": text_col("Industry", 130)})


def run(dry_run: bool) -> None:
    bar = st.progress(0.0, text="Checking every row")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Checked {done:,} of {total:,} rows")

    try:
        submit(lambda session: import_leads(session, actor, data, mapping, dry_run=dry_run,
                                            progress=progress),
               then=lambda report: st.session_state.update({RESULT_KEY: report}))
    except TableError as exc:
        st.error(plain(str(exc)))
    finally:
        bar.empty()


preview, go = st.columns(2)
if preview.button("Preview (writes nothing)", icon=":material/preview:"):
    run(True)
if go.button("Import", type="primary", icon=":material/upload:"):
    run(False)

report = st.session_state.get(RESULT_KEY)
if report is not None:
    show_report(report)
    if not report.dry_run and report.lead_ids:
        st.success(f"{report.imported:,} leads wait in the vendor queue.")
        if st.button("Route them now", icon=":material/send:"):
            ids = list(report.lead_ids)
            try:
                submit(lambda session: route_leads(session, actor, ids),
                       lambda done: done.message + ".")
            except DomainError as exc:
                st.error(plain(str(exc)))
