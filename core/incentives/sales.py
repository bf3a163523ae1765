"""What the calculation reads: a quarter's clean POS sales, grouped in the database, and each
partner's standing (tier, certified users) at the quarter's end. Whose sale a line is: its
seller (the reseller on a distributor's line, else the partner that reported it)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core.incentives.periods import Quarter, year_before
from db.models import Certification, CertificationTrack, Partner, PosLine, TierChange


@dataclass(frozen=True)
class QuarterSales:
    """{(seller id, product line id): net sales in cents} of a quarter and of the same quarter
    a year earlier, and how many lines were read."""

    quarter: Quarter
    by_line: dict[tuple[int, int], int]
    prior_by_line: dict[tuple[int, int], int]
    lines: int

    def volume(self, line_ids: tuple[int, ...], *, prior: bool = False) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for (seller, line), cents in (self.prior_by_line if prior else self.by_line).items():
            if not line_ids or line in line_ids:
                out[seller] += cents
        return dict(out)


def _by_line(db: Session, first: date, last: date) -> tuple[dict[tuple[int, int], int], int]:
    amount = type_coerce(PosLine.amount, BigInteger)
    rows = db.execute(select(PosLine.seller_id, PosLine.product_line_id,
                             func.sum(amount), func.count())
                      .where(PosLine.invoice_date >= first, PosLine.invoice_date <= last)
                      .group_by(PosLine.seller_id, PosLine.product_line_id)).all()
    return {(s, line): int(c) for s, line, c, _ in rows}, sum(n for *_, n in rows)


def quarter_sales(db: Session, quarter: Quarter, first: date | None = None,
                  last: date | None = None) -> QuarterSales:
    """The quarter's sales, or those from `first` to `last` inside it (a program whose window
    starts or ends within the quarter), beside the same days a year earlier."""
    first, last = first or quarter.starts_on, last or quarter.ends_on
    current, lines = _by_line(db, first, last)
    prior, _ = _by_line(db, year_before(first), year_before(last))
    return QuarterSales(quarter, current, prior, lines)


def spiff_units(db: Session, first: date, last: date, product_ids: tuple[int, ...],
                by_rep: bool) -> dict[tuple[int, str], int]:
    """{(seller id, rep e-mail or ""): units net of returns} of the SKUs sold from first to
    last. The rep's e-mail in lower case; "" when the line names none (or by_rep is off)."""
    if not product_ids or last < first:
        return {}
    rep = func.lower(func.coalesce(PosLine.rep_email, "")) if by_rep else None
    cols = [PosLine.seller_id, *([rep] if by_rep else [])]
    rows = db.execute(select(*cols, func.sum(PosLine.quantity))
                      .where(PosLine.invoice_date >= first, PosLine.invoice_date <= last,
                             PosLine.product_id.in_(product_ids))
                      .group_by(*cols)).all()
    if by_rep:
        return {(s, r or ""): int(u) for s, r, u in rows}
    return {(s, ""): int(u) for s, u in rows}


@dataclass(frozen=True)
class Standing:
    """Each partner's tier, and its users holding a current certification (in all, and per
    product line), at one moment."""

    tier: dict[int, int]
    certified: dict[int, int]
    certified_in_line: dict[tuple[int, int], int]

    def eligible(self, partner_id: int, tier_ids: tuple[int, ...], min_certified: int,
                 line_id: int | None) -> tuple[bool, str]:
        if tier_ids and self.tier.get(partner_id) not in tier_ids:
            return False, "tier not in the program"
        if min_certified:
            have = (self.certified_in_line.get((partner_id, line_id), 0) if line_id
                    else self.certified.get(partner_id, 0))
            if have < min_certified:
                return False, f"{have} certified user(s), {min_certified} needed"
        return True, ""


def standing_at(db: Session, moment: datetime) -> Standing:
    """Tiers at `moment`: today's, unwound through the tier changes made after it (the
    earliest change after the moment says what the partner was before). Certified users: a
    certification counts from its issue to its expiry or revocation, whatever became of its
    holder's account since (no date is kept for that: a closed quarter must read the same
    on every recalculation)."""
    tier = dict(db.execute(select(Partner.id, Partner.tier_id)).tuples().all())
    later = db.execute(select(TierChange.partner_id, TierChange.from_tier_id)
                       .where(TierChange.changed_at > moment)
                       .order_by(TierChange.changed_at.desc(), TierChange.id.desc())).all()
    for partner_id, from_tier in later:  # newest first: the earliest change is applied last
        tier[partner_id] = from_tier
    users: dict[int, set[int]] = defaultdict(set)
    in_line: dict[tuple[int, int], set[int]] = defaultdict(set)
    for partner_id, user_id, line_ids in db.execute(
            select(Certification.partner_id, Certification.user_id,
                   CertificationTrack.product_line_ids)
            .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
            .where(Certification.issued_at <= moment, Certification.expires_at > moment,
                   or_(Certification.revoked_at.is_(None), Certification.revoked_at > moment))):
        if partner_id is None:
            continue
        users[partner_id].add(user_id)
        for line in line_ids or []:
            in_line[(partner_id, line)].add(user_id)
    return Standing(tier, {p: len(u) for p, u in users.items()},
                    {k: len(u) for k, u in in_line.items()})
