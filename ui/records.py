"""One record's page: the id from the address (?id=N), and a way back to its list."""

import streamlit as st

from core.errors import DomainError
from core.partner360 import parse_partner_id
from ui.context import current_user
from ui.markdown import plain
from ui.registry import link_for


def record_id(noun: str) -> int | None:
    """The record number in ?id=N; None (with a message saying what to do) when the
    address has none or a malformed one."""
    raw = st.query_params.get("id")
    if raw is None:
        st.title(noun.capitalize())
        st.info(f"No {noun} chosen: open one from its list.")
        return None
    text = raw.strip().removeprefix("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        st.title(noun.capitalize())
        st.warning(f'"{plain(raw[:40])}" is not the number of a {noun}: open one from its '
                   "list.")
        return None
    return int(text)


def back_to(route: str, label: str) -> None:
    """A link back to the list the record came from, when this user may open it."""
    if target := link_for(current_user(), route):
        st.page_link(target, label=label, icon=":material/arrow_back:")


def linked_choice(choices: dict[int, str], *, label: str = "Partner",
                  placeholder: str = "Choose a partner", where=st) -> int | None:
    """A select box of records that starts at the one in ?id=N and keeps the address in step
    with the choice (a link opens the record; the address can be shared). A malformed or
    unknown id says so and leaves the choice open."""
    linked = st.query_params.get("id")
    wanted = None
    if linked is not None:
        try:
            wanted = parse_partner_id(linked)
        except DomainError as exc:
            st.warning(plain(str(exc)))
        if wanted is not None and wanted not in choices:
            st.warning(f"There is no {label.lower()} with id {wanted}; choose one from the "
                       "list.")
            wanted = None
    ids = list(choices)
    chosen = where.selectbox(label, ids, index=ids.index(wanted) if wanted is not None else None,
                             format_func=choices.get, placeholder=placeholder)
    if chosen is not None and linked != str(chosen):
        st.query_params["id"] = str(chosen)
    return chosen
