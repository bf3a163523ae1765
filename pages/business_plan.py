from datetime import date

import pandas as pd
import streamlit as st

from core.partners import partner_choices
from core.permissions import can
from core.portal.plans import MEASURES, MONEY, agree, get_plan, review, save_plan
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Business plan")
show_flash()
st.caption("The year's joint goals, a target per quarter, agreed by the partner's admin and "
           "its channel manager. Progress is measured from the deals, certifications, funds, "
           "leads and POS data, never typed in.")

cols = st.columns([3, 1])
if actor.is_partner:
    partner_id = actor.partner_id
else:
    with db() as session:
        partners = dict(partner_choices(session, actor))
    asked = st.query_params.get("id")
    default = int(asked) if asked and asked.isdigit() and int(asked) in partners else None
    partner_id = cols[0].selectbox("Partner", list(partners), format_func=partners.get,
                                   index=list(partners).index(default) if default else None,
                                   placeholder="Choose a partner", key="plan_partner")
year = cols[1].selectbox("Year", list(range(date.today().year - 1, date.today().year + 2)),
                         index=1, key="plan_year")
if partner_id is None:
    st.stop()

with db() as session:
    plan = get_plan(session, actor, partner_id, year)


def amount(goal, value) -> str:
    return f"{value:,.2f}" if goal.money else f"{value:,}"


if plan is None:
    st.info("No plan for this year yet." + (" Set its goals below." if can(
        actor, "portal.plan_edit") else ""))
else:
    agreed = ("Agreed by both sides." if plan.agreed else
              "Waiting for " + " and ".join(
                  side for side, at in (("the partner", plan.partner_agreed_at),
                                        ("the channel manager", plan.vendor_agreed_at))
                  if at is None) + ".")
    st.markdown(f"**{plain(plan.partner)} · {plan.year}** · {agreed}")
    rows = []
    for g in plan.goals:
        row = {"goal": g.label, "measure": MEASURES[g.measure]}
        for q in g.quarters:
            row[f"q{q.quarter}"] = (f"{amount(g, q.actual)} of {amount(g, q.target)}"
                                    + (f" ({q.percent}%)" if q.percent is not None else ""))
        row["year"] = f"{amount(g, g.year_actual)} of {amount(g, g.year_target)}"
        rows.append(row)
    table(rows, {"goal": text_col("Goal", 160), "measure": text_col("Measured as", 150),
                 **{f"q{n}": text_col(f"Q{n}", 150) for n in (1, 2, 3, 4)},
                 "year": text_col("Year", 160)}, key="plan_goals")
    for quarter, note in sorted(plan.reviews.items()):
        st.markdown(f"**Q{quarter} review:** {plain(note)}")
    mine = plan.partner_agreed_at if actor.is_partner else plan.vendor_agreed_at
    if can(actor, "portal.plan_edit") and mine is None and st.button("Agree to these goals",
                                                                       type="primary"):
        submit(lambda s: agree(s, actor, plan.id, seen=plan.goals_key), "Agreed.")
    if can(actor, "portal.plan_review"):
        with st.form("plan_review"):
            q = st.selectbox("Quarter", [1, 2, 3, 4], format_func=lambda n: f"Q{n}")
            note = st.text_area("Review note")
            review_errors = FieldErrors()
            review_errors.slot("note")
            if st.form_submit_button("Save the review"):
                submit(lambda s: review(s, actor, plan.id, q, note), "Review saved.",
                       errors=review_errors)

if can(actor, "portal.plan_edit"):
    with st.expander("Set the goals" if plan is None else "Change the goals",
                     icon=":material/edit:", expanded=plan is None):
        st.caption("A target per quarter: an amount for revenue and POS sales, a number for "
                   "the rest. Changing the goals asks both sides to agree again.")
        start = [{"measure": g.measure, "label": g.label,
                  **{f"q{q.quarter}": str(q.target) for q in g.quarters}}
                 for g in plan.goals] if plan else [
            {"measure": "won_revenue", "label": "Won revenue",
             **{f"q{n}": "0" for n in (1, 2, 3, 4)}}]
        edited = st.data_editor(pd.DataFrame(start), num_rows="dynamic", key="plan_editor",
                                column_config={
                                    "measure": st.column_config.SelectboxColumn(
                                        "Measured as", options=list(MEASURES), required=True),
                                    "label": st.column_config.TextColumn("Goal", required=True),
                                    **{f"q{n}": st.column_config.TextColumn(f"Q{n} target")
                                       for n in (1, 2, 3, 4)}})
        plan_errors = FieldErrors()
        plan_errors.slot("goals")
        if st.button("Save the goals", type="primary"):
            goals = [{"measure": r["measure"], "label": r["label"] or "",
                      "targets": [str(r[f"q{n}"] or "0") for n in (1, 2, 3, 4)]}
                     for r in edited.to_dict("records") if r.get("measure")]
            submit(lambda s: save_plan(s, actor, partner_id, year, goals), "Goals saved.",
                   errors=plan_errors)
        st.caption("Measures: " + "; ".join(
            f"{label}{' (an amount)' if key in MONEY else ''}" for key, label in MEASURES.items()))
