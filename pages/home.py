import streamlit as st

from core.actor import Role
from core.onboarding import checklist
from ui import auth
from ui.context import db
from ui.guard import page_guard
from ui.markdown import plain

user = page_guard(__file__)

NEXT_ACTIONS: dict[Role, list[tuple[str, str]]] = {
    Role.ADMIN: [("pages/deal_desk.py", "Work the deal desk queue"),
                 ("pages/users.py", "Manage users and roles"),
                 ("pages/audit_log.py", "Review the audit log"),
                 ("pages/tiers.py", "Keep the tier rules"),
                 ("pages/partners.py", "Browse partners")],
    Role.CHANNEL_MANAGER: [("pages/deal_desk.py", "Work the deal desk queue"),
                           ("pages/tiers.py", "Decide the proposed tier changes"),
                           ("pages/applications.py", "Review partner applications"),
                           ("pages/onboarding.py", "See who is stuck in onboarding"),
                           ("pages/direct_opportunities.py", "Import direct opportunities"),
                           ("pages/partners.py", "Review your partners")],
    Role.MARKETING_OPS: [("pages/partners.py", "See which partners to reach")],
    Role.FINANCE: [("pages/won_deals.py", "Export won deals for a period"),
                   ("pages/partners.py", "Look up a partner")],
    Role.EXECUTIVE: [("pages/won_deals.py", "See won deals"),
                     ("pages/partners.py", "See the partner base")],
    Role.ANALYST: [("pages/partners.py", "Explore partner data")],
    Role.PARTNER_ADMIN: [("pages/register_deal.py", "Register a deal"),
                         ("pages/my_deals.py", "Follow your team's deals"),
                         ("pages/users.py", "Manage your team's accounts"),
                         ("pages/my_tier.py", "See what the next tier needs"),
                         ("pages/company_profile.py", "Keep your company profile complete")],
    Role.PARTNER_USER: [("pages/register_deal.py", "Register a deal"),
                        ("pages/my_deals.py", "Follow your deals"),
                        ("pages/profile.py", "Update your profile")],
}

if user is None:
    st.title("Partner portal")
    st.write("Sign in to reach your deals, leads, funds and training.")
    left, right = st.columns([1, 1])
    with left:
        auth.login_form()
    with right:
        st.subheader("Not a partner yet?")
        st.write("Tell us about your company and we will get back to you.")
        st.page_link("pages/become_partner.py", label="Become a partner",
                     icon=":material/handshake:")
else:
    st.title(f"Welcome, {plain(user.display_name)}")
    st.write("Your next actions:")
    for target, label in NEXT_ACTIONS[user.actor.role]:
        st.page_link(target, label=label, icon=":material/arrow_forward:")
    if user.actor.role == Role.PARTNER_ADMIN:
        with db() as session:
            steps = checklist(session, user.actor)
        if not steps.complete:
            st.subheader(f"Getting started: {steps.done_count} of {steps.total} done")
            st.progress(steps.done_count / steps.total if steps.total else 1.0)
            for step in steps.steps:
                mark = ":material/check_circle:" if step.done else \
                    ":material/radio_button_unchecked:"
                st.markdown(f"{mark} {plain(step.title)}")
