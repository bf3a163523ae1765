"""Channel conflicts: which open registrations and direct opportunities claim the same real
company as this one, how sure we are, and why.

Two steps, so a check stays a few indexed lookups at a million registrations:
1. candidates: end customers found through `end_customer_keys` (every name a customer was
   filed under, cut by core.matching.retrieval_keys) and registrations or direct
   opportunities with the same company domain. Word and initials keys shared by more than
   COMMON_KEY_LIMIT customers are skipped: a word that common says little about which
   company it is.
2. scoring: core.matching.match_claims on every signal (domain, record, name, country,
   product lines, time window); only "possible" and "conflict" are kept.

First come, first served: among open registrations that conflict, the earliest submitted
(then the lowest id) wins."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.customers import region_for
from core.deals.status import OPEN
from core.matching import Claim, PairMatch, Verdict, key_from_form, match_claims, retrieval_keys
from db.models import DealRegistration, DirectOpportunity, EndCustomerKey, Partner

MATCH_LIMIT = 100  # the desk shows at most this many rows beside a registration
CANDIDATE_LIMIT = 500  # rows scored at most per check
CUSTOMER_LIMIT = 60  # end customers scored at most per check, those sharing most keys first
# How much a shared key says: a whole name (n:, s:) or its skeleton (k:) more than initials
# (a:) or a single word (t:).
KEY_WEIGHTS = {"n": 4, "s": 4, "k": 3, "a": 2, "t": 1}
KEY_ROW_LIMIT = 1_000  # key-index rows read at most per check
COMMON_KEY_LIMIT = 50  # a word or initials key shared by more customers is not evidence
VERDICT_RANK = {"clear": 0, "possible": 1, "conflict": 2}


@dataclass(frozen=True)
class Found:
    """Another claim on the customer, with the verdict of the pair."""

    kind: Literal["registration", "direct"]
    registration: DealRegistration | None
    direct: DirectOpportunity | None
    partner_name: str | None
    match: PairMatch

    @property
    def is_open(self) -> bool:
        if self.registration is not None:
            return self.registration.status in {s.value for s in OPEN}
        return self.direct.status == "open"

    @property
    def sort_key(self) -> tuple:
        row = self.registration or self.direct
        return (-self.match.score, self.kind, row.id)


def claim_for(*, name: str, domain: str | None, country: str, product_line_ids=(),
              starts: date, ends: date, end_customer_id: int | None = None,
              name_form: str | None = None) -> Claim:
    """The claim a registration would make, before it is written."""
    return Claim(name=key_from_form(name, name_form), domain=domain, country=country.upper(),
                 region=region_for(country), end_customer_id=end_customer_id,
                 product_line_ids=frozenset(product_line_ids), starts=starts,
                 ends=max(starts, ends))


def claim_of_deal(d: DealRegistration) -> Claim:
    ends = d.expected_close_date
    if d.protection_ends_at is not None:
        ends = max(ends, d.protection_ends_at.date())
    return claim_for(name=d.customer_name, domain=d.customer_domain, country=d.customer_country,
                     product_line_ids=d.product_line_ids or (), starts=d.submitted_at.date(),
                     ends=ends, end_customer_id=d.end_customer_id,
                     name_form=d.customer_name_form)


def claim_of_direct(o: DirectOpportunity) -> Claim:
    return claim_for(name=o.account_name, domain=o.domain, country=o.country,
                     starts=min(o.imported_at.date(), o.close_date), ends=o.close_date,
                     end_customer_id=o.end_customer_id, name_form=o.account_name_form)


def candidate_customers(db: Session, claim: Claim) -> list[int]:
    """End customers whose filed names share telling keys with the claim's name, the ones
    sharing the most (whole-name keys weigh more than a single word) first."""
    keys = retrieval_keys(claim.name)
    common = set()
    countable = [k for k in keys if k[0] in "tak"]
    if countable:
        counts = db.execute(select(EndCustomerKey.key, func.count())
                            .where(EndCustomerKey.key.in_(countable))
                            .group_by(EndCustomerKey.key)).all()
        common = {k for k, n in counts if n > COMMON_KEY_LIMIT}
    telling = sorted(keys - common)
    weight: dict[int, int] = {}
    if telling:
        for key, customer_id in db.execute(
                select(EndCustomerKey.key, EndCustomerKey.end_customer_id)
                .where(EndCustomerKey.key.in_(telling)).limit(KEY_ROW_LIMIT)):
            weight[customer_id] = weight.get(customer_id, 0) + KEY_WEIGHTS[key[0]]
    if claim.end_customer_id is not None:
        weight[claim.end_customer_id] = max(weight.values(), default=0) + 1
    ranked = sorted(weight, key=lambda c: (-weight[c], c))[:CUSTOMER_LIMIT]
    return sorted(ranked)


def check(db: Session, claim: Claim, *, exclude_deal_id: int | None = None,
          open_only: bool = True, product_names: dict[int, str] | None = None,
          limit: int = MATCH_LIMIT) -> list[Found]:
    """Every other claim on the same company that is at least a possible conflict, strongest
    first. open_only: only open registrations and open direct opportunities."""
    customers = candidate_customers(db, claim)
    found = [Found("registration", d, None, partner_name,
                   match_claims(claim, claim_of_deal(d), product_names=product_names))
             for d, partner_name in _registrations(db, claim, customers, exclude_deal_id,
                                                   open_only)]
    found += [Found("direct", None, o, None,
                    match_claims(claim, claim_of_direct(o), product_names=product_names))
              for o in _directs(db, claim, customers, open_only)]
    kept = [f for f in found if f.match.verdict != "clear"]
    return sorted(kept, key=lambda f: f.sort_key)[:limit]


def _registrations(db, claim, customers, exclude_id, open_only):
    same = [DealRegistration.end_customer_id.in_(customers)] if customers else []
    if claim.domain:
        same.append(DealRegistration.customer_domain == claim.domain)
    if not same:
        return []
    # The partner's name per row through its primary key: a join would hash every partner.
    partner_name = (select(Partner.name).where(Partner.id == DealRegistration.partner_id)
                    .scalar_subquery())
    q = select(DealRegistration, partner_name).where(or_(*same))
    if exclude_id is not None:
        q = q.where(DealRegistration.id != exclude_id)
    if open_only:
        q = q.where(DealRegistration.status.in_([s.value for s in OPEN]))
    return db.execute(q.order_by(DealRegistration.submitted_at, DealRegistration.id)
                      .limit(CANDIDATE_LIMIT)).all()


def _directs(db, claim, customers, open_only):
    same = [DirectOpportunity.end_customer_id.in_(customers)] if customers else []
    if claim.domain:
        same.append(DirectOpportunity.domain == claim.domain)
    if not same:
        return []
    q = select(DirectOpportunity).where(or_(*same))
    if open_only:
        q = q.where(DirectOpportunity.status == "open")
    return list(db.scalars(q.order_by(DirectOpportunity.close_date, DirectOpportunity.id)
                           .limit(CANDIDATE_LIMIT)))


# ---------------------------------------------------------------- reading the result


def strongest(found: list[Found]) -> tuple[Verdict, int]:
    """The verdict and score of the strongest match, ("clear", 0) when none."""
    if not found:
        return "clear", 0
    top = max(found, key=lambda f: (VERDICT_RANK[f.match.verdict], f.match.score))
    return top.match.verdict, top.match.score


def describe(f: Found) -> str:
    """One match in words for the desk's timeline (names other partners: desk-only)."""
    m = f.match
    if f.registration is not None:
        d = f.registration
        who = f"registration #{d.id} of {f.partner_name} ({d.status.replace('_', ' ')})"
    else:
        o = f.direct
        who = f"direct opportunity {o.external_id} ({o.owner_email or 'direct sales'})"
    return f"{who}: {m.verdict} {m.score}, {'; '.join(m.reasons)}"


def earlier_conflicts(deal: DealRegistration, found: list[Found]) -> list[Found]:
    """Open claims that conflict with the deal and came first: open direct opportunities, and
    registrations submitted before it."""
    mine = (deal.submitted_at, deal.id)
    return [f for f in found if f.is_open and f.match.verdict == "conflict"
            and (f.direct is not None
                 or (f.registration.submitted_at, f.registration.id) < mine)]


def is_first_come(deal: DealRegistration, found: list[Found]) -> bool:
    return not any(f.registration is not None for f in earlier_conflicts(deal, found))


def deal_check(db: Session, deal: DealRegistration, *, open_only: bool = True,
               product_names: dict[int, str] | None = None) -> list[Found]:
    """Matches of a stored registration against every other claim."""
    return check(db, claim_of_deal(deal), exclude_deal_id=deal.id, open_only=open_only,
                 product_names=product_names)
