"""Won deals: the revenue that tiers and scorecards read, and finance's won-deals export."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.catalog import names_by_id
from core.deals.schemas import WonDealRow, WonSummary, add_months
from core.deals.status import DealStatus
from core.errors import RuleViolation
from core.exports import to_csv, to_xlsx
from core.permissions import require
from db.models import DealRegistration, Partner, Tier, User
from db.types import utcnow


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter `day` is in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


WON_PAGE_SIZE = 500  # rows of the won-deals report on screen; the downloads hold all
WON_HEADER = ["Deal", "Partner", "Tier", "End customer", "Country", "Product lines",
              "Final amount", "Closed on", "Owner", "Submitted"]


def won_window(now: datetime | None = None) -> tuple[date, date]:
    """The trailing 12 months of won revenue: closed after `after` (excluded) and on or
    before `last` (today, included)."""
    today = (now or utcnow()).date()
    return add_months(today, -12), today


def won_in_window(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL condition: a won registration closed in the trailing 12 months. Won revenue,
    tier evaluation, the directory and the partner 360 all count with it."""
    after, last = won_window(now)
    d = DealRegistration
    return and_(d.status == DealStatus.WON.value, d.closed_on > after, d.closed_on <= last)


def won_revenue(db: Session, partner_id: int, *, now: datetime | None = None) -> Decimal:
    """A partner's won amounts closed in the trailing 12 months (today included), summed in
    SQL over integer cents, so exact on both databases."""
    total = db.scalar(select(func.sum(DealRegistration.final_amount))
                      .where(DealRegistration.partner_id == partner_id, won_in_window(now)))
    return total if total is not None else Decimal("0.00")


def _checked_period(actor: Actor, start: date, end: date,
                    partner_id: int | None) -> list[ColumnElement[bool]]:
    """Refuse an actor who may not read won deals or a period that ends before it starts;
    else the conditions of a deal won in the period (of the partner, when given)."""
    require(actor, "deal.export_won")
    if end < start:
        raise RuleViolation("The end of the period is before its start.", field="end")
    d = DealRegistration
    where = [d.status == DealStatus.WON.value, d.closed_on >= start, d.closed_on <= end]
    if partner_id is not None:
        where.append(d.partner_id == partner_id)
    return where


def won_summary(db: Session, actor: Actor, start: date, end: date, *,
                partner_id: int | None = None) -> WonSummary:
    """How many deals were won from start to end (both included) and their total, in one
    aggregate over integer cents."""
    count, total = db.execute(
        select(func.count(), func.sum(DealRegistration.final_amount))
        .where(*_checked_period(actor, start, end, partner_id))).one()
    return WonSummary(count, total if total is not None else Decimal("0.00"))


def won_deals(db: Session, actor: Actor, start: date, end: date, *,
              partner_id: int | None = None, limit: int | None = None,
              offset: int = 0) -> list[WonDealRow]:
    """Won deals closed from start to end, both included, oldest first; a page of them when
    `limit` is given (the report shows pages, the downloads hold every row)."""
    q = (select(DealRegistration, Partner.name, Tier.name, User.display_name)
         .join(Partner, Partner.id == DealRegistration.partner_id)
         .join(Tier, Tier.id == Partner.tier_id)
         .join(User, User.id == DealRegistration.owner_user_id)
         .where(*_checked_period(actor, start, end, partner_id))
         .order_by(DealRegistration.closed_on, DealRegistration.id)
         .limit(limit).offset(offset))
    lines = names_by_id(db)
    return [WonDealRow(d.id, partner, tier, d.customer_name, d.customer_country,
                       ", ".join(lines.get(i, f"#{i}") for i in d.product_line_ids or ()),
                       d.final_amount, d.closed_on, owner, d.submitted_at)
            for d, partner, tier, owner in db.execute(q)]


def _cells(r: WonDealRow) -> list:
    return [r.deal_id, r.partner, r.tier, r.customer, r.country, r.product_lines,
            r.final_amount, r.closed_on, r.owner, r.submitted_at]


def export_won_csv(db: Session, actor: Actor, start: date, end: date, *,
                   partner_id: int | None = None) -> bytes:
    rows = won_deals(db, actor, start, end, partner_id=partner_id)
    return to_csv(WON_HEADER, [_cells(r) for r in rows])


def export_won_xlsx(db: Session, actor: Actor, start: date, end: date, *,
                    partner_id: int | None = None) -> bytes:
    rows = won_deals(db, actor, start, end, partner_id=partner_id)
    return to_xlsx(WON_HEADER, [_cells(r) for r in rows],
                   sheet_title=f"Won {start:%Y-%m-%d} to {end:%Y-%m-%d}")
