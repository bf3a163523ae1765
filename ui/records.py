"""One record's page: the id from the address (?id=N), and a way back to its list."""

import streamlit as st

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
