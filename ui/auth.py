"""Sign-in wiring: our rules in core.accounts; the browser keeps a signed session id.

Home.py restores the user before it builds the menu and syncs the cookie after. The cookie
holds a random session id signed with the cookie key (core.accounts.sessions); the session
itself lives in the database, which every run asks, so a logout or a revoke holds at once on
every replica. The cookie is written and deleted through streamlit-authenticator's cookie
model (its JavaScript cookie component), with our value instead of its username token; its
login form, its token and its failed-login counter are not used. Never pass it an api_key."""

import contextlib
from datetime import datetime, timedelta

import streamlit as st
from streamlit_authenticator.models import CookieModel

from core.accounts import (
    SignedIn,
    cookie_value,
    resume_session,
    sign_in,
    sign_out,
    token_from_cookie,
    touch_due,
    touch_session,
)
from core.accounts.sso import STALE, SsoRefused, sign_in_with_identity
from core.secrets_store import cookie_key, cookie_key_problem
from core.settings import get_settings
from ui.context import USER_KEY, current_user, db, session_ref

SESSION_TOKEN = "prm_session_token"
LOGIN_ERROR = "prm_login_error"
COOKIE_ACTION = "prm_cookie_action"  # "set" or "delete", until the browser confirms it
SIGNED_OUT = "prm_signed_out"  # this browser tab logged out: its request's cookie is stale
SSO_TRIED = "prm_sso_tried"  # this tab's single sign-on identity was looked at once


def _configured_cookie_key() -> str | None:
    try:
        return st.secrets.get("cookie_key")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def _key() -> str:
    s = get_settings()
    return cookie_key(_configured_cookie_key() or s.cookie_key, s.data_dir)


def key_problem() -> str | None:
    """Why the app must not run with the configured cookie key (Home.py stops on it)."""
    return cookie_key_problem(_key())


def restore_user() -> SignedIn | None:
    """The signed-in user of this run, checked against the session row, before the menu is
    built.

    A new browser session (a reload) finds its session id in the cookie sent with the page
    request. No component is rendered for that: a component on the page at load reports back
    with a rerun, and one that left the browser before it knew which page it was on reran the
    app on Home. A session ended anywhere (logout, password change, deactivation, "end all
    sessions", a suspended partner) ends this one at its next run."""
    token = st.session_state.get(SESSION_TOKEN)
    if token is None and not st.session_state.get(SIGNED_OUT):
        raw = st.context.cookies.get(get_settings().cookie_name)
        token = token_from_cookie(raw, _key())
    if token is None:
        token = _single_sign_on()
    user = None
    if token:
        with db() as session:
            user = resume_session(session, token)
        if user is None:
            _clear_session()
            if st.session_state.get(SESSION_TOKEN) or token:
                st.session_state[COOKIE_ACTION] = "delete"
        else:
            st.session_state[SESSION_TOKEN] = token
            if user.last_seen_at is None or touch_due(user.last_seen_at):
                with db(immediate=True) as session:
                    touch_session(session, token)
    st.session_state[USER_KEY] = user
    return user


def sso_configured() -> bool:
    """Whether .streamlit/secrets.toml configures an OpenID Connect provider ([auth])."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False
    return bool(auth and auth.get("client_id") and auth.get("server_metadata_url"))


def _single_sign_on() -> str | None:
    """A session for the identity Streamlit's st.login brought back, once per browser tab:
    core.accounts.sso decides who it is (or that it is nobody here)."""
    if st.session_state.get(SSO_TRIED) or not sso_configured() or not st.user.is_logged_in:
        return None
    st.session_state[SSO_TRIED] = True
    with db(immediate=True) as session:
        outcome = sign_in_with_identity(session, st.user.to_dict(), session_ref=session_ref())
    if isinstance(outcome, SsoRefused):
        if outcome.message != STALE:  # a cookie left behind is no news to anyone
            st.session_state[LOGIN_ERROR] = outcome.message
        return None
    restart_session(outcome.session_token)
    return outcome.session_token


def sync_cookie() -> None:
    """Set or delete the cookie, after the menu is built, until the browser reports it done.

    The cookie components run in the browser after the script run, and a rerun that comes
    first (a click, another component) drops them unexecuted, so they are rendered on every
    run while an action is pending and on no other run. Rendered after st.navigation, their
    reports carry the page the browser is on."""
    action = st.session_state.get(COOKIE_ACTION)
    if action not in ("set", "delete"):
        return
    s = get_settings()
    token = st.session_state.get(SESSION_TOKEN)
    cookie = _SessionCookie(s.cookie_name, _key(), s.cookie_expiry_days,
                            cookie_value(token, _key()) if token else "")
    if action == "set" and token:
        cookie.set_cookie()
    else:
        cookie.delete_cookie()
    if st.session_state.get(action) is True:
        st.session_state[COOKIE_ACTION] = None


class _SessionCookie(CookieModel):
    """The authenticator's cookie writer with our value, the signed session id, sent back
    only to this site (SameSite=Strict) and, when the app is served over https, only over
    https (Secure). A cookie written by JavaScript cannot be HttpOnly: README says so."""

    def __init__(self, name: str, key: str, days: float, value: str):
        super().__init__(name, key, days)
        self._value = value

    def delete_cookie(self) -> None:
        # The authenticator prints the bare cookie name ('prm_session') to the server log
        # when the browser has no cookie to delete: nothing to report.
        with contextlib.suppress(KeyError):
            self.cookie_manager.delete(self.cookie_name)

    def set_cookie(self) -> None:
        secure = get_settings().app_base_url.lower().startswith("https://")
        self.cookie_manager.set(self.cookie_name, self._value, same_site="strict",
                                secure=secure or None,
                                expires_at=datetime.now() + timedelta(
                                    days=self.cookie_expiry_days))


def login_form() -> None:
    st.subheader("Sign in")
    with st.form("login"):
        st.text_input("Username", key="login_username", autocomplete="username")
        st.text_input("Password", type="password", key="login_password",
                      autocomplete="current-password")
        if message := st.session_state.get(LOGIN_ERROR):
            st.error(message)
        st.form_submit_button("Sign in", on_click=_on_login, type="primary")
    if sso_configured():
        st.button("Sign in with single sign-on", on_click=_on_sso,
                  icon=":material/passkey:")


def _on_sso() -> None:
    st.session_state.pop(LOGIN_ERROR, None)
    st.session_state[SSO_TRIED] = False
    st.session_state[SIGNED_OUT] = False
    st.login()


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
    restart_session(outcome.session_token)


def restart_session(token: str) -> None:
    """This browser goes on in the session `token` (a sign-in, or a new session after a
    password change), and its cookie is written."""
    st.session_state.update({SESSION_TOKEN: token, SIGNED_OUT: False, COOKIE_ACTION: "set"})


def logout_button() -> None:
    st.sidebar.button("Log out", on_click=_on_logout, icon=":material/logout:")


def _on_logout() -> None:
    user = current_user()
    token = st.session_state.get(SESSION_TOKEN)
    with db(immediate=True) as session:
        sign_out(session, user.actor if user else None, token)
    _clear_session()
    st.session_state[COOKIE_ACTION] = "delete"
    if sso_configured() and st.user.is_logged_in:
        # Also forget the provider's identity here (and at the provider, when it offers an
        # end-session endpoint), so that the next sign-in is a new one.
        st.logout()


def _clear_session() -> None:
    st.session_state[SESSION_TOKEN] = None
    st.session_state[SIGNED_OUT] = True
    st.session_state[USER_KEY] = None



def session_token() -> str | None:
    return st.session_state.get(SESSION_TOKEN)


def forget_session() -> None:
    """This browser's session ended on the server (too many wrong codes): sign in again."""
    _clear_session()
    st.session_state[COOKIE_ACTION] = "delete"
