"""Single sign-on with OpenID Connect, beside passwords.

Streamlit's `st.login` (Authlib) runs the code flow against the configured provider and checks
the identity token (signature, issuer, audience, expiry, nonce); this module decides who that
identity is here:

- An identity is recognised by (issuer, subject) only, never by its e-mail address.
- It is linked to an existing user once: while the user's link window is open (an invitation
  opens it until the invitation's link expires; an admin opens it for a few days), on the
  first sign-in whose e-mail is the user's and which the provider says is verified
  (`email_verified`). The window closes with the link.
- An identity that is neither gets "ask your admin", never an account.
- The user's role and partner come from our database, never from the provider's claims.
- An identity token signs in once, while it is fresh (issued within FRESH): Streamlit keeps
  the token's claims in a cookie, and a cookie left behind after a sign-out, or an admin's
  "end all sessions", must not sign the browser in again.

A sign-in through here is a sign-in like a password's (core.accounts.signin.open_session):
audited, and owing the second factor the user has or needs."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.records import actor_of
from core.accounts.signin import SignedIn, open_session
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.standing import closed_partner_message
from db.models import User, UserIdentity
from db.types import utcnow

FRESH = timedelta(minutes=10)
LINK_DAYS = 7
ASK_ADMIN = ("Your single sign-on account is not linked to an account here. Ask your "
             "administrator to allow the link, then sign in again.")
UNVERIFIED = ("Your identity provider has not verified your e-mail address, so it cannot be "
              "linked to an account here. Verify it there, or ask your administrator.")
STALE = "That sign-in is no longer fresh: sign in with single sign-on again."
INACTIVE = "This account cannot sign in. Ask your administrator."


@dataclass(frozen=True)
class SsoRefused:
    message: str


@dataclass(frozen=True)
class LinkedIdentity:
    issuer: str
    subject: str
    email: str
    linked_at: datetime
    linked_via: str
    last_sign_in_at: datetime | None


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _issued_at(claims: dict) -> int | None:
    iat = claims.get("iat")
    return int(iat) if isinstance(iat, int | float) and not isinstance(iat, bool) else None


def sign_in_with_identity(db: Session, claims: dict, *, now: datetime | None = None,
                          session_ref: str = "") -> SignedIn | SsoRefused:
    """Sign in the user an identity token's claims name (see the module's rules); the
    refusal is returned, not raised: what it records must be committed."""
    now = now or utcnow()
    issuer, subject = _claim(claims, "iss"), _claim(claims, "sub")
    iat = _issued_at(claims)
    if not issuer or not subject or iat is None or len(issuer) > 300 or len(subject) > 255:
        return _refused(db, session_ref, "incomplete token", claims, ASK_ADMIN, now)
    issued = datetime.fromtimestamp(iat, UTC)
    if issued < now - FRESH or issued > now + timedelta(minutes=2):
        return SsoRefused(STALE)  # a cookie left behind: nothing to record
    identity = db.scalar(select(UserIdentity).where(UserIdentity.issuer == issuer,
                                                    UserIdentity.subject == subject)
                         .with_for_update())
    if identity is None:
        linked = _link(db, claims, issuer, subject, now, session_ref)
        if isinstance(linked, SsoRefused):
            return linked
        identity = linked
    elif identity.last_token_iat is not None and iat <= identity.last_token_iat:
        return SsoRefused(STALE)  # this token signed in once already
    user = db.get(User, identity.user_id)
    if not user.is_active or closed_partner_message(db, user.partner_id):
        audit.record(db, actor_of(user), "auth.sso_refused", "user", user.id,
                     after={"reason": "cannot sign in"}, now=now)
        return SsoRefused(closed_partner_message(db, user.partner_id) or INACTIVE)
    identity.last_token_iat, identity.last_sign_in_at = iat, now
    user.failed_attempts, user.locked_until = 0, None
    return open_session(db, user, now, method="sso")


def _link(db: Session, claims: dict, issuer: str, subject: str, now: datetime,
          session_ref: str) -> UserIdentity | SsoRefused:
    email = _claim(claims, "email").lower()
    if not email:
        return _refused(db, session_ref, "no e-mail", claims, ASK_ADMIN, now)
    candidates = list(db.scalars(select(User).where(
        func.lower(User.email) == email, User.sso_link_until.is_not(None),
        User.sso_link_until > now)))
    if len(candidates) != 1:  # none open to a link, or two sharing an address: ask
        return _refused(db, session_ref, "no link allowed" if not candidates
                        else "e-mail shared by several users", claims, ASK_ADMIN, now)
    if claims.get("email_verified") is not True:
        return _refused(db, session_ref, "e-mail not verified", claims, UNVERIFIED, now)
    user = candidates[0]
    via = "admin" if user.sso_link_by_admin else "invitation"
    identity = UserIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email,
                            linked_at=now, linked_via=via)
    db.add(identity)
    user.sso_link_until, user.sso_link_by_admin = None, False
    db.flush()
    audit.record(db, actor_of(user), "user.identity_linked", "user", user.id,
                 after={"issuer": issuer, "subject": subject, "email": email, "via": via},
                 partner_id=user.partner_id, now=now)
    return identity


def _refused(db: Session, session_ref: str, reason: str, claims: dict, message: str,
             now: datetime) -> SsoRefused:
    audit.record(db, Actor.anonymous(session_ref), "auth.sso_refused", "identity", None,
                 after={"reason": reason, "issuer": _claim(claims, "iss")[:300],
                        "subject": _claim(claims, "sub")[:255],
                        "email": _claim(claims, "email")[:320]}, now=now)
    return SsoRefused(message)


# ---------------------------------------------------------------- admin


def allow_link(db: Session, actor: Actor, user_id: int, *, days: int = LINK_DAYS,
               now: datetime | None = None) -> datetime:
    """Open the user's link window: its next single sign-on with a verified e-mail equal to
    the user's, within `days`, links that identity. Returns when the window closes."""
    user = _managed(db, actor, user_id)
    now = now or utcnow()
    user.sso_link_until = now + timedelta(days=days)
    user.sso_link_by_admin = True
    audit.record(db, actor, "user.sso_link_allowed", "user", user.id,
                 after={"until": user.sso_link_until, "email": user.email},
                 partner_id=user.partner_id, now=now)
    return user.sso_link_until


def unlink(db: Session, actor: Actor, user_id: int, *, now: datetime | None = None) -> int:
    """Remove the user's single sign-on identities (and close its window); returns how many."""
    user = _managed(db, actor, user_id)
    removed = db.execute(delete(UserIdentity).where(UserIdentity.user_id == user.id)).rowcount
    user.sso_link_until, user.sso_link_by_admin = None, False
    audit.record(db, actor, "user.identity_unlinked", "user", user.id,
                 after={"removed": removed}, partner_id=user.partner_id, now=now)
    return removed


def identities(db: Session, actor: Actor, user_id: int) -> list[LinkedIdentity]:
    user = _managed(db, actor, user_id, write=False)
    return [LinkedIdentity(i.issuer, i.subject, i.email, i.linked_at, i.linked_via,
                           i.last_sign_in_at)
            for i in db.scalars(select(UserIdentity).where(UserIdentity.user_id == user.id)
                                .order_by(UserIdentity.id))]


def _managed(db: Session, actor: Actor, user_id: int, *, write: bool = True) -> User:
    require(actor, "user.sso_link" if write else "user.view")
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (actor.is_partner and user.partner_id != actor.partner_id):
        raise NotFound("user")
    if write and not user.is_active:
        raise RuleViolation("Reactivate the user first.")
    return user
