import pandas as pd
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
from core.settings import get_settings
from ui.context import db, local_time
from ui.downloads import CSV, download
from ui.guard import page_guard
from ui.markdown import plain
from ui.registry import page_file

PAGE_SIZE = 50
PAGE_KEY = "directory_page"
FILTER_KEY = "directory_filter"

user = page_guard(__file__)
actor = user.actor
currency = get_settings().base_currency

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

won_col = f"Won last 12 months ({currency})"
st.dataframe(pd.DataFrame(
    [{"Partner": r.name, "Tier": r.tier, "Type": r.partner_type, "Country": r.country,
      "Regions": ", ".join(r.regions), "Status": r.status, "Channel manager": r.channel_manager,
      "Onboarding": r.onboarding, "Open deals": r.open_deals, won_col: f"{r.won_12m:,.2f}",
      "Created": local_time(r.created_at, "%Y-%m-%d")} for r in page.rows],
    columns=["Partner", "Tier", "Type", "Country", "Regions", "Status", "Channel manager",
             "Onboarding", "Open deals", won_col, "Created"]),
    hide_index=True, width="stretch")


def _csv() -> bytes:  # built when the button is clicked, not on every rerun
    with db() as session:
        return export_directory_csv(session, actor, filt)


cols = st.columns([2, 1, 2], vertical_alignment="bottom")
by_id = {r.partner_id: r.name for r in page.rows}
chosen = cols[0].selectbox("Partner on this page", list(by_id), index=None,
                           format_func=by_id.get, placeholder="Choose a partner")
if cols[1].button("Open partner 360", icon=":material/open_in_new:", disabled=chosen is None):
    st.switch_page(page_file("partner_360"), query_params={"id": str(chosen)})
download("Download CSV", _csv, "partners.csv", CSV, where=cols[2], disabled=not page.total,
         help="Every partner that matches the filters, not only this page.")
