"""File downloads built when the button is clicked, not on every rerun of the page.

`st.download_button` takes a callable for its data (Streamlit 1.5x and later): Streamlit runs
it when the user clicks, on a thread of its own beside the script, so a page that offers an
export of a million rows costs nothing until someone asks for it. The callable gets no
arguments and cannot draw anything: it reads the database itself (`ui.context.db`) with what
the page captured (the actor, the filters)."""

from collections.abc import Callable

import streamlit as st

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(label: str, build: Callable[[], bytes | str], file_name: str, mime: str, *,
             where=None, disabled: bool = False, help: str | None = None) -> None:
    """A download button whose file `build()` makes on click. The click does not rerun the
    page (there is nothing on it to change)."""
    (where or st).download_button(label, build, file_name=file_name, mime=mime,
                                  icon=":material/download:", on_click="ignore",
                                  disabled=disabled, help=help)
