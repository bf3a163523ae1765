import pandas as pd
import streamlit as st

from core.errors import DomainError, RuleViolation, ValidationError
from core.incentives.periods import quarter_of
from core.incentives.programs import (
    choices,
    create_program,
    history,
    list_programs,
    publish,
    publishable_quarters,
    retire,
    update_program,
)
from core.incentives.schemas import ProgramIn, ProgramOut, Terms
from core.incentives.status import BASES, KINDS, PAYEES, PROGRAM_STATUSES
from core.incentives.whatif import MAX_QUARTERS, what_if
from core.money import base_money, compact_money
from core.permissions import can
from core.validation import as_model
from db.types import utcnow
from ui.actions import show_flash, submit
from ui.charts import bar_chart, show
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.tables import day_col, money_col, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor
keeps = can(actor, "incentive.programs")
today = utcnow().date()

st.title("Incentive programs")
show_flash()
st.caption("Volume rebates (tiered rates above thresholds each quarter), growth rebates "
           "(against the same quarter a year earlier) and SPIFFs (a fixed amount per unit of "
           "chosen SKUs sold in a window). Changes are replayed with the what-if first, then "
           "published from this quarter or a later one: a quarter already over keeps its "
           "terms.")
with db() as session:
    programs = list_programs(session, actor)
    found = choices(session, actor)

table([{"name": p.name, "kind": p.kind_label, "status": PROGRAM_STATUSES[p.status],
        "from": p.starts_on, "to": p.ends_on, "in_force": p.in_force_from,
        "terms": p.summary} for p in programs],
      {"name": text_col("Program", 200, pinned=True), "kind": text_col("Kind", 120),
       "status": text_col("Status", 90), "from": day_col("From"), "to": day_col("To"),
       "in_force": day_col("Terms in force from"), "terms": text_col("Working terms", "large")},
      key="incentive_programs")


def _typed(value) -> str:
    return "" if pd.isna(value) else f"{value:g}" if isinstance(value, float) else str(value)


def terms_form(key: str, kind: str, p: ProgramOut | None, buttons: dict[str, str]
               ) -> tuple[str | None, dict, FieldErrors]:
    """The program's fields for `kind`; (the button pressed or None, the values, the error
    slots)."""
    v = p.form if p else {}
    errors = FieldErrors()
    with st.form(form_key(key)):
        name = st.text_input("Name *", value=v.get("name", ""), max_chars=120)
        errors.slot("name")
        cols = st.columns(2)
        start = cols[0].date_input("Sales count from *", value=v.get("starts_on") or
                                   quarter_of(today).starts_on)
        end = cols[1].date_input("Until (empty: no end)" if kind != "spiff" else "Until *",
                                 value=v.get("ends_on"))
        errors.slot("starts_on")
        errors.slot("ends_on")
        values = {"name": name, "kind": kind, "starts_on": start, "ends_on": end,
                  "description": v.get("description", "")}
        if kind == "volume":
            st.markdown("**Thresholds and rates** for a quarter's sales (one row a band)")
            bands = pd.DataFrame(v.get("brackets") or [{"threshold": 0.0, "rate_percent": 1.0}])
            bands = bands.astype(float)
            edited = st.data_editor(bands, num_rows="dynamic", hide_index=True,
                                    key=f"{form_key(key)}_bands", column_config={
                                        "threshold": st.column_config.NumberColumn(
                                            "Threshold", min_value=0, format="%.2f"),
                                        "rate_percent": st.column_config.NumberColumn(
                                            "Rate %", min_value=0, max_value=100,
                                            format="%.2f")})
            errors.slot("brackets")
            # As typed: a row with one cell empty, or a rate with three decimals, is refused
            # beside the table by the service's checks, not quietly dropped or rounded.
            values["brackets"] = [{"threshold": _typed(r.threshold),
                                   "rate_percent": _typed(r.rate_percent)}
                                  for r in edited.itertuples()
                                  if not (pd.isna(r.threshold) and pd.isna(r.rate_percent))]
            bases = list(BASES)
            values["basis"] = st.radio("The rate applies to", bases, format_func=BASES.get,
                                       index=bases.index(v.get("basis", "above")))
        if kind == "growth":
            cols = st.columns(2)
            values["rate_percent"] = cols[0].text_input(
                "Rate on the growth (%) *", value=f"{v.get('rate_percent', '5'):g}"
                if p else "5")
            values["min_growth_percent"] = cols[1].text_input(
                "Minimum growth (%)", value=f"{v.get('min_growth_percent', 0):g}" if p else "0")
            errors.slot("rate_percent")
            errors.slot("min_growth_percent")
        if kind in ("volume", "growth"):
            values["product_line_ids"] = st.multiselect(
                "Product lines whose sales count (none: all)", list(found["lines"]),
                default=v.get("product_line_ids", []), format_func=found["lines"].get)
            errors.slot("product_line_ids")
        if kind == "spiff":
            values["product_ids"] = st.multiselect(
                "SKUs that qualify *", list(found["products"]),
                default=v.get("product_ids", []), format_func=found["products"].get)
            errors.slot("product_ids")
            cols = st.columns(2)
            values["amount_per_unit"] = cols[0].text_input(
                "Amount per unit *", value=f"{v['amount_per_unit']:.2f}" if p else "")
            payees = list(PAYEES)
            values["payee"] = cols[1].radio("Paid to", payees, format_func=PAYEES.get,
                                            index=payees.index(v.get("payee", "partner")))
            errors.slot("amount_per_unit")
        st.markdown("**Who takes part** (read at the quarter's end)")
        cols = st.columns(3)
        values["eligible_tier_ids"] = cols[0].multiselect(
            "Tiers (none: every tier)", list(found["tiers"]),
            default=v.get("eligible_tier_ids", []), format_func=found["tiers"].get)
        values["min_certified_users"] = cols[1].number_input(
            "Certified users at least", min_value=0, max_value=10_000,
            value=v.get("min_certified_users", 0))
        lines = list(found["lines"])
        values["certified_line_id"] = cols[2].selectbox(
            "Certified in (any line when empty)", lines, format_func=found["lines"].get,
            index=lines.index(v["certified_line_id"]) if v.get("certified_line_id") in lines
            else None)
        errors.slot("eligible_tier_ids")
        errors.slot("min_certified_users")
        pressed = None
        cols = st.columns(len(buttons))
        for col, (name_, label) in zip(cols, buttons.items(), strict=True):
            if col.form_submit_button(label, type="primary" if name_ != "whatif"
                                      else "secondary"):
                pressed = name_
    return pressed, values, errors


def show_what_if(result) -> None:
    st.markdown(f"**What-if over {', '.join(result.quarters)}**: before is "
                f"{result.before_label}.")
    cols = st.columns(3)
    cols[0].metric("Cost before", compact_money(result.before_total),
                   help=base_money(result.before_total))
    cols[1].metric("Cost after", compact_money(result.after_total),
                   help=base_money(result.after_total))
    change = result.after_total - result.before_total
    cols[2].metric("Change", compact_money(change), help=base_money(change))
    frame = pd.DataFrame([{"quarter": q.quarter, "terms": label, "cost": float(amount)}
                          for q in result.by_quarter
                          for label, amount in (("before", q.before), ("after", q.after))])
    show(bar_chart(frame, "quarter", "cost", money=True, color="terms", sort=False,
                   x_title="Quarter", y_title="Cost", empty="No sales in these quarters."),
         alt_text="Cost per quarter before and after the change")
    table([{"partner": r.partner_name, "before": r.before, "after": r.after,
            "change": r.change} for r in result.partners],
          {"partner": text_col("Partner", 220, pinned=True), "before": money_col("Before"),
           "after": money_col("After"), "change": money_col("Change")}, key="whatif_partners")


if keeps:
    with st.expander("New program", expanded=not programs):
        kinds = list(KINDS)
        kind = st.selectbox("Kind", kinds, format_func=KINDS.get, key="new_program_kind")
        pressed, values, errors = terms_form(f"new_program_{kind}", kind, None,
                                             {"create": "Create the draft"})
        if pressed == "create":
            submit(lambda s: create_program(s, actor, values),
                   lambda out: f"Draft saved: {plain(out.name)}. Replay it with the what-if, "
                               "then publish it.", errors=errors, failed="Nothing was saved.",
                   form=f"new_program_{kind}")

if not programs:
    st.stop()
by_id = {p.id: p for p in programs}
program_id = st.selectbox("Program", list(by_id), format_func=lambda i: by_id[i].name)
p = by_id[program_id]
st.subheader(plain(p.name))
st.caption(f"{p.kind_label} · {PROGRAM_STATUSES[p.status]}"
           + (f" · terms in force from {p.in_force_from:%d %B %Y}" if p.in_force_from else ""))
st.markdown(f"**Working terms**: {plain(p.summary)}")

st.markdown("#### Change and replay")
quarters = st.slider("Quarters to replay", 1, MAX_QUARTERS, 4)
buttons = {"whatif": "Replay with the what-if"}
if keeps and p.status != "retired":
    buttons["save"] = "Save as working terms"
pressed, values, errors = terms_form(f"edit_program_{p.id}", p.kind, p, buttons)
REPLAYED = f"whatif_{p.id}"  # (the terms replayed, the result)
if pressed == "whatif":
    try:
        with db() as session:
            result = what_if(session, actor, p.id, values, quarters)
        st.session_state[REPLAYED] = (Terms.of(as_model(ProgramIn, values)), result)
    except (ValidationError, RuleViolation) as exc:  # beside the fields
        errors.show(exc)
    except DomainError as exc:
        st.error(plain(str(exc)))
if pressed == "save":
    submit(lambda s: update_program(s, actor, p.id, values),
           lambda out: "Working terms saved: publish them to put them in force.",
           errors=errors, failed="Nothing was saved.")
replayed = st.session_state.get(REPLAYED)
if replayed:
    show_what_if(replayed[1])

if keeps and p.status != "retired":
    st.markdown("#### Publish the working terms")
    cols = st.columns([2, 3, 2])
    options = publishable_quarters(today)
    start = cols[0].selectbox("In force from", options, format_func=lambda q: q.label)
    note = cols[1].text_input("Note", placeholder="What changed and why")
    # Published only once the working terms themselves were replayed (not other values
    # tried in the form since): what is published is what the what-if showed.
    seen = replayed is not None and replayed[0] == p.terms
    if cols[2].button("Publish", type="primary", icon=":material/publish:", disabled=not seen,
                      help=None if seen else "Save the working terms and replay them with "
                                             "the what-if first."):
        st.session_state.pop(REPLAYED, None)
        submit(lambda s: publish(s, actor, p.id, start.starts_on, note=note),
               lambda out: f"Published from {start.label}.")
    if p.status == "published":
        with st.expander("Retire the program"):
            last_day = st.date_input("Last day sales count", value=today,
                                     min_value=today)
            if st.button("Retire"):
                submit(lambda s: retire(s, actor, p.id, last_day),
                       lambda out: f"Retired after {last_day:%d %B %Y}.")

with db() as session:
    versions = history(session, actor, p.id)
if versions:
    st.markdown("#### Published terms")
    table([{"from": v.effective_from, "terms": v.summary, "note": v.note or None,
            "by": v.published_by, "at": v.published_at} for v in versions],
          {"from": day_col("In force from"), "terms": text_col("Terms", "large"),
           "note": text_col("Note", "medium"), "by": text_col("By", 120),
           "at": time_col("Published", 140)}, key="program_versions")
