"""Keep Streamlit out of its old pages/-folder navigation.

Streamlit guesses that navigation for the first script run of a server process, because a
pages/ folder sits beside Home.py; this app builds its own menu with st.navigation. In that
first run the page runs under other ids, so the first visitor's first click (signing in)
was lost, and the menu briefly listed every page file. Turning the guess off and running
again costs one extra run, once per process."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def use_app_navigation() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
