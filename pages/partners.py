import streamlit as st

from core.directory import (
    NO_OWNER,
    ONBOARDING_COMPLETE,
    DirectoryFilter,
    directory_options,
    export_directory_csv,
    search_directory,
)
from core.errors import DomainError
from core.partners import PARTNER_STATUS_LABELS, PARTNER_TYPE_SHORT
from ui.context import db, local_day
from ui.downloads import CSV, download
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import count_col, day_col, money_col, record_table, text_col

PAGE_SIZE = 50
PAGE_KEY = "directory_page"
FILTER_KEY = "directory_filter"

user = page_guard(__file__)
actor = user.actor

st.title("Partners")
with db() as session:
    options = directory_options(session, actor)
owners = {NO_OWNER: "Nobody (unassigned)", **dict(options.owners)}
steps = {**dict(options.steps), ONBOARDING_COMPLETE: "All steps done"}

cols = st.columns([3, 1, 1, 1])
search = cols[0].text_input("Search", placeholder="Name or website")
tier = cols[1].selectbox("Tier", options.tiers, index=None, placeholder="Any tier")
region = cols[2].selectbox("Region", options.regions, index=None, placeholder="Any region")
partner_type = cols[3].selectbox("Type", options.partner_types, index=None,
                                 placeholder="Any type")
cols = st.columns([1, 2, 2, 1, 1])
status = cols[0].selectbox("Status", options.statuses, index=None, placeholder="Any status")
owner = cols[1].selectbox("Channel manager", list(owners), index=None, format_func=owners.get,
                          placeholder="Anyone")
step = cols[2].selectbox("Onboarding: waiting at", list(steps), index=None,
                         format_func=steps.get, placeholder="Any step")
territory = cols[3].selectbox("Territory in", options.territory_countries, index=None,
                              placeholder="Any country")

filt = DirectoryFilter(search or None, tier, region, partner_type, status, owner, step,
                       territory)
if st.session_state.get(FILTER_KEY) != filt:  # new filters start again at the first page
    st.session_state[FILTER_KEY] = filt
    st.session_state[PAGE_KEY] = 1
page_no = cols[4].number_input("Page", min_value=1, step=1, key=PAGE_KEY)

try:
    with db() as session:
        page = search_directory(session, actor, filt, limit=PAGE_SIZE,
                                offset=(int(page_no) - 1) * PAGE_SIZE)
except DomainError as exc:
    st.error(plain(str(exc)))
    st.stop()

pages = max(1, -(-page.total // PAGE_SIZE))
st.caption(f"{page.total:,} partners match · page {int(page_no)} of {pages:,}, "
           f"{PAGE_SIZE} a page")
if page.total and not page.rows:
    st.info(f"The last page is page {pages:,}: choose a lower page number.")

record_table(
    [{"id": r.partner_id, "name": r.name, "tier": r.tier,
      "type": PARTNER_TYPE_SHORT.get(r.partner_type, r.partner_type), "country": r.country,
      "regions": ", ".join(r.regions), "status": PARTNER_STATUS_LABELS.get(r.status, r.status),
      "manager": r.channel_manager, "onboarding": r.onboarding, "open": r.open_deals,
      "won": r.won_12m, "created": local_day(r.created_at)} for r in page.rows],
    {"name": text_col("Partner", 190, pinned=True), "tier": text_col("Tier", 85),
     "type": text_col("Type", 100), "country": text_col("Country", 65),
     "regions": text_col("Regions", 110), "status": text_col("Status", 85),
     "manager": text_col("Channel manager", 130),
     "onboarding": text_col("Onboarding", 170), "open": count_col("Open deals", 90),
     "won": money_col("Won last 12 months", 150), "created": day_col("Partner since", 100)},
    key="directory", page="partner_360")


def _csv() -> bytes:  # built when the button is clicked, not on every rerun
    with db() as session:
        return export_directory_csv(session, actor, filt)


download("Download CSV", _csv, "partners.csv", CSV, disabled=not page.total,
         help="Every partner that matches the filters, not only this page.")
