"""Whether a partner's users may still use the portal. A suspended or terminated partner's
users cannot sign in, resume a session or act through any partner-side service; their data
stays, for the vendor."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import PermissionDenied
from db.models import Partner

CLOSED_MESSAGES = {
    "suspended": ("Your company's partner account is suspended, so its users cannot sign in "
                  "or make changes. Contact your channel manager."),
    "terminated": ("Your company's partnership has ended, so its users cannot sign in or make "
                   "changes. Contact your channel manager if you think this is a mistake."),
}


def closed_partner_message(db: Session, partner_id: int | None) -> str | None:
    if partner_id is None:
        return None
    status = db.scalar(select(Partner.status).where(Partner.id == partner_id))
    return CLOSED_MESSAGES.get(status)


def require_open_partner(db: Session, actor: Actor) -> None:
    """Refuses a partner user whose company is suspended or terminated; vendors pass."""
    if actor.is_partner and (message := closed_partner_message(db, actor.partner_id)):
        raise PermissionDenied(message)
