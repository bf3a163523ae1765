"""Sign-in wiring: our rules in core.accounts, streamlit-authenticator for the signed cookie.

The authenticator is created once per run in Home.py. Its own login form and failed-login
counter are not used (lockout lives in the database); on a successful sign-in we hand it the
session state and let it set the cookie. Never pass it an api_key."""

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


def authenticator() -> stauth.Authenticate:
    """Create the authenticator and restore a signed-in user from the cookie, if any."""
    s = get_settings()
    key = _key()
    claims = _cookie_claims(key)
    usernames = {}
    if claims and "username" in claims:
        # The authenticator only restores users it knows; it needs no password for that.
        usernames[claims["username"]] = {"name": claims["username"], "password": "-",
                                         "email": ""}
    auth = stauth.Authenticate({"usernames": usernames}, s.cookie_name, key,
                               s.cookie_expiry_days, auto_hash=False, login_sleep_time=0)
    was_signed_in = bool(st.session_state.get("authentication_status"))
    auth.login(location="unrendered")
    if not was_signed_in and st.session_state.get("authentication_status") and claims:
        issued = claims["exp_date"] - s.cookie_expiry_days * 86400
        st.session_state[SIGNED_IN_AT] = datetime.fromtimestamp(issued, UTC)
    return auth


def resolve_user(auth: stauth.Authenticate) -> SignedIn | None:
    """Check the session against the database on every run: a deactivated user or a changed
    password ends the session at its next page load."""
    _sync_cookie(auth)
    username = st.session_state.get("username")
    user = None
    if st.session_state.get("authentication_status") and username:
        signed_in_at = st.session_state.get(SIGNED_IN_AT) or datetime.now(UTC)
        with db() as session:
            user = resume_session(session, username, signed_in_at)
        if user is None:
            _clear_session()
            st.session_state[COOKIE_ACTION] = "delete"
            _sync_cookie(auth)
    st.session_state[USER_KEY] = user
    return user


def _sync_cookie(auth: stauth.Authenticate) -> None:
    """Render the cookie component on every run until the browser reports it done.

    The component (keys "set" and "delete" in the authenticator's cookie manager) runs in the
    browser after the script run; a rerun that comes first (a click, another component) would
    drop it unexecuted. Its value turns True once the browser has set or deleted the cookie."""
    action = st.session_state.get(COOKIE_ACTION)
    if action == "set":
        auth.cookie_controller.set_cookie()
    elif action == "delete":
        auth.cookie_controller.delete_cookie()
    else:
        return
    if st.session_state.get(action) is True:
        st.session_state[COOKIE_ACTION] = None


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
        with db() as session:
            sign_out(session, user.actor)
    _clear_session()
    st.session_state[COOKIE_ACTION] = "delete"


def _clear_session() -> None:
    # What the authenticator's own logout does, so that the cookie is not read back.
    for key in ("name", "username", "authentication_status", "email", "roles", SIGNED_IN_AT):
        st.session_state[key] = None
    st.session_state["logout"] = True
    st.session_state[USER_KEY] = None
