import streamlit as st

from core.deals import (
    DIRECT_COLUMNS,
    DirectImportReport,
    import_direct_file,
    list_direct_opportunities,
)
from core.deals.direct import REQUIRED_COLUMNS
from ui.actions import submit
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

user = page_guard(__file__)
actor = user.actor

st.title("Direct opportunities")
st.caption("The vendor's own pipeline, imported from the CRM. A partner registration for the "
           "same customer is a channel conflict and goes to the deal desk.")

with st.expander("What the CSV file needs", icon=":material/help:"):
    st.markdown("Export the opportunities from the CRM as **CSV in UTF-8** with a header row. "
                "Column names are matched without regard to case, spaces, `_` or `-`, so "
                "`Close Date` and `close_date` are the same column. The import is **all or "
                "nothing**: every row is checked first, and if any row has a problem nothing "
                "is written. A large file is then written in batches, with a progress bar; "
                "if writing stops part way, what was written is taken back.")
    table([{"column": aliases[0], "aliases": ", ".join(aliases[1:]) or None,
            "required": field in REQUIRED_COLUMNS, "what": WHAT.get(field)}
           for field, aliases in DIRECT_COLUMNS.items()],
          {"column": text_col("Column", 130), "aliases": text_col("Also accepted", 220),
           "required": flag_col("Required", 80), "what": text_col("What", "large")})
    download("Download an example CSV", lambda: EXAMPLE, "direct_opportunities.csv", CSV)

errors = FieldErrors()
upload = st.file_uploader("CRM export (CSV)", type=["csv"], key="direct_file")
errors.slot("file")
errors.slot("")
# The last import's outcome stays on screen while its file does.
result = st.session_state.get(RESULT_KEY)
if result and (upload is None or result[0] != upload.file_id):
    st.session_state.pop(RESULT_KEY, None)

STAGES = {"written": "Writing the rows", "matched": "Checking partner registrations"}


def import_file(content: bytes) -> DirectImportReport:
    """The import commits a batch at a time on its own (partners may register deals between
    batches); the bar follows it and goes when it is done."""
    bar = st.progress(0.0, text="Checking every row")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / total, text=f"{STAGES[stage]}: {done:,} of {total:,}")

    try:
        return import_direct_file(engine(), actor, content, progress=progress)
    finally:
        bar.empty()


if st.button("Import", type="primary", icon=":material/upload:", disabled=upload is None):
    st.session_state.pop(RESULT_KEY, None)
    # The session `submit` opens stays unused: the import writes in transactions of its own.
    submit(lambda _session: import_file(upload.getvalue()), errors=errors,
           then=lambda report: st.session_state.update(
               {RESULT_KEY: (upload.file_id, upload.name, report)}))


def show_report(file_name: str, report: DirectImportReport) -> None:
    if not report.ok:
        lines = len({e.line for e in report.errors})
        st.error(f"Nothing was imported from **{plain(file_name)}**: {len(report.errors)} "
                 f"problem{'s' * (len(report.errors) != 1)} in {lines} "
                 f"row{'s' * (lines != 1)}. Fix the file and import it again.",
                 icon=":material/error:")
        table([{"line": e.line, "column": DIRECT_COLUMNS.get(e.field, (e.field,))[0],
                "problem": e.message} for e in report.errors],
              {"line": count_col("Line", 60), "column": text_col("Column", 130),
               "problem": text_col("Problem", "large")})
        return
    st.success(f"Imported **{plain(file_name)}**: {report.created} created, "
               f"{report.updated} updated, {report.unchanged} unchanged.",
               icon=":material/check_circle:")
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


if result := st.session_state.get(RESULT_KEY):
    show_report(*result[1:])

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
