import streamlit as st
from pydantic import ValidationError

from core.crm.imports import KIND_LABELS, CrmImportReport, import_crm_files
from core.crm.mappings import CRMS, delete_mapping, list_mappings, save_mapping
from core.crm.mappings import FIELDS as MAPPING_FIELDS
from core.deals import DIRECT_COLUMNS, list_direct_opportunities
from core.deals.direct import REQUIRED_COLUMNS
from core.errors import RuleViolation
from ui.actions import show_flash, submit
from ui.context import db, engine
from ui.downloads import CSV, download
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import page_file
from ui.tables import count_col, day_col, flag_col, money_col, table, text_col, time_col

LIMIT = 500
STATUSES = {"open": "Open", "won": "Won", "lost": "Lost"}
WHAT = {
    "external_id": "The opportunity's id in the CRM. Rows are matched on it: importing the "
                   "same id again updates the opportunity.",
    "account_name": "The end customer's company name.",
    "website": "The customer's website or domain (e.g. acme.com); it helps match partner "
               "deals.",
    "country": "A country code such as US or DE, or the country's name.",
    "name": "The opportunity's name.",
    "amount": "A positive amount with at most two decimals; 1,500.50 is fine.",
    "close_date": "The expected close date as YYYY-MM-DD.",
    "owner_email": "The e-mail of the direct sales rep who owns it.",
    "status": "open, won or lost (also closed won / closed lost); empty means open.",
}
EXAMPLE = (
    "external_id,account_name,website,country,opportunity_name,amount,close_date,owner_email,"
    "status\n"
    "CRM-1001,Acme Corp,acme.com,US,Acme platform renewal,120000,2027-03-31,"
    "ae1@vendor.example,open\n"
    "CRM-1002,Globex GmbH,globex.de,DE,Globex expansion,\"1,500.50\",2027-01-15,,open\n"
)
RESULT_KEY = "direct_import_result"
PREVIEW_KEY = "direct_import_preview"
GENERATION_KEY = "direct_import_generation"

user = page_guard(__file__)
actor = user.actor

st.title("Direct opportunities")
show_flash()
st.caption("The vendor's own pipeline, imported from the CRM. A partner registration for the "
           "same customer is a channel conflict and goes to the deal desk.")

with st.expander("What the files need", icon=":material/help:"):
    st.markdown("Upload the CRM's exports as they are: a **Salesforce** Account export with "
                "its Opportunity export (joined by AccountId), or a **HubSpot** companies "
                "export with its deals export (joined by the company's domain, or by its "
                "record id), as CSV or XLSX. Opportunities and deals are the rows; the "
                "account and company files give the customer's name, website and country. "
                "Or a file with the columns below (matched without regard to case, spaces, "
                "`_` or `-`). Every row is checked first and you see what would happen: a "
                "row whose company is not in the files, or whose country cannot be read, is "
                "rejected with the reason; then import the good rows, or none. A large file "
                "is written in batches; if writing stops part way, what was written is taken "
                "back.")
    table([{"column": aliases[0], "aliases": ", ".join(aliases[1:]) or None,
            "required": field in REQUIRED_COLUMNS, "what": WHAT.get(field)}
           for field, aliases in DIRECT_COLUMNS.items()],
          {"column": text_col("Column", 130), "aliases": text_col("Also accepted", 220),
           "required": flag_col("Required", 80), "what": text_col("What", "large")})
    download("Download an example CSV", lambda: EXAMPLE, "direct_opportunities.csv", CSV)

errors = FieldErrors()
generation = st.session_state.get(GENERATION_KEY, 0)  # "Import none" empties the uploader
uploads = st.file_uploader("CRM exports (CSV or XLSX)", type=["csv", "xlsx"],
                           accept_multiple_files=True, key=f"direct_files_{generation}",
                           help="A Salesforce Account export with its Opportunity export, a "
                                "HubSpot companies export with its deals export, or a file "
                                "with the columns below; several at once.")
errors.slot("file")
errors.slot("")
files = [(u.name, u.getvalue()) for u in uploads or []]
signature = tuple(u.file_id for u in uploads or [])
# The last import's outcome stays on screen while its files do.
result = st.session_state.get(RESULT_KEY)
if result and result[0] != signature:
    st.session_state.pop(RESULT_KEY, None)
    result = None

STAGES = {"written": "Writing the rows", "matched": "Checking partner registrations"}


def preview_of(files: list[tuple[str, bytes]]) -> CrmImportReport | None:
    """What importing the files would do, counted by a run that writes nothing; kept while
    the same files stay."""
    kept = st.session_state.get(PREVIEW_KEY)
    if kept and kept[0] == signature:
        return kept[1]
    try:
        with st.spinner("Reading the files"):
            report = import_crm_files(engine(), actor, files, dry_run=True)
    except (RuleViolation, ValidationError) as exc:
        errors.show(exc)
        return None
    st.session_state[PREVIEW_KEY] = (signature, report)
    return report


def import_files(files: list[tuple[str, bytes]]) -> CrmImportReport:
    """The import commits a batch at a time on its own (partners may register deals between
    batches); the bar follows it and goes when it is done."""
    bar = st.progress(0.0, text="Checking every row")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / total, text=f"{STAGES[stage]}: {done:,} of {total:,}")

    try:
        return import_crm_files(engine(), actor, files, progress=progress)
    finally:
        bar.empty()


def show_files(report: CrmImportReport) -> None:
    st.caption("Read: " + "; ".join(f"**{plain(name)}** ({KIND_LABELS[kind]})"
                                    for name, kind in report.files))


def show_rejected(report: CrmImportReport) -> None:
    if not report.errors:
        return
    table([{"file": e.file, "line": e.line, "problem": e.message} for e in report.errors],
          {"file": text_col("File", 220), "line": count_col("Line", 60),
           "problem": text_col("Why it is left out", "large")})


def show_preview(report: CrmImportReport) -> None:
    show_files(report)
    good = report.imported + report.updated + report.unchanged
    st.info(f"{report.rows:,} row{'s' * (report.rows != 1)}: {report.imported:,} new, "
            f"{report.updated:,} to update, {report.unchanged:,} unchanged, "
            f"{report.rejected:,} rejected.", icon=":material/preview:")
    if report.preview:
        st.markdown("**The first good rows**")
        table([{"external_id": r["external_id"], "account": r["account_name"],
                "country": r["country"], "name": r["name"], "amount": r["amount"],
                "close": r["close_date"], "status": STATUSES.get(r["status"], r["status"])}
               for r in report.preview],
              {"external_id": text_col("External id", 150), "account": text_col("Account", 190),
               "country": text_col("Country", 65), "name": text_col("Opportunity", 200),
               "amount": text_col("Amount", 100), "close": text_col("Close date", 95),
               "status": text_col("Status", 75)})
    if report.errors:
        st.markdown(f"**Rejected rows** ({report.rejected:,})")
        show_rejected(report)
    left, right = st.columns(2)
    if left.button(f"Import the {good:,} good row{'s' * (good != 1)}", type="primary",
                   icon=":material/upload:", disabled=not good):
        st.session_state.pop(PREVIEW_KEY, None)
        # The session `submit` opens stays unused: the import writes in transactions of its
        # own.
        if submit(lambda _session: import_files(files), errors=errors,
                  then=lambda done: st.session_state.update({RESULT_KEY: (signature, done)})):
            st.rerun()
    if right.button("Import none", icon=":material/close:"):
        st.session_state.pop(PREVIEW_KEY, None)
        st.session_state[GENERATION_KEY] = generation + 1
        st.rerun()


def show_result(report: CrmImportReport) -> None:
    show_files(report)
    st.success(f"Imported {report.rows - report.rejected:,} rows: {report.imported:,} "
               f"created, {report.updated:,} updated, {report.unchanged:,} unchanged"
               + (f"; {report.rejected:,} rejected rows were left out." if report.rejected
                  else "."), icon=":material/check_circle:")
    sent, protected = len(report.sent_to_desk), len(report.protected_matches)
    if sent:
        st.warning(f"{sent} pending partner registration{'s' * (sent != 1)} for the same "
                   f"customers {'were' if sent != 1 else 'was'} sent to the deal desk as "
                   "channel conflicts.", icon=":material/call_split:")
    if protected:
        st.warning(f"{protected} approved partner registration{'s' * (protected != 1)} "
                   f"{'protect' if protected != 1 else 'protects'} the same customers: the "
                   "partners keep their protection, so agree with direct sales who works "
                   "each deal.", icon=":material/shield:")
    if sent or protected:
        st.page_link(page_file("deal_desk"), label="Open the deal desk", icon=":material/gavel:")
    if report.errors:
        with st.expander(f"Rejected rows ({report.rejected:,})"):
            show_rejected(report)


if result:
    show_result(result[1])
elif files and (preview := preview_of(files)) is not None:
    show_preview(preview)


def mappings_section() -> None:
    with st.expander("Your CRM's own fields (saved mappings)", icon=":material/tune:"):
        st.markdown("A column your CRM adds of its own is read once you map it here, for "
                    "every import after: a Salesforce `Partner__c` or "
                    "`Deal_Registration_Id__c`, a HubSpot property. An opportunity mapped to "
                    "a partner or to one of our registrations is the vendor's record of that "
                    "partner's deal, and is no conflict with it.")
        with db() as session:
            saved = list_mappings(session, actor)
        for m in saved:
            left, right = st.columns([5, 1])
            left.markdown(f"{CRMS[m.crm]}: **{plain(m.column)}** → {plain(m.field_label)}")
            if right.button("Remove", key=f"mapping_remove_{m.id}"):
                st.session_state.pop(PREVIEW_KEY, None)  # the files read differently now
                submit(lambda session, mid=m.id: delete_mapping(session, actor, mid),
                       "The mapping is removed.")
        if not saved:
            st.caption("No mappings yet.")
        map_errors = FieldErrors()
        with st.form("crm_mapping", border=False):
            cols = st.columns([1, 2, 2])
            crm = cols[0].selectbox("CRM", list(CRMS), format_func=CRMS.get,
                                    key="mapping_crm")
            column = cols[1].text_input("Column, as the export writes it",
                                        placeholder="Partner__c", key="mapping_column")
            map_errors.slot("column")
            field = cols[2].selectbox("Our field", list(MAPPING_FIELDS),
                                      format_func=MAPPING_FIELDS.get, key="mapping_field")
            if st.form_submit_button("Save the mapping"):
                st.session_state.pop(PREVIEW_KEY, None)
                submit(lambda session: save_mapping(session, actor, {
                    "crm": crm, "column": column, "field": field}),
                    lambda m: f"{m.column} is read as {m.field_label.split(' (')[0]}.",
                    errors=map_errors)


mappings_section()

st.subheader("Imported opportunities")
cols = st.columns([3, 1])
search = cols[0].text_input("Search", placeholder="Account, domain or external id",
                            key="direct_search")
status = cols[1].selectbox("Status", list(STATUSES), index=None, format_func=STATUSES.get,
                           placeholder="Any status", key="direct_status")

with db() as session:
    opportunities, total = list_direct_opportunities(session, actor, search=search or "",
                                                     status=status, limit=LIMIT)

st.caption(f"{total:,} direct opportunit{'y' if total == 1 else 'ies'}"
           + (f" (the first {LIMIT} by close date shown; search to narrow)"
              if total > len(opportunities) else ""))
# A 1400 px window shows the opportunity up to its status; the rest scrolls beside the
# pinned external id.
table([{"external_id": o.external_id, "account": o.account_name, "name": o.name,
        "amount": o.amount, "close": o.close_date, "status": STATUSES.get(o.status, o.status),
        "country": o.country, "domain": o.domain, "owner": o.owner_email,
        "updated": o.updated_at} for o in opportunities],
      {"external_id": text_col("External id", 110, pinned=True),
       "account": text_col("Account", 170), "name": text_col("Opportunity", 200),
       "amount": money_col("Amount", 130), "close": day_col("Close date", 95),
       "status": text_col("Status", 75), "country": text_col("Country", 65),
       "domain": text_col("Domain", 140), "owner": text_col("Owner", 180),
       "updated": time_col("Updated", 140)})
