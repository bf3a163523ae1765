import streamlit as st

from core.leads import FACTORS, SETTINGS, lead_setting, routing_weights, set_routing
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors
from ui.guard import page_guard

user = page_guard(__file__)
actor = user.actor

st.title("Lead routing")
show_flash()
st.caption("Routing offers each lead to the eligible partner with the highest score: each "
           "factor's value (0 to 1) times its weight, over the sum of the weights. Eligible "
           "means active with the agreement accepted, a territory that covers the lead, the "
           "lead's industry served, a certified user on the lead's product line where the "
           "tier asks for one, capacity left, and not having passed on the lead before.")
with db() as session:
    weights = routing_weights(session)
    settings = {name: lead_setting(session, name) for name in SETTINGS}

errors = FieldErrors()
with st.form("lead_routing"):
    chosen: dict[str, int] = {}
    for factor, (label, what) in FACTORS.items():
        chosen[factor] = int(st.number_input(label, 0, 100, weights[factor], step=5, help=what,
                                             key=f"w_{factor}"))
        errors.slot(factor)
    errors.slot("weights")
    values: dict[str, int] = {}
    for name, (label, _default, low, high) in SETTINGS.items():
        values[name] = int(st.number_input(label, low, high, settings[name], key=f"s_{name}"))
        errors.slot(name)
    if st.form_submit_button("Save", type="primary"):
        submit(lambda s: set_routing(s, actor, chosen, values),
               "Saved: the next routing uses these weights.", errors=errors)
st.caption("Each tier's lead capacity and hours to answer an offer are on the Tiers page.")
