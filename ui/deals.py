"""Rendering a deal registration: its facts and its timeline (shared by My deals and the desk)."""

import streamlit as st

from core.deals import EXTENSION_LABELS, STAGE_LABELS, DealEventOut, DealOut
from core.money import base_money
from ui.context import local_time
from ui.markdown import plain, plain_lines


def money(amount) -> str:
    """"1,234.50 USD": no "$", which would start Markdown maths on the page."""
    return base_money(amount, symbol=False)


def protection_text(deal: DealOut) -> str:
    if deal.protection_ends_at is None:
        return "not protected yet"
    left = "" if deal.days_left is None else f" ({deal.days_left} days left)"
    return f"until {local_time(deal.protection_ends_at, '%Y-%m-%d')}{left}"


def deal_facts(deal: DealOut) -> None:
    left, mid, right = st.columns(3)
    left.metric("Status", deal.status_label)
    mid.metric("Estimated value", money(deal.estimated_value))
    right.metric("Expected close", str(deal.expected_close_date))
    st.markdown(
        f"**Customer:** {plain(deal.customer_name)} · "
        f"{plain(deal.customer_website or 'no website')} · {deal.customer_country}"
        f"{' / ' + plain(deal.customer_state) if deal.customer_state else ''}  \n"
        f"**Contact:** {plain(deal.contact_name)} ({plain(deal.contact_title or 'no title')}), "
        f"{plain(deal.contact_email)}  \n"
        f"**Product lines:** {plain(', '.join(deal.product_lines))} · "
        f"**Stage:** {STAGE_LABELS.get(deal.stage, deal.stage)}  \n"
        f"**Partner:** {plain(deal.partner_name)} · **Owner:** {plain(deal.owner_name)}  \n"
        f"**Protection:** {protection_text(deal)}"
        + (f"  \n**Final amount:** {money(deal.final_amount)} (closed {deal.closed_on})"
           if deal.final_amount is not None else "")
        + (f"  \n**Rejected because:** {plain(deal.rejection_reason)}" if deal.rejection_reason
           else "")
        + (f"  \n**Lost because:** {plain(deal.lost_reason)}" if deal.lost_reason else "")
        + (f"  \n**Extension:** {EXTENSION_LABELS.get(deal.extension_status)}"
           if deal.extension_status else "")
    )
    if deal.description:
        st.caption(plain_lines(deal.description))


def compare_card(name: str, web: str, country: str, lines, window: str, status: str,
                 amount: str, record_name: str, record_id: int) -> None:
    """One side of the desk's side-by-side view of two claims."""
    st.markdown(
        f"Customer: **{plain(name)}**  \nWebsite/domain: {plain(web) or '—'}  \n"
        f"Country: {country}  \n"
        f"Product lines: {plain(', '.join(lines)) or 'not known'}  \nWindow: {window}  \n"
        f"Status: {status} · {amount}  \n"
        f"End-customer record: #{record_id}{' ' + plain(record_name) if record_name else ''}")


def timeline(events: tuple[DealEventOut, ...]) -> None:
    st.subheader("Timeline")
    for e in reversed(events):
        tag = " · internal" if e.internal else ""
        st.markdown(f"**{local_time(e.at)}** · {plain(e.actor)} · _{e.kind}{tag}_  \n"
                    f"{plain_lines(e.text)}")
