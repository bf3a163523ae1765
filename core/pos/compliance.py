"""Reporting compliance: each reporting partner (a distributor, or a partner that has sent a
POS report) owes one report per period of its cadence (weekly, monthly by default, or
quarterly), due GRACE_DAYS after the period ends. A period's report counts as received when
a file from the partner came in after the period began (a report sent late still counts).
The vendor sees who is late; a job reminds the late partner's admins once per period."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.analytics.periods import add_months
from core.errors import NotFound, RuleViolation
from core.notifications import notify_partner
from core.permissions import require, scope
from core.standing import require_open_partner
from db.models import Partner, PosFile
from db.types import utcnow

GRACE_DAYS = 10
CADENCES = {"weekly": "Weekly", "monthly": "Monthly", "quarterly": "Quarterly",
            "none": "Not expected"}


def last_period(cadence: str, today: date) -> tuple[date, date]:
    """The latest whole period of the cadence before today: (first day, last day)."""
    if cadence == "weekly":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    month = today.replace(day=1)
    if cadence == "quarterly":
        month = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return add_months(month, -3), month - timedelta(days=1)
    return add_months(month, -1), month - timedelta(days=1)


@dataclass(frozen=True)
class ReportingRow:
    partner_id: int
    partner_name: str
    cadence: str
    period_first: date
    period_last: date
    due_on: date
    last_received: datetime | None
    status: str  # "received", "due" (not yet, still in time) or "late"


def reporting_status(db: Session, actor: Actor, *, today: date | None = None,
                     late_only: bool = False) -> list[ReportingRow]:
    require(actor, "pos.view")
    require_open_partner(db, actor)
    today = today or utcnow().date()
    last = (select(PosFile.partner_id, func.max(PosFile.uploaded_at).label("at"))
            .group_by(PosFile.partner_id).subquery())
    q = scope(actor, select(Partner.id, Partner.name, Partner.pos_cadence, last.c.at)
              .outerjoin(last, last.c.partner_id == Partner.id)
              .where(Partner.status == "active", Partner.pos_cadence != "none",
                     or_(Partner.partner_type == "distributor", last.c.at.is_not(None))),
              Partner)
    rows = []
    for pid, name, cadence, received in db.execute(q.order_by(Partner.name)):
        first, final = last_period(cadence, today)
        due = final + timedelta(days=GRACE_DAYS)
        got = received is not None and received.date() >= first
        status = "received" if got else ("late" if today > due else "due")
        if late_only and status != "late":
            continue
        rows.append(ReportingRow(pid, name, cadence, first, final, due, received, status))
    return rows


def remind_late(db: Session, *, now: datetime | None = None) -> str:
    """The job: each late reporting partner's users hear it once per period."""
    now = now or utcnow()
    late = reporting_status(db, Actor.system("pos-reporting"), today=now.date(),
                            late_only=True)
    for row in late:
        notify_partner(db, row.partner_id, "Your POS report is late",
                       f"The report for {row.period_first:%Y-%m-%d} to "
                       f"{row.period_last:%Y-%m-%d} was due by {row.due_on:%Y-%m-%d}. Send it "
                       "on Send POS data.", dedupe_key=f"pos-late:{row.period_first}",
                       link="pos_upload", now=now)
    return f"{len(late)} partner(s) late with their POS report"


def set_cadence(db: Session, actor: Actor, partner_id: int, cadence: str, *,
                now: datetime | None = None) -> None:
    """How often the partner is expected to report (admin, finance); audited."""
    require(actor, "pos.exceptions")
    if cadence not in CADENCES:
        raise RuleViolation("Choose weekly, monthly, quarterly or not expected.",
                            field="cadence")
    partner = db.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None:
        raise NotFound("partner")
    before = partner.pos_cadence
    partner.pos_cadence = cadence
    db.flush()
    audit.record(db, actor, "pos.cadence", "partner", partner.id,
                 before={"pos_cadence": before}, after={"pos_cadence": cadence},
                 partner_id=partner.id, now=now)
