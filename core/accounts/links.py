"""One-time links that let their holder choose a password: the invitation of a new user
(the partner admin made on approval included) and a password reset, asked for by the user
("Forgot password") or issued by an admin. The token is random and only its SHA-256 is
stored; a link works once, for LINK_MINUTES, and only the newest link of a user and purpose.
It is mailed to the user; without a mail server the admin who made it can copy it once."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core import audit
from core.accounts.records import actor_of
from core.accounts.sessions import revoke_user_sessions, token_hash
from core.actor import Actor
from core.errors import RuleViolation
from core.mail import queue_mail
from core.passwords import hash_password, password_problem
from core.settings import get_settings
from core.standing import closed_partner_message
from core.validation import clean_text
from db.models import AccountLink, User
from db.types import utcnow

LINK_MINUTES = 60
RESET_REQUESTS_PER_HOUR = 3  # per account; more "Forgot password" requests are ignored
# The password of a user who has not chosen one yet: no password verifies against it.
UNUSABLE_PASSWORD = "!unset"
LINK_INVALID = ("This link cannot be used: it was used already, has expired or was replaced "
                "by a newer one. Ask for a new link.")
FORGOT_ANSWER = ("If an account matches, a link to choose a new password is on its way to its "
                 "e-mail address. The link works once, for 60 minutes.")

_SUBJECTS = {"invite": "Your partner portal account", "reset": "Reset your partner portal password"}


@dataclass(frozen=True)
class IssuedLink:
    url: str = field(repr=False)
    email: str
    mailed: bool  # False without a mail server: show the link once to who made it
    expires_at: datetime


@dataclass(frozen=True)
class LinkHolder:
    username: str
    purpose: str


def issue_link(db: Session, user: User, purpose: str, *, by: Actor | None = None,
               now: datetime | None = None) -> IssuedLink:
    """A new link for the user, mailed in this transaction. The user's earlier unused links
    stop working, whatever their purpose; a visitor's "Forgot password" (`by` None) voids
    only earlier such requests, never the link an admin issued and passes on by hand."""
    now = now or utcnow()
    void_links(db, user.id, now, only_requested=by is None)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=LINK_MINUTES)
    db.add(AccountLink(token_hash=token_hash(token), user_id=user.id, purpose=purpose,
                       created_at=now, expires_at=expires,
                       created_by_user_id=by.user_id if by else None))
    if purpose == "invite":  # the invited may sign in with single sign-on instead, as long
        user.sso_link_until = expires  # as the link would work (core.accounts.sso)
    url = f"{get_settings().app_base_url.rstrip('/')}/set_password?token={quote(token)}"
    mailed = queue_mail(db, user.email, _SUBJECTS[purpose], _body(user, purpose, url), now=now)
    db.flush()
    return IssuedLink(url, user.email, mailed, expires)


def void_links(db: Session, user_id: int, now: datetime, *,
               only_requested: bool = False) -> None:
    """The user's unused links stop working (a password was set, or a newer link made)."""
    where = [AccountLink.user_id == user_id, AccountLink.used_at.is_(None)]
    if only_requested:
        where.append(AccountLink.created_by_user_id.is_(None))
    db.execute(update(AccountLink).where(*where).values(used_at=now)
               .execution_options(synchronize_session=False))


def _body(user: User, purpose: str, url: str) -> str:
    if purpose == "invite":
        opening = (f"An account was made for you on the partner portal. Your username is "
                   f"{user.username}. Choose your password here:")
    else:
        opening = (f"A new password was asked for the partner portal account {user.username}. "
                   f"Choose it here:")
    return (f"Hello,\n\n{opening}\n\n{url}\n\nThe link works once, for {LINK_MINUTES} minutes. "
            f"If you did not expect this mail, ignore it: nothing changes.\n")


def _usable_link(db: Session, token: str | None, now: datetime) -> AccountLink | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    link = db.scalar(select(AccountLink).where(AccountLink.token_hash == token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def link_holder(db: Session, token: str | None, *, now: datetime | None = None
                ) -> LinkHolder | None:
    """Whose password the link sets, while it can be used (for the page's heading)."""
    link = _usable_link(db, token, now or utcnow())
    if link is None:
        return None
    user = db.get(User, link.user_id)
    return LinkHolder(user.username, link.purpose) if user and user.is_active else None


def set_password_with_link(db: Session, token: str, new: str, repeat: str, *,
                           now: datetime | None = None) -> str:
    """Sets the password; the link is then used up and every session of the user ends.
    Returns the username to sign in with."""
    now = now or utcnow()
    link = _usable_link(db, token, now)
    user = db.get(User, link.user_id) if link else None
    if link is None or user is None or not user.is_active:
        raise RuleViolation(LINK_INVALID)
    if message := closed_partner_message(db, user.partner_id):
        raise RuleViolation(message)
    new = new if isinstance(new, str) else ""
    if problem := password_problem(user.username, new):
        raise RuleViolation(problem, field="new")
    if new != repeat:
        raise RuleViolation("The two passwords differ.", field="repeat")
    # Used once: of two presses at once only one finds the link still unused.
    taken = db.execute(update(AccountLink)
                       .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise RuleViolation(LINK_INVALID)
    void_links(db, user.id, now)  # an older invitation or reset link no longer works either
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.failed_attempts = 0
    user.locked_until = None
    revoke_user_sessions(db, user.id, "password_set", now=now)
    audit.record(db, actor_of(user), f"user.password_set_by_{link.purpose}_link", "user",
                 user.id, partner_id=user.partner_id, now=now)
    return user.username


def request_password_reset(db: Session, username_or_email: str, *, now: datetime | None = None,
                           session_ref: str = "") -> str:
    """"Forgot password": mails a reset link to each active account the username or e-mail
    names, at most RESET_REQUESTS_PER_HOUR an hour each. The answer is the same whether or not
    an account matched, so that the form tells nobody which accounts exist. Without a mail
    server nothing is made: a link nobody receives would only void the one an admin
    issued."""
    now = now or utcnow()
    try:  # what no username or address can be (NUL, controls) matches nobody
        given = clean_text(username_or_email).lower()
    except ValueError:
        given = ""
    users = [] if not given or len(given) > 254 else db.scalars(
        select(User).where(or_(User.username == given, func.lower(User.email) == given),
                           User.is_active.is_(True)).limit(5)).all()
    visitor = Actor.anonymous(session_ref)
    mail_server = get_settings().smtp_enabled
    for user in users:
        if (not mail_server or closed_partner_message(db, user.partner_id)
                or _recent_resets(db, user, now)):
            continue
        issue_link(db, user, "reset", now=now)
        audit.record(db, visitor, "auth.reset_requested", "user", user.id,
                     partner_id=user.partner_id, now=now)
    if not users:
        audit.record(db, visitor, "auth.reset_requested", "user", None,
                     after={"given": given[:80], "matched": False}, now=now)
    return FORGOT_ANSWER


def _recent_resets(db: Session, user: User, now: datetime) -> bool:
    count = db.scalar(select(func.count()).select_from(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.purpose == "reset",
        AccountLink.created_at > now - timedelta(hours=1))) or 0
    return count >= RESET_REQUESTS_PER_HOUR
