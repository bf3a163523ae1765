"""The portal's background job: reminding channel managers of requests whose first answer is
overdue (once each)."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.jobs import Job, register
from core.portal.requests import remind_overdue


def run(db: Session, now: datetime) -> str:
    n = remind_overdue(db, now=now)
    return f"reminded of {n} overdue request{'s' * (n != 1)}"


register(Job("request-reminders", timedelta(hours=1), run,
             "Reminds each channel manager, once, of a partner request whose first answer is "
             "overdue (the partner's tier says within how many hours)."))
