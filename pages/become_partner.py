import streamlit as st

from ui.guard import page_guard

page_guard(__file__)

st.title("Become a partner")
st.write(
    "Resell, integrate or refer our products and grow with us: deal protection, "
    "market development funds, training and leads routed to you."
)
st.info("The online application opens soon. Until then, write to your local channel team.")
