"""A partner's own view: its tier, its figures, what the next tier still needs, and the
history of its tier."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.actor import Actor
from core.deals.revenue import won_revenue
from core.money import base_money
from core.partners import partner_for
from core.tiers.evaluation import certified_user_counts
from core.tiers.proposals import TierChangeOut
from core.tiers.rules import TierRulesOut, all_tiers
from db.models import Tier, TierChange


@dataclass(frozen=True)
class TierProgress:
    partner_id: int
    partner_name: str
    tier: TierRulesOut
    next_tier: TierRulesOut | None  # None at the top tier
    won_revenue: Decimal
    certified_users: int
    # What the next tier still needs ("$88,000.00 more won revenue in the trailing 12
    # months"); empty at the top or when its rules are met already.
    missing: tuple[str, ...]
    # What the partner's own tier needs and it lacks: the evaluation may propose a demotion.
    keep_missing: tuple[str, ...]

    @property
    def revenue_share(self) -> float:
        """Share of the next tier's revenue minimum reached, 0..1, for a progress bar."""
        if self.next_tier is None or self.next_tier.min_won_revenue <= 0:
            return 1.0
        return float(min(self.won_revenue / self.next_tier.min_won_revenue, Decimal(1)))


def tier_progress(db: Session, actor: Actor, partner_id: int, *,
                  now: datetime | None = None) -> TierProgress:
    """A partner's tier, its figures and what the next tier still needs. Partner roles get
    only their own partner's."""
    partner = partner_for(db, actor, partner_id, "tier.progress")
    tiers = all_tiers(db)
    current = next(t for t in tiers if t.id == partner.tier_id)
    above = [t for t in tiers if t.rank > current.rank]
    following = above[0] if above else None
    won = won_revenue(db, partner.id, now=now)
    certified = certified_user_counts(db, now=now).get(partner.id, 0)
    missing = _missing(following, won, certified) if following else ()
    return TierProgress(partner.id, partner.name, current, following, won, certified,
                        missing, _missing(current, won, certified))


def _missing(tier: TierRulesOut, won: Decimal, certified: int) -> tuple[str, ...]:
    out = []
    if won < tier.min_won_revenue:
        out.append(f"{base_money(tier.min_won_revenue - won)} more won revenue in the "
                   "trailing 12 months")
    if certified < tier.min_certified_users:
        more = tier.min_certified_users - certified
        out.append(f"{more} more certified user{'' if more == 1 else 's'}")
    return tuple(out)


def tier_history(db: Session, actor: Actor, partner_id: int, *,
                 limit: int = 200) -> list[TierChangeOut]:
    """A partner's tier changes, newest first. Partner roles get only their own partner's."""
    partner = partner_for(db, actor, partner_id, "tier.history")
    from_tier, to_tier = aliased(Tier), aliased(Tier)
    rows = db.execute(
        select(TierChange, from_tier.name, to_tier.name)
        .join(from_tier, from_tier.id == TierChange.from_tier_id)
        .join(to_tier, to_tier.id == TierChange.to_tier_id)
        .where(TierChange.partner_id == partner.id)
        .order_by(TierChange.changed_at.desc(), TierChange.id.desc()).limit(limit))
    return [TierChangeOut(c.id, c.partner_id, partner.name, was, to, c.reason, c.source,
                          c.changed_by_label, c.changed_at) for c, was, to in rows]
