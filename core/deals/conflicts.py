"""Channel conflicts on exact keys: the same end-customer record, the same company domain
(free-mail never counts: it is not stored as a company domain), or the same normalized name
in the same country. Each is an indexed equality, so the check stays cheap at a million rows.

First come, first served: among open registrations of a customer the earliest submitted (then
the lowest id) wins; later ones and any that meet an open direct opportunity go to the desk."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.deals.status import OPEN
from db.models import DealRegistration, DirectOpportunity, Partner

MATCH_LIMIT = 100  # the desk shows at most this many rows beside a registration


@dataclass(frozen=True)
class Keys:
    """What identifies the customer of a registration or a direct opportunity."""

    end_customer_id: int
    domain: str | None
    name_key: str
    country: str

    @classmethod
    def of_deal(cls, d: DealRegistration) -> "Keys":
        return cls(d.end_customer_id, d.customer_domain, d.customer_key, d.customer_country)

    @classmethod
    def of_direct(cls, o: DirectOpportunity) -> "Keys":
        return cls(o.end_customer_id, o.domain, o.customer_key, o.country)


def signals(mine: Keys, other: Keys) -> tuple[str, ...]:
    """Which keys matched, in words for the desk."""
    out = []
    if mine.domain and mine.domain == other.domain:
        out.append(f"same domain {mine.domain}")
    if mine.name_key == other.name_key and mine.country == other.country:
        out.append(f"same company name '{mine.name_key}' in {mine.country}")
    if not out and mine.end_customer_id == other.end_customer_id:
        out.append("same end-customer record")
    return tuple(out)


def _deal_match(k: Keys):
    conds = [DealRegistration.end_customer_id == k.end_customer_id,
             and_(DealRegistration.customer_key == k.name_key,
                  DealRegistration.customer_country == k.country)]
    if k.domain:
        conds.append(DealRegistration.customer_domain == k.domain)
    return or_(*conds)


def _direct_match(k: Keys):
    conds = [DirectOpportunity.end_customer_id == k.end_customer_id,
             and_(DirectOpportunity.customer_key == k.name_key,
                  DirectOpportunity.country == k.country)]
    if k.domain:
        conds.append(DirectOpportunity.domain == k.domain)
    return or_(*conds)


def registrations_matching(db: Session, keys: Keys, *, exclude_id: int | None = None,
                           open_only: bool = True, limit: int = MATCH_LIMIT,
                           ) -> list[tuple[DealRegistration, str]]:
    """Other registrations of the same customer with their partner's name, oldest first."""
    q = (select(DealRegistration, Partner.name)
         .join(Partner, Partner.id == DealRegistration.partner_id)
         .where(_deal_match(keys)))
    if exclude_id is not None:
        q = q.where(DealRegistration.id != exclude_id)
    if open_only:
        q = q.where(DealRegistration.status.in_([s.value for s in OPEN]))
    q = q.order_by(DealRegistration.submitted_at, DealRegistration.id).limit(limit)
    return [(d, name) for d, name in db.execute(q).all()]


def directs_matching(db: Session, keys: Keys, *, open_only: bool = True,
                     limit: int = MATCH_LIMIT) -> list[DirectOpportunity]:
    q = select(DirectOpportunity).where(_direct_match(keys))
    if open_only:
        q = q.where(DirectOpportunity.status == "open")
    return list(db.scalars(q.order_by(DirectOpportunity.close_date, DirectOpportunity.id)
                           .limit(limit)))


def deals_matching_direct(db: Session, opp: DirectOpportunity) -> list[DealRegistration]:
    """Open registrations that collide with a direct opportunity."""
    q = (select(DealRegistration)
         .where(_deal_match(Keys.of_direct(opp)),
                DealRegistration.status.in_([s.value for s in OPEN]))
         .order_by(DealRegistration.submitted_at, DealRegistration.id).limit(MATCH_LIMIT))
    return list(db.scalars(q))


def is_first_come(deal: DealRegistration, others_open: list[tuple[DealRegistration, str]]
                  ) -> bool:
    mine = (deal.submitted_at, deal.id)
    return all(mine < (o.submitted_at, o.id) for o, _ in others_open)


def has_open_match(db: Session, deal: DealRegistration) -> bool:
    keys = Keys.of_deal(deal)
    return bool(registrations_matching(db, keys, exclude_id=deal.id, limit=1)
                or directs_matching(db, keys, limit=1))
