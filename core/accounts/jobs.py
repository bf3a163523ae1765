"""The accounts package's background job: sessions and one-time links that can no longer be
used are deleted after a while (kept that long for the audit of who was signed in when)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from core.jobs import Job, register
from db.models import AccountLink, UserSession

JOB_NAME = "session-purge"
KEEP = timedelta(days=30)


def purge_sessions_and_links(db: Session, now: datetime) -> str:
    before = now - KEEP
    sessions = db.execute(delete(UserSession).where(or_(
        UserSession.expires_at < before, UserSession.revoked_at < before))).rowcount
    links = db.execute(delete(AccountLink).where(AccountLink.expires_at < before)).rowcount
    return f"{sessions} old session(s) and {links} old link(s) deleted"


register(Job(JOB_NAME, timedelta(days=1), purge_sessions_and_links,
             "Deletes sessions and one-time links that ended more than 30 days ago."))
