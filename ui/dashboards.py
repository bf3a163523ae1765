"""Drawing the revenue dashboard from what core.analytics.revenue_dashboard read: the page
asks, this draws (and the bench draws the same from memory, as its floor)."""

import pandas as pd
import streamlit as st

from core.analytics import GROUPINGS, Cohort, Concentration, Funnel, RevenueCell, RevenueDashboard
from ui.charts import bar_chart, show
from ui.downloads import CSV, download


def csv_of(frame: pd.DataFrame, name: str, where) -> None:
    download(f"{name} (CSV)", lambda: frame.to_csv(index=False).encode(),
             f"{name.lower().replace(' ', '_')}.csv", CSV, where=where,
             disabled=frame.empty)


def show_revenue_dashboard(data: RevenueDashboard, by: str) -> None:
    _revenue(data.revenue, by)
    left, right = st.columns(2)
    with left:
        _funnel(data.funnel)
    with right:
        _top(data.concentration)
    _cohorts(data.cohorts)


def _revenue(cells: list[RevenueCell], by: str) -> None:
    st.subheader("Won revenue")
    quarterly = st.toggle("By quarter", help="Months summed into calendar quarters")
    revenue = pd.DataFrame([{"Month": c.month.strftime("%Y-%m"), GROUPINGS[by]: c.group,
                             "Won revenue": float(c.won_amount)} for c in cells],
                           columns=["Month", GROUPINGS[by], "Won revenue"])
    if quarterly and not revenue.empty:
        stamp = pd.to_datetime(revenue["Month"])
        revenue["Month"] = stamp.dt.year.astype(str) + " Q" + stamp.dt.quarter.astype(str)
        revenue = revenue.groupby(["Month", GROUPINGS[by]], as_index=False)["Won revenue"].sum()
    show(bar_chart(revenue, "Month", "Won revenue", money=True, color=GROUPINGS[by], sort=False,
                   x_title="Quarter" if quarterly else "Month",
                   empty="No deals won in this period."),
         alt_text=f"Won revenue by {'quarter' if quarterly else 'month'}, by {GROUPINGS[by]}")
    csv_of(revenue, "Won revenue", st)


def _funnel(flow: Funnel) -> None:
    st.subheader("Registration funnel")
    steps = pd.DataFrame({"Step": ["Registered", "Approved", "Won"],
                          "Registrations": [flow.registered, flow.approved, flow.won]})
    show(bar_chart(steps, "Step", "Registrations", sort=False,
                   empty="No registrations in this period."), alt_text="Registration funnel")
    rates = [f"approved {flow.approval_rate:.0%} of registered" if flow.approval_rate
             is not None else None,
             f"won {flow.win_rate:.0%} of approved" if flow.win_rate is not None else None]
    st.caption("Conversion: " + ("; ".join(r for r in rates if r) or "none yet")
               + ". Each step counts what happened in the period.")
    csv_of(steps, "Registration funnel", st)


def _top(spread: Concentration) -> None:
    st.subheader("Top partners")
    top = pd.DataFrame([{"Partner": p.name, "Tier": p.tier, "Won revenue": float(p.won_amount)}
                        for p in spread.top], columns=["Partner", "Tier", "Won revenue"])
    show(bar_chart(top, "Partner", "Won revenue", money=True, horizontal=True,
                   tooltip=["Tier"], empty="No deals won in this period."),
         alt_text="The ten partners with the most won revenue")
    shares = []
    if spread.top_share is not None:
        shares.append(f"the top {len(spread.top)} partners earned {spread.top_share:.0%}")
    if spread.top_fifth_share is not None:
        shares.append(f"the top 20% ({max(1, -(-spread.earning // 5))} of {spread.earning} "
                      f"partners with revenue) {spread.top_fifth_share:.0%}")
    st.caption("Revenue concentration: " + ("; ".join(shares) or "no revenue yet") + ".")
    csv_of(top, "Top partners", st)


def _cohorts(joined: list[Cohort]) -> None:
    st.subheader("New partners by cohort")
    cohort = pd.DataFrame([{"Joined": c.quarter, "Partners": c.partners,
                            "Registered a deal": c.registered,
                            "Months to the first registration": c.months_to_first}
                           for c in joined],
                          columns=["Joined", "Partners", "Registered a deal",
                                   "Months to the first registration"])
    show(bar_chart(cohort, "Joined", "Partners", sort=False,
                   tooltip=["Registered a deal", "Months to the first registration"],
                   empty="No partners yet."), alt_text="New partners by the quarter they joined")
    csv_of(cohort, "New partners by cohort", st)
