"""One deal registration as each role sees it: the desk's view (matches side by side, the
decisions) for the channel team, the partner's view (its facts, its answers, closing it)
for the partner and read-only vendor roles. pages/deal.py picks the view; both run their
writes through ui.actions.submit, which reruns the same page at the same ?id."""

from datetime import date, datetime

import streamlit as st

from core.actor import Actor
from core.deals import (
    STAGE_LABELS,
    DealStage,
    add_note,
    answer_info_request,
    approve_deal,
    assignable_users,
    change_final_amount,
    decide_extension,
    desk_detail,
    get_deal,
    mark_lost,
    mark_won,
    merge_deal,
    reassign_deal,
    reassign_end_customer,
    reject_deal,
    request_extension,
    request_more_info,
    start_review,
    update_deal,
    withdraw_deal,
)
from ui.actions import submit
from ui.context import current_user, db, local_time
from ui.deals import compare_card, deal_facts, money, timeline
from ui.markdown import plain
from ui.registry import link_for
from ui.tables import count_col, flag_col, key_col, money_col, table, text_col

KIND_LABELS = {"registration": "Registration", "direct": "Direct opportunity"}


def _when(at: datetime | date) -> str:
    """A registration's submission time in the user's zone, or a direct opportunity's close
    day as it is (a day has no zone: moving it to one would show the day before)."""
    return local_time(at) if isinstance(at, datetime) else at.isoformat()


def desk_view(actor: Actor, deal_id: int) -> None:
    with db() as session:
        detail = desk_detail(session, actor, deal_id)
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
        table([{"kind": KIND_LABELS[m.kind], "id": m.id, "who": m.who,
                "customer": m.customer_name, "country": m.country, "domain": m.domain,
                "status": m.status, "amount": m.amount, "at": _when(m.at), "open": m.open,
                "verdict": m.verdict.capitalize(), "score": m.score, "why": "; ".join(m.reasons)}
               for m in detail.matches],
              {"verdict": text_col("Verdict", 80, pinned=True), "score": count_col("Score", 60),
               "kind": text_col("Kind", 100), "id": key_col(), "who": text_col("Who", "small"),
               "customer": text_col("Customer", "small"), "country": text_col("Country", 70),
               "domain": text_col("Domain", "small"), "status": text_col("Status", 90),
               "amount": money_col("Amount"), "at": text_col("When", 130),
               "open": flag_col("Open", 60), "why": text_col("Why", "large")})
        labels = {i: f"{KIND_LABELS[m.kind]} #{m.id} · {m.who} · {m.verdict} {m.score}"
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
            st.markdown(f"**{KIND_LABELS[other.kind]} #{other.id}**  \n{plain(other.who)}"
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
                into = st.selectbox("Merge into registration", targets,
                                    format_func=lambda i: f"#{i}")
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

    if target := link_for(current_user(), "end_customer"):
        st.page_link(target, label=f"Open end customer #{detail.end_customer_id}: every claim "
                                   "filed under it", icon=":material/apartment:",
                     query_params={"id": str(detail.end_customer_id)})
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


def partner_view(actor: Actor, deal_id: int) -> None:
    with db() as session:
        detail = get_deal(session, actor, deal_id)
    deal = detail.deal
    st.header(f"#{deal.id} {plain(deal.customer_name)}")
    deal_facts(deal)
    acts = deal.actions

    if "answer" in acts:
        with st.form("answer"):
            st.info("The channel team asked for more information; answer to send it back.")
            answer = st.text_area("Your answer")
            if st.form_submit_button("Send answer", type="primary"):
                submit(lambda s: answer_info_request(s, actor, deal.id, answer),
                       "Answer sent: the registration is under review again.")

    if "update" in acts:
        with st.expander("Update stage, value or close date"), st.form("update"):
            stage = st.selectbox("Stage", list(DealStage), format_func=STAGE_LABELS.get,
                                 index=list(DealStage).index(DealStage(deal.stage)))
            value = st.text_input("Estimated value", value=str(deal.estimated_value))
            close = st.date_input("Expected close date", value=deal.expected_close_date)
            if st.form_submit_button("Save changes"):
                submit(lambda s: update_deal(s, actor, deal.id, dict(
                    stage=stage, estimated_value=value, expected_close_date=close)),
                    "Registration updated.")

    if "won" in acts or "lost" in acts:
        with st.expander("Close the deal"):
            won, lost = st.columns(2)
            with won.form("won"):
                amount = st.text_input("Final amount")
                closed_on = st.date_input("Closed on", value=date.today())
                if st.form_submit_button("Mark won"):
                    submit(lambda s: mark_won(s, actor, deal.id, amount, closed_on=closed_on),
                           "Marked won. Congratulations!")
            with lost.form("lost"):
                reason = st.text_input("Why was it lost?")
                if st.form_submit_button("Mark lost"):
                    submit(lambda s: mark_lost(s, actor, deal.id, reason), "Marked lost.")

    if "extend" in acts:
        with st.expander("Request an extension of protection"), st.form("extend"):
            why = st.text_input("Why more time is needed")
            if st.form_submit_button("Request extension"):
                submit(lambda s: request_extension(s, actor, deal.id, why),
                       "Extension requested: the channel team will decide.")

    if "reassign" in acts:
        with st.expander("Hand the deal to a colleague"):
            with db() as session:
                team = dict(assignable_users(session, actor))
            with st.form("reassign"):
                new_owner = st.selectbox("New owner", list(team), format_func=team.get)
                if st.form_submit_button("Reassign"):
                    submit(lambda s: reassign_deal(s, actor, deal.id, new_owner),
                           f"Handed to {plain(team.get(new_owner, ''))}.")

    if "withdraw" in acts:
        with st.expander("Withdraw the registration"), st.form("withdraw"):
            why = st.text_input("Reason (optional)")
            if st.form_submit_button("Withdraw"):
                submit(lambda s: withdraw_deal(s, actor, deal.id, why), "Withdrawn.")

    if "note" in acts:
        with st.form("note", clear_on_submit=True):
            text = st.text_area("Add a note")
            if st.form_submit_button("Add note"):
                submit(lambda s: add_note(s, actor, deal.id, text), "Note added.")

    timeline(detail.timeline)
