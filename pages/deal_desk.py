from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from core.deals import (
    STATUS_LABELS,
    DealStatus,
    DeskFilter,
    add_note,
    approve_deal,
    bulk_approve,
    change_final_amount,
    decide_extension,
    desk_detail,
    desk_queue,
    merge_deal,
    reassign_end_customer,
    reject_deal,
    request_more_info,
    start_review,
)
from core.partners import REGIONS, partner_choices
from ui.actions import show_flash, submit
from ui.context import db, local_time
from ui.deals import compare_card, deal_facts, money, timeline
from ui.guard import page_guard
from ui.markdown import plain

MATCH_FILTERS = {"conflict": "Conflicts", "possible": "Possible conflicts or worse",
                 "clear": "No match"}
VERDICT_LABELS = {"clear": "", "possible": "possible", "conflict": "conflict"}


user = page_guard(__file__)
actor = user.actor

st.title("Deal desk")
show_flash()

with db() as session:
    partners = dict(partner_choices(session, actor))

with st.expander("Filters", expanded=True):
    cols = st.columns(4)
    statuses = cols[0].multiselect("Status", list(DealStatus), format_func=STATUS_LABELS.get,
                                   placeholder="Waiting for the desk")
    partner_id = cols[1].selectbox("Partner", list(partners), index=None,
                                   format_func=partners.get, placeholder="Any partner")
    region = cols[2].selectbox("Region", REGIONS, index=None, placeholder="Any region")
    min_age = cols[3].number_input("Older than (days)", min_value=0, value=0, step=1)
    cols = st.columns(4)
    min_value = cols[0].text_input("Value from")
    max_value = cols[1].text_input("Value up to")
    match_filter = cols[2].selectbox("Matches", list(MATCH_FILTERS), index=None,
                                     format_func=MATCH_FILTERS.get, placeholder="Any")
    mine_only = cols[3].toggle("My partners only")


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")) if text.strip() else None
    except InvalidOperation:
        st.warning(f"'{plain(text)}' is not an amount; that filter is ignored.")
        return None


filt = DeskFilter(statuses=tuple(statuses) or None, partner_id=partner_id, region=region,
                  min_age_days=min_age or None, min_value=_amount(min_value),
                  max_value=_amount(max_value), match=match_filter,
                  mine_only=mine_only)
with db() as session:
    rows, total = desk_queue(session, actor, filt, limit=500)

st.caption(f"{total} registrations, oldest first" +
           (" (first 500 shown)" if total > len(rows) else ""))
st.dataframe(pd.DataFrame([
    {"#": r.deal.id, "Partner": r.deal.partner_name, "Tier": r.tier,
     "Customer": r.deal.customer_name, "Country": r.deal.customer_country,
     "Value": money(r.deal.estimated_value), "Status": r.deal.status_label,
     "Age (days)": r.age_days, "Match": VERDICT_LABELS[r.match_verdict],
     "Extension": r.deal.extension_status or "", "Manager": r.channel_manager or ""}
    for r in rows]), hide_index=True, width="stretch")

clear = [r.deal.id for r in rows if r.match_verdict == "clear" and "approve" in r.deal.actions]


def approved(result) -> str:
    skipped = f"; {len(result.skipped)} skipped" if result.skipped else ""
    return f"Approved {len(result.approved)} registrations{skipped}."


if clear and st.button(f"Approve the {len(clear)} shown with no match", icon=":material/done_all:"):
    submit(lambda s: bulk_approve(s, actor, clear), approved)

if not rows:
    st.stop()

by_id = {r.deal.id: r for r in rows}
chosen = st.selectbox("Open a registration", list(by_id), index=None,
                      format_func=lambda i: f"#{i} {by_id[i].deal.customer_name} · "
                                            f"{by_id[i].deal.partner_name}",
                      placeholder="Choose a registration")
if chosen is None:
    st.stop()

with db() as session:
    detail = desk_detail(session, actor, chosen)
deal = detail.deal
st.header(f"#{deal.id} {plain(deal.customer_name)} · {plain(deal.partner_name)} "
          f"({plain(detail.tier)})")
deal_facts(deal)

st.subheader("Possible matches")
if detail.matches:
    st.write(f"Strongest match when checked: **{detail.match_verdict}** "
             f"(score {detail.match_score}). First come, first served: this registration is "
             + ("**the earliest** open claim." if detail.first_come
                else "**not** the earliest open claim."))
    st.dataframe(pd.DataFrame([
        {"Kind": m.kind, "#": m.id, "Who": m.who, "Customer": m.customer_name,
         "Country": m.country, "Domain": m.domain or "", "Status": m.status,
         "Amount": money(m.amount), "When": str(m.at)[:16], "Open": m.open,
         "Verdict": m.verdict, "Score": m.score,
         "Why": "; ".join(m.reasons)} for m in detail.matches]),
        hide_index=True, width="stretch")
    labels = {i: f"{m.kind} #{m.id} · {m.who} · {m.verdict} {m.score}"
              for i, m in enumerate(detail.matches)}
    pick = st.selectbox("Compare side by side with", list(labels), format_func=labels.get)
    other = detail.matches[pick]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**This registration #{deal.id}**  \n{plain(deal.partner_name)}")
        compare_card(deal.customer_name, deal.customer_website or "", deal.customer_country,
                     deal.product_lines, f"{deal.submitted_at:%Y-%m-%d} to "
                     f"{deal.expected_close_date}", deal.status_label,
                     money(deal.estimated_value), detail.end_customer_name,
                     detail.end_customer_id)
    with right:
        st.markdown(f"**{other.kind.capitalize()} #{other.id}**  \n{plain(other.who)}"
                    + (" · same partner (a duplicate?)" if other.same_partner else ""))
        compare_card(other.customer_name, other.domain or "", other.country,
                     other.product_lines, other.window, other.status, money(other.amount),
                     "", other.end_customer_id)
    st.markdown(f"**{other.verdict.capitalize()}, score {other.score}:** "
                + plain("; ".join(other.reasons)))
else:
    st.write("No other registration or direct opportunity looks like the same company.")

acts = deal.actions
open_conflict = any(m.open and m.verdict == "conflict" for m in detail.matches)

if "review" in acts and st.button("Start review"):
    submit(lambda s: start_review(s, actor, deal.id), "Under review.")

if "approve" in acts:
    with st.form("approve"):
        st.markdown("**Approve**")
        days = st.number_input("Protection days", min_value=1, max_value=730,
                               value=detail.default_protection_days,
                               help=f"{plain(detail.tier)} tier default: "
                                    f"{detail.default_protection_days}")
        note = st.text_input("Note to the partner (optional)")
        override = st.checkbox("Approve despite the conflict") if open_conflict else False
        if st.form_submit_button("Approve", type="primary"):
            submit(lambda s: approve_deal(s, actor, deal.id, protection_days=int(days),
                                          note=note, override_conflict=override),
                   f"#{deal.id} approved for {int(days)} days.")

if "reject" in acts:
    with st.form("reject"):
        st.markdown("**Reject**")
        reason = st.text_area("Reason (sent to the partner)")
        if st.form_submit_button("Reject"):
            submit(lambda s: reject_deal(s, actor, deal.id, reason), f"#{deal.id} rejected.")

if "more_info" in acts:
    with st.form("more_info"):
        question = st.text_area("Question for the partner")
        if st.form_submit_button("Request more information"):
            submit(lambda s: request_more_info(s, actor, deal.id, question),
                   "Sent back to the partner for more information.")

if "merge" in acts:
    # The same partner's duplicates first: merging those is the usual case.
    targets = [m.id for m in sorted(detail.matches, key=lambda m: not m.same_partner)
               if m.kind == "registration" and m.open]
    if targets:
        with st.form("merge"):
            into = st.selectbox("Merge into registration", targets, format_func=lambda i: f"#{i}")
            if st.form_submit_button("Merge"):
                submit(lambda s: merge_deal(s, actor, deal.id, into), f"Merged into #{into}.")

if "extension" in acts:
    with st.form("extension"):
        st.markdown("**Extension request**")
        ext_days = st.number_input("Extra days", min_value=1, max_value=365, value=30)
        ext_note = st.text_input("Note (optional)")
        grant, decline = st.columns(2)
        if grant.form_submit_button("Grant extension"):
            submit(lambda s: decide_extension(s, actor, deal.id, True, days=int(ext_days),
                                              note=ext_note), "Extension granted.")
        if decline.form_submit_button("Decline extension"):
            submit(lambda s: decide_extension(s, actor, deal.id, False, note=ext_note),
                   "Extension declined.")

if "final_amount" in acts:
    with st.form("final_amount"):
        st.markdown("**Correct the final amount**")
        amount = st.text_input("Final amount", value=str(deal.final_amount or ""))
        why = st.text_input("Reason")
        if st.form_submit_button("Change final amount"):
            submit(lambda s: change_final_amount(s, actor, deal.id, amount, why),
                   "Final amount changed.")

with st.form("refile"):
    st.markdown(f"**End customer:** #{detail.end_customer_id} "
                f"{plain(detail.end_customer_name)}")
    choices = {m.end_customer_id: f"#{m.end_customer_id} {m.customer_name} ({m.country})"
               for m in detail.matches if m.end_customer_id != detail.end_customer_id}
    target = st.selectbox("File under another end customer", list(choices), index=None,
                          format_func=choices.get, placeholder="Choose a matching record",
                          help="Merge two records of one company on the End customers page.")
    if st.form_submit_button("Re-file"):
        if target is None:
            st.error("Choose the end customer to file it under.")
        else:
            submit(lambda s: reassign_end_customer(s, actor, deal.id, target),
                   f"Filed under end customer #{target}; matching ran again.")

with st.form("desk_note", clear_on_submit=True):
    text = st.text_area("Add a note")
    internal = st.checkbox("Internal (never shown to the partner)", value=True)
    if st.form_submit_button("Add note"):
        submit(lambda s: add_note(s, actor, deal.id, text, internal=internal), "Note added.")

timeline(detail.timeline)
st.caption(f"Submitted {local_time(deal.submitted_at)}")
