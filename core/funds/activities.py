"""Funded activities as the source of leads and deals: a deal registration or a lead names the
approved request (the activity) it came from, so that programs and activities show their
leads, pipeline and won revenue beside what was paid (core.funds.reports.roi)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import RuleViolation
from core.funds.status import RequestStatus
from core.permissions import scope
from db.models import FundRequest

# An activity leads and deals may name: approved (it may be under way) or claimed.
FUNDED = (RequestStatus.APPROVED.value, RequestStatus.CLAIMED.value)
FIELD = "fund_request_id"


def activity_choices(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, "#12 Spring webinar") of the funded activities the actor may name, newest first:
    a partner's users its own (the registration form), the vendor's roles every partner's
    (the lead form); nobody else any."""
    if not (actor.is_partner or actor.is_vendor):
        return []
    q = scope(actor, select(FundRequest.id, FundRequest.name)
              .where(FundRequest.status.in_(FUNDED)), FundRequest)
    return [(i, f"#{i} {n}") for i, n in db.execute(q.order_by(FundRequest.id.desc()))]


def check_activity(db: Session, value: object, *, partner_id: int | None = None) -> int | None:
    """The funded activity's id, or None for none given; refused when it is not a funded
    activity (of this partner, when one is given)."""
    if value in (None, "", 0):
        return None
    found = funded_ids(db, [value], partner_id=partner_id)
    request_id = activity_id(value)
    if request_id not in found:
        whose = "of your company " if partner_id is not None else ""
        raise RuleViolation(f"Choose a funded activity {whose}from the list (an approved "
                            "fund request).", field=FIELD)
    return request_id


def funded_ids(db: Session, values: Iterable[object], *, partner_id: int | None = None
               ) -> set[int]:
    """The ids among these values that are funded activities (one read for a whole file)."""
    ids = sorted({i for v in values if (i := activity_id(v)) is not None})
    if not ids:
        return set()
    q = select(FundRequest.id).where(FundRequest.id.in_(ids), FundRequest.status.in_(FUNDED))
    if partner_id is not None:
        q = q.where(FundRequest.partner_id == partner_id)
    return set(db.scalars(q))


def activity_id(value: object) -> int | None:
    """An activity's number from a form's or a file's value ("12", "#12", 12.0), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value or "").strip().removeprefix("#").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
