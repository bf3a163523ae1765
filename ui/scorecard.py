"""Drawing a partner's scorecard (the Scorecard page and Partner 360's tab): health for the
vendor, each KPI beside the period before and the tier median, the months as a chart."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.analytics import (
    MIN_PEERS,
    Health,
    KpiValue,
    MonthFigures,
    Period,
    Scorecard,
    period_choices,
    shown,
)
from core.money import compact_money
from ui.charts import bar_chart, show
from ui.context import current_user
from ui.markdown import plain

PER_ROW = 4


def choose_period(key: str) -> Period:
    """A period picker (the last 12 months first), in the user's own calendar."""
    user = current_user()
    today = datetime.now(ZoneInfo(user.time_zone if user else "UTC")).date()
    choices = period_choices(today)
    label = st.selectbox("Period", list(choices), key=key,
                         help="Whole months; each figure is compared with the same number of "
                              "months just before.")
    return choices[label]


def show_scorecard(card: Scorecard, health: Health | None,
                   months: list[MonthFigures]) -> None:
    st.caption(f"{card.period.label}, compared with {card.previous.label}. "
               f"Tier: {plain(card.tier)}.")
    if health is not None:
        _health(health)
    for start in range(0, len(card.kpis), PER_ROW):
        cols = st.columns(PER_ROW)
        for col, kpi in zip(cols, card.kpis[start:start + PER_ROW], strict=False):
            with col:
                _kpi(kpi)
    frame = pd.DataFrame([{"Month": m.month.strftime("%Y-%m"), "Won revenue": float(m.won_amount),
                           "Registered pipeline": float(m.pipeline)} for m in months])
    long = frame.melt("Month", var_name="Measure", value_name="Amount")
    show(bar_chart(long, "Month", "Amount", money=True, color="Measure", sort=False,
                   title="By month", empty="No registrations or wins in this period."),
         alt_text="Won revenue and registered pipeline by month")


def _health(health: Health) -> None:
    delta = None if health.trend is None else f"{health.trend:+d} points"
    st.metric("Health", "—" if health.score is None else f"{health.score} / 100", delta=delta,
              help="0 to 100 from the weighted KPIs, each scored against the median of the "
                   "partners active in the period (the median scores 50, twice it 100).")
    if health.reasons:
        st.warning("Why it fell: " + "; ".join(plain(r) for r in health.reasons) + ".",
                   icon=":material/trending_down:")


def _kpi(kpi: KpiValue) -> None:
    exact = f" Exactly {shown_kpi(kpi, kpi.value)}." if kpi.unit == "money" else ""
    st.metric(kpi.label, headline(kpi, kpi.value), delta=_change(kpi),
              delta_color="normal" if kpi.higher_is_better else "inverse",
              help=kpi.help + exact)
    if kpi.tier_median is not None:
        st.caption(f"Tier median: {shown_kpi(kpi, kpi.tier_median)}")
    else:
        st.caption(f"Tier median shown from {MIN_PEERS} other partners with a figure.")


def _change(kpi: KpiValue) -> str | None:
    """The change from the period before; none when there is nothing to compare or no
    change (an arrow on "+0" would say something moved)."""
    if not kpi.change:
        return None
    if kpi.unit == "percent":
        return f"{float(kpi.change) * 100:+.0f} points"
    return f"{'+' if kpi.change > 0 else '-'}{headline(kpi, abs(kpi.change))}"


def headline(kpi: KpiValue, value) -> str:
    """Short enough for a quarter of the page: money as "297K USD"."""
    if kpi.unit == "money" and value is not None:
        return compact_money(value)
    return shown_kpi(kpi, value)


def shown_kpi(kpi: KpiValue, value) -> str:
    return shown(kpi, value) if value is not None else "—"
