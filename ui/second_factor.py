"""Two-factor sign-in widgets: setting up an authenticator (QR code, the secret to type,
the first code) and the recovery codes, shown once. Used by the two-factor page (a first
sign-in that must set one up) and the profile page (one who chooses to)."""

import io

import segno
import streamlit as st

from core.accounts import second_factor as sf
from core.accounts.signin import SignedIn
from ui.actions import submit
from ui.context import db
from ui.forms import FieldErrors

ENROLMENT = "prm_2fa_enrolment"


def _qr_png(uri: str) -> bytes:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="png", scale=5, border=2)
    return out.getvalue()


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def enrolment(user: SignedIn, *, token: str | None = None) -> list[str] | None:
    """Set up an authenticator: a new secret the first time this is drawn (kept for the
    reruns that follow), then the first code confirms it. Returns the recovery codes on the
    run that confirmed it (the caller shows them, outside any form), else None."""
    started = st.session_state.get(ENROLMENT)
    if started is None:
        with db(immediate=True) as session:
            started = sf.begin_enrolment(session, user.actor)
        st.session_state[ENROLMENT] = started
    confirmed: list[list[str]] = []
    left, right = st.columns([1, 2])
    left.image(_qr_png(started.uri), caption="Scan with your authenticator app", width=220)
    with right:
        st.markdown("1. Open an authenticator app (Google Authenticator, Microsoft "
                    "Authenticator, 1Password, FreeOTP ...) and add an account by scanning "
                    "the code, or by typing this key:")
        st.code(_grouped(started.secret), language=None)
        st.markdown("2. Type the 6-digit code the app shows for **PRM**.")
        with st.form("second_factor_enrol"):
            errors = FieldErrors()
            code = st.text_input("Code from the app", max_chars=6,
                                 autocomplete="one-time-code")
            errors.slot("code")
            if st.form_submit_button("Confirm", type="primary"):
                submit(lambda s: sf.confirm_enrolment(s, user.actor, code, token=token),
                       errors=errors, then=confirmed.append)
    if not confirmed:
        return None
    st.session_state.pop(ENROLMENT, None)
    return confirmed[0]


@st.dialog("Your recovery codes", width="medium", dismissible=False)
def recovery_codes_dialog(codes: list[str], done: str = "Continue") -> None:
    """The recovery codes over the page, until the user has taken them."""
    show_recovery_codes(codes)
    if st.button(done, type="primary", icon=":material/arrow_forward:"):
        st.rerun()


def show_recovery_codes(codes: list[str]) -> None:
    """The recovery codes, this once, with a file to keep them in."""
    st.success("Two-factor sign-in is on.")
    st.warning("Keep these recovery codes somewhere safe: each one signs you in once "
               "without your phone. They are shown only now.", icon=":material/key:")
    st.code("\n".join(codes), language=None)
    st.download_button("Download the codes", "\n".join(codes) + "\n",
                       file_name="prm-recovery-codes.txt", mime="text/plain",
                       on_click="ignore", icon=":material/download:")
