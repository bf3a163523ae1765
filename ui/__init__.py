"""Streamlit-only helpers shared by pages."""
