"""What the lead pages share: a table of leads, and a routing plan shown before it is sent."""

from collections.abc import Sequence

import streamlit as st

from core.leads import LeadOut, PartnerLeadStats, RoutingReport
from core.leads.desk import LeadCapacity
from ui.tables import count_col, record_table, text_col, time_col

LEAD_COLUMNS = {"company": text_col("Company", 200, pinned=True),
                "place": text_col("Where", 150), "industry": text_col("Industry", 130),
                "interest": text_col("Interest", 120), "status": text_col("Status", 110),
                "partner": text_col("Partner", 170), "deadline": time_col("Answer by", 140),
                "offers": count_col("Offers", 60), "created": time_col("In since", 140)}


def place(lead: LeadOut) -> str:
    return ", ".join(p for p in (lead.city, lead.state, lead.country) if p)


def leads_table(leads: Sequence[LeadOut], *, key: str, partner_view: bool = False) -> None:
    """Leads; a row opens the lead."""
    columns = dict(LEAD_COLUMNS)
    if partner_view:
        columns.pop("partner")
        columns["contact"] = text_col("Contact", 160)
    record_table([{"id": x.id, "company": x.company + (" (from its domain)"
                                                       if x.company_from_domain else ""),
                   "place": place(x), "industry": x.industry, "interest": x.product_line,
                   "status": x.status_label, "partner": x.partner, "deadline": x.deadline_at,
                   "offers": x.offers, "created": x.created_at,
                   "contact": x.contact_name if x.contact_shown else "after you accept"}
                  for x in leads], columns, key=key, page="lead")


def show_plan(report: RoutingReport, companies: dict[int, str]) -> None:
    """Where a batch would go (or went), lead by lead."""
    rows = [{"id": p.lead_id, "company": companies.get(p.lead_id, f"#{p.lead_id}"),
             "partner": p.partner or "nobody", "score": p.score,
             "runner": ", ".join(r["partner"] for r in p.explanation.get("runners_up", [])),
             "why_not": p.why_not} for p in report.placements]
    record_table(rows, {"company": text_col("Lead", 200), "partner": text_col("Partner", 180),
                        "score": st.column_config.NumberColumn("Score", format="%.1f",
                                                               width="small"),
                        "runner": text_col("Runners-up", 260),
                        "why_not": text_col("Why nobody", "large")},
                 key="routing_plan", page="lead")


def show_lead_stats(s: PartnerLeadStats, capacity: LeadCapacity | None = None) -> None:
    """One partner's way with its leads over the last 90 days."""
    cols = st.columns(5)
    cols[0].metric("Offers, 90 days", f"{s.offers:,}")
    cols[1].metric("Acceptance", "—" if s.acceptance is None else f"{s.acceptance:.0%}",
                   help="Accepted of the offers accepted, rejected or left to lapse.")
    cols[2].metric("Median hours to answer", "—" if s.median_response_hours is None
                   else f"{s.median_response_hours:.1f}")
    cols[3].metric("Conversion", "—" if s.conversion is None else f"{s.conversion:.0%}",
                   help="Converted into deals of those converted or disqualified.")
    cols[4].metric("Lapsed", f"{s.lapsed:,}")
    if capacity is not None:
        whose = "its own figure" if capacity.own is not None else "its tier's"
        st.caption(f"Waiting for its answer now: {capacity.waiting} of at most "
                   f"{capacity.effective} ({whose}).")
