"""The PRM domain: pure Python services, no Streamlit."""
