from datetime import UTC, datetime

import streamlit as st

from core.accounts import (
    NewUserIn,
    UserFilter,
    change_role,
    create_user,
    end_all_sessions,
    grantable_roles,
    list_users,
    reset_password,
    second_factor,
    set_active,
    sso,
    unlock,
)
from core.accounts.usernames import USERNAME_RULE
from core.actor import ROLE_LABELS
from core.partners import partner_choices
from core.permissions import can
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.links import keep_for_next_run, show_issued_link
from ui.markdown import plain
from ui.tables import flag_col, table, text_col, time_col

user = page_guard(__file__)
actor = user.actor
roles = grantable_roles(actor)
# Who manages users across partners chooses the partner; a partner admin has its own only.
across_partners = can(actor, "partner.directory")

st.title("Users")
show_flash()
if across_partners:
    with db() as session:
        partners = dict(partner_choices(session, actor))

cols = st.columns(3)
search = cols[0].text_input("Search", placeholder="Part of a username or name")
role_filter = cols[1].selectbox("Role", roles, index=None, format_func=ROLE_LABELS.get,
                                placeholder="Any role")
partner_filter = None
if across_partners:
    partner_filter = cols[2].selectbox("Partner", list(partners), index=None,
                                       format_func=partners.get, placeholder="Any partner")

with db() as session:
    users = list_users(session, actor, UserFilter(search or None, role_filter, partner_filter))
    two_factor = second_factor.enrolled_user_ids(session, actor, [u.id for u in users])

now = datetime.now(UTC)
columns = {"username": text_col("Username", 120, pinned=True), "name": text_col("Name", 160),
           "email": text_col("E-mail", 210), "role": text_col("Role", 160)}
if across_partners:  # a partner admin's users are all its own partner's
    columns["partner"] = text_col("Partner", 170)
columns |= {"active": flag_col("Active", 60), "two_factor": flag_col("Two-factor", 80),
            "last": time_col("Last sign-in", 140), "locked": time_col("Locked until", 140)}
table([{"username": u.username, "name": u.display_name, "email": u.email,
        "role": ROLE_LABELS.get(u.role, u.role), "partner": u.partner,
        "active": u.is_active, "two_factor": u.id in two_factor, "last": u.last_login_at,
        # A lock that has run out is no lock.
        "locked": u.locked_until if u.locked_until and u.locked_until > now else None}
       for u in users], columns)

show_issued_link()


def single_sign_on(target) -> None:
    """The user's single sign-on identities, and the admin's two actions on them."""
    with db() as session:
        linked = sso.identities(session, actor, target.id)
    st.markdown("**Single sign-on**")
    for identity in linked:
        st.caption(f"Linked {identity.linked_at:%Y-%m-%d} (by {identity.linked_via}) to "
                   f"{plain(identity.email)} at {plain(identity.issuer)}")
    cols = st.columns(2)
    if cols[0].button("Allow single sign-on link", icon=":material/link:",
                      help=f"For {sso.LINK_DAYS} days, the user's first single sign-on with "
                           "a verified e-mail equal to theirs links that identity."):
        submit(lambda s: sso.allow_link(s, actor, target.id),
               lambda until: f"{target.username} may link a single sign-on identity until "
                             f"{until:%Y-%m-%d %H:%M} UTC.")
    if linked and cols[1].button("Remove single sign-on", icon=":material/link_off:"):
        submit(lambda s: sso.unlink(s, actor, target.id),
               f"Single sign-on removed from {target.username}.")


manage, create = st.tabs(["Manage a user", "Create a user"])

with manage:
    by_id = {u.id: u for u in users}
    chosen = st.selectbox("User", list(by_id), index=None, placeholder="Choose a user",
                          format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
    if chosen is not None:
        target = by_id[chosen]
        new_role = st.selectbox("Role", roles, format_func=ROLE_LABELS.get,
                                index=roles.index(target.role) if target.role in roles else 0)
        cols = st.columns(5)
        if cols[0].button("Change role"):
            submit(lambda s: change_role(s, actor, target.id, new_role))
        label = "Deactivate" if target.is_active else "Reactivate"
        if cols[1].button(label):
            submit(lambda s: set_active(s, actor, target.id, not target.is_active))
        if cols[2].button("Unlock"):
            submit(lambda s: unlock(s, actor, target.id))
        if cols[3].button("Reset password", help="The password stops working; the user "
                          "chooses a new one through a one-time link."):
            submit(lambda s: reset_password(s, actor, target.id),
                   lambda link: keep_for_next_run("Password reset", target.username, link))
        if cols[4].button("End all sessions", help="Signs the user out of every browser."):
            submit(lambda s: end_all_sessions(s, actor, target.id),
                   lambda n: f"{n} session(s) of {target.username} ended.")
        resettable = target.id in two_factor and can(actor, "user.second_factor_reset")
        if resettable and st.button(
                "Reset two-factor sign-in", icon=":material/phonelink_erase:",
                help="For a lost phone: removes the user's authenticator and recovery codes "
                     "and signs the user out. Admins and finance set up a new one at their "
                     "next sign-in."):
            submit(lambda s: second_factor.reset_for_user(s, actor, target.id),
                   f"Two-factor sign-in of {target.username} reset; they set it up again "
                   "at their next sign-in.")
        if can(actor, "user.sso_link"):
            single_sign_on(target)

with create, st.form(form_key("create_user")):
    st.caption("Fields marked \\* are required.")
    errors = FieldErrors()
    username = st.text_input("Username *", placeholder="e.g. dana.smith",
                             help=USERNAME_RULE)
    errors.slot("username")
    display_name = st.text_input("Full name *")
    errors.slot("display_name")
    email = st.text_input("E-mail *", placeholder="e.g. dana@example.com")
    errors.slot("email")
    role = st.selectbox("Role *", roles, format_func=ROLE_LABELS.get, index=None,
                        placeholder="Choose a role")
    errors.slot("role")
    partner_id = None
    if across_partners:
        partner_id = st.selectbox("Partner (partner roles only)", list(partners), index=None,
                                  format_func=partners.get, placeholder="Choose a partner")
        errors.slot("partner_id")
    errors.slot("")
    if st.form_submit_button("Create user"):
        data = dict(username=username, display_name=display_name, email=email, role=role,
                    partner_id=partner_id)
        submit(lambda s: create_user(s, actor, NewUserIn(**data)),
               lambda made: keep_for_next_run("User created", made[0].username, made[1]),
               errors=errors, form="create_user")
