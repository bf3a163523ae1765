"""The channel managers' digest of new applications: one notification per interval listing
the applications submitted since the last digest, instead of one per application (a flood of
applications would otherwise be a flood of notifications and mails to the channel team).

The job (core.recruitment.jobs) runs it every PRM_APPLICATIONS_DIGEST_MINUTES."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.actor import Role
from core.notifications import notify_role
from core.recruitment.records import PA, QUEUE_PAGE, _serialize
from core.recruitment.schemas import PARTNER_TYPE_LABELS
from core.recruitment.status import OPEN
from db.types import utcnow

JOB_NAME = "application-digest"
NAMES_SHOWN = 20  # a longer digest names these and counts the rest


def send_application_digest(db: Session, *, now: datetime | None = None) -> str:
    """Tell every active channel manager, in one notification, of the applications not yet
    digested that still wait for the channel team (one decided meanwhile needs no telling),
    then mark every undigested application digested. One transaction; running it again finds
    nothing new. Holds the applications' keyed lock, so an application submitted meanwhile
    is in this digest or the next, never lost between the two."""
    now = now or utcnow()
    _serialize(db)
    new = list(db.scalars(select(PA).where(PA.digested_at.is_(None))
                          .order_by(PA.submitted_at, PA.id)))
    if not new:
        return "no new applications"
    waiting = [a for a in new if a.status in OPEN]
    notified = 0
    if waiting:
        subject, body = _digest_text(waiting)
        notified = notify_role(db, Role.CHANNEL_MANAGER.value, subject, body,
                               dedupe_key=f"application-digest:{max(a.id for a in new)}",
                               link=QUEUE_PAGE, now=now)
    # Under the lock, the undigested rows are still the ones read above.
    db.execute(update(PA).where(PA.digested_at.is_(None)).values(digested_at=now)
               .execution_options(synchronize_session=False))
    return (f"{len(waiting)} new application(s) in the digest to {notified} channel "
            f"manager(s)")


def _digest_text(apps: list[PA]) -> tuple[str, str]:
    n = len(apps)
    subject = (f"New partner application: {apps[0].company_name}" if n == 1
               else f"{n} new partner applications")
    names = "; ".join(
        f"{a.company_name} ({a.country}, {PARTNER_TYPE_LABELS.get(a.partner_type, a.partner_type)}"
        f", {a.reference})" for a in apps[:NAMES_SHOWN])
    more = f"; and {n - NAMES_SHOWN} more" if n > NAMES_SHOWN else ""
    intro = ("A new partner application waits for review." if n == 1
             else f"{n} new partner applications wait for review.")
    return subject, f"{intro}\n\n{names}{more}.\n\nOpen the application queue to review them."
