"""The analytics pages' reads, cached per user for a few minutes under the stamp of every
partner's facts (core.analytics.analytics_stamp): a write anywhere moves the stamp, so a page
never shows figures older than a write its replica did not see, and the next reader pays the
read once. Core still checks the permission on every read that reaches it; the key holds the
actor, so no user is served another's.

Kept as they are (st.cache_resource), not copied (st.cache_data pickles what it stores and
each copy it returns: 20 ms for every partner's performance). The results are frozen and the
pages only draw them."""

from datetime import date

import streamlit as st

from core.actor import Actor
from core.analytics import (
    DashboardFilter,
    Performance,
    PerformanceFilter,
    Period,
    RevenueDashboard,
    analytics_stamp,
    partner_performance,
    revenue_dashboard,
)
from core.settings import get_settings
from ui.context import db

SECONDS = 300


def stamp() -> tuple[str, int, int]:
    """The facts' stamp, with the database it is of (tests point one process at many)."""
    with db() as session:
        return (get_settings().database_url, *analytics_stamp(session))


def cached_revenue_dashboard(actor: Actor, period: Period, by: str,
                             filt: DashboardFilter) -> RevenueDashboard:
    return _revenue_dashboard(stamp(), actor, period, by, filt)


def cached_performance(actor: Actor, period: Period, filt: PerformanceFilter,
                       today: date) -> Performance:
    return _performance(stamp(), actor, period, filt, today)


def clear() -> None:
    """Empty these caches (a bench measuring a cold page)."""
    _revenue_dashboard.clear()
    _performance.clear()


@st.cache_resource(ttl=SECONDS, max_entries=100, show_spinner=False)
def _revenue_dashboard(facts_at, actor, period, by, filt) -> RevenueDashboard:
    with db() as session:
        return revenue_dashboard(session, actor, period, by, filt)


@st.cache_resource(ttl=SECONDS, max_entries=100, show_spinner=False)
def _performance(facts_at, actor, period, filt, today) -> Performance:
    with db() as session:
        return partner_performance(session, actor, period, filt, today=today)
