"""Sign-in wiring: our rules in core.accounts, streamlit-authenticator for the signed cookie.

Home.py restores the user before it builds the menu and syncs the cookie after. The
authenticator's own login form and failed-login counter are not used (lockout lives in the
database); on a successful sign-in or sign-out it writes or deletes the signed cookie.
Never pass it an api_key."""

import time
from datetime import UTC, datetime

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from core.accounts import SignedIn, resume_session, sign_in, sign_out
from core.secrets_store import cookie_key
from core.settings import get_settings
from ui.context import USER_KEY, current_user, db, session_ref

SIGNED_IN_AT = "prm_signed_in_at"
LOGIN_ERROR = "prm_login_error"
COOKIE_ACTION = "prm_cookie_action"  # "set" or "delete", until the browser confirms it


def _configured_cookie_key() -> str | None:
    try:
        return st.secrets.get("cookie_key")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def _key() -> str:
    s = get_settings()
    return cookie_key(_configured_cookie_key() or s.cookie_key, s.data_dir)


def _cookie_claims(key: str) -> dict | None:
    token = st.context.cookies.get(get_settings().cookie_name)
    if not token:
        return None
    try:
        return jwt.decode(token, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None


def restore_user() -> SignedIn | None:
    """The signed-in user of this run, checked against the database, before the menu is built.

    A new browser session (a reload) is signed in from the cookie sent with the page request,
    read here the way the authenticator's own login reads it. No component is rendered for
    that: a component on the page at load reports back with a rerun, and one that left the
    browser before it knew which page it was on reran the app on Home (a reload of a
    sub-page landed on Home, and a click in that rerun was lost). A deactivated user or a
    changed password ends the session at its next run."""
    _restore_from_cookie()
    username = st.session_state.get("username")
    user = None
    if st.session_state.get("authentication_status") and username:
        signed_in_at = st.session_state.get(SIGNED_IN_AT) or datetime.now(UTC)
        with db() as session:
            user = resume_session(session, username, signed_in_at)
        if user is None:
            _clear_session()
            st.session_state[COOKIE_ACTION] = "delete"
    st.session_state[USER_KEY] = user
    return user


def _restore_from_cookie() -> None:
    if st.session_state.get("authentication_status") or st.session_state.get("logout"):
        return
    s = get_settings()
    claims = _cookie_claims(_key())
    if not claims or "username" not in claims or claims.get("exp_date", 0) <= time.time():
        return
    issued = claims["exp_date"] - s.cookie_expiry_days * 86400
    st.session_state.update({
        "authentication_status": True, "username": claims["username"],
        "name": claims["username"], SIGNED_IN_AT: datetime.fromtimestamp(issued, UTC),
    })


def sync_cookie() -> None:
    """Set or delete the cookie, after the menu is built, until the browser reports it done.

    streamlit-authenticator writes the cookie through its cookie manager's components (keys
    "init", "set" and "delete"). They run in the browser after the script run, and a rerun
    that comes first (a click, another component) drops them unexecuted, so they are
    rendered on every run while an action is pending and on no other run. Rendered after
    st.navigation, their reports carry the page the browser is on."""
    action = st.session_state.get(COOKIE_ACTION)
    if action not in ("set", "delete"):
        return
    cookies = _authenticator().cookie_controller
    if action == "set":
        cookies.set_cookie()
    else:
        cookies.delete_cookie()
    if st.session_state.get(action) is True:
        st.session_state[COOKIE_ACTION] = None


def _authenticator() -> stauth.Authenticate:
    s = get_settings()
    # It only writes the cookie for the session's user; it needs no credentials for that.
    return stauth.Authenticate({"usernames": {}}, s.cookie_name, _key(), s.cookie_expiry_days,
                               auto_hash=False, login_sleep_time=0)


def login_form() -> None:
    st.subheader("Sign in")
    with st.form("login"):
        st.text_input("Username", key="login_username", autocomplete="username")
        st.text_input("Password", type="password", key="login_password",
                      autocomplete="current-password")
        if message := st.session_state.get(LOGIN_ERROR):
            st.error(message)
        st.form_submit_button("Sign in", on_click=_on_login, type="primary")


def _on_login() -> None:
    # A callback runs before the script, so the menu of this very run is the signed-in one.
    username = st.session_state.get("login_username", "")
    password = st.session_state.get("login_password", "")
    with db(immediate=True) as session:
        outcome = sign_in(session, username, password, session_ref=session_ref())
    if not isinstance(outcome, SignedIn):
        st.session_state[LOGIN_ERROR] = outcome.message
        return
    st.session_state.pop(LOGIN_ERROR, None)
    st.session_state["login_password"] = ""
    st.session_state.update({
        "authentication_status": True, "username": outcome.username,
        "name": outcome.display_name, "logout": None,
        SIGNED_IN_AT: outcome.signed_in_at, COOKIE_ACTION: "set",
    })


def restart_session(at: datetime) -> None:
    """After a password change: this session goes on, with a fresh cookie."""
    st.session_state[SIGNED_IN_AT] = at
    st.session_state[COOKIE_ACTION] = "set"


def logout_button() -> None:
    st.sidebar.button("Log out", on_click=_on_logout, icon=":material/logout:")


def _on_logout() -> None:
    user = current_user()
    if user:
        with db(immediate=True) as session:  # a write (the audit event): lock at BEGIN
            sign_out(session, user.actor)
    _clear_session()
    st.session_state[COOKIE_ACTION] = "delete"


def _clear_session() -> None:
    # What the authenticator's own logout does, so that the cookie is not read back.
    for key in ("name", "username", "authentication_status", "email", "roles", SIGNED_IN_AT):
        st.session_state[key] = None
    st.session_state["logout"] = True
    st.session_state[USER_KEY] = None
