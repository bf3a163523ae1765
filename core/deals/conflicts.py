"""Channel conflicts: which open registrations and direct opportunities claim the same real
company as this one, how sure we are, and why.

Two steps, so a check stays a few indexed lookups at a million registrations:
1. candidates: end customers found through `end_customer_keys` (every name a customer was
   filed under, cut by core.customers.matching.retrieval_keys) and registrations or direct
   opportunities with the same company domain. Word and initials keys shared by more than
   COMMON_KEY_LIMIT customers are skipped: a word that common says little about which
   company it is. Among many candidates, those sharing only a word or initials are dropped.
2. scoring: core.customers.matching.match_claims on every signal (domain, record, name, country,
   product lines, time window), on the few columns a claim needs; only "possible" and
   "conflict" are kept and read whole.

First come, first served: among open registrations that conflict, the earliest submitted
(then the lowest id) wins."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from sqlalchemy import bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from core.customers import region_for
from core.customers.matching import (
    Claim,
    PairMatch,
    Verdict,
    key_from_form,
    match_claims,
    retrieval_keys,
)
from core.deals.status import OPEN
from db.models import DealRegistration, DirectOpportunity, EndCustomerKey, Partner

MATCH_LIMIT = 100  # the desk shows at most this many rows beside a registration
CANDIDATE_LIMIT = 500  # rows scored at most per check
CUSTOMER_LIMIT = 60  # end customers scored at most per check, those sharing most keys first
# How much a shared key says: a whole name (n:, s:) or its skeleton (k:) more than initials
# (a:) or a single word (t:).
KEY_WEIGHTS = {"n": 4, "s": 4, "k": 3, "a": 2, "t": 1}
KEY_ROW_LIMIT = 1_000  # key-index rows read at most per check
COMMON_KEY_LIMIT = 50  # a word or initials key shared by more customers is not evidence
# Among more than CROWDED candidates, one that shares only a word or only initials (weight
# under 3) is left out: it is rarely the same company, and scoring it made the slow checks.
CROWDED, CROWDED_MIN_WEIGHT = 20, 3
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


def claim_of_deal(d) -> Claim:
    """The claim of a registration (or of a row of its _DEAL_CLAIM columns)."""
    ends = d.expected_close_date
    if d.protection_ends_at is not None:
        ends = max(ends, d.protection_ends_at.date())
    return claim_for(name=d.customer_name, domain=d.customer_domain, country=d.customer_country,
                     product_line_ids=d.product_line_ids or (), starts=d.submitted_at.date(),
                     ends=ends, end_customer_id=d.end_customer_id,
                     name_form=d.customer_name_form)


def claim_of_direct(o) -> Claim:
    """The claim of a direct opportunity (or of a row of its _DIRECT_CLAIM columns)."""
    return claim_for(name=o.account_name, domain=o.domain, country=o.country,
                     starts=min(o.imported_at.date(), o.close_date), ends=o.close_date,
                     end_customer_id=o.end_customer_id, name_form=o.account_name_form)


def candidate_customers(db: Session, claim: Claim) -> list[int]:
    """End customers whose filed names share telling keys with the claim's name, the ones
    sharing the most (whole-name keys weigh more than a single word) first.

    One statement reads at most COMMON_KEY_LIMIT + 1 entries of each word, initials or
    skeleton key (a key that has more is too common to tell anything) and at most
    KEY_ROW_LIMIT of a whole-name key, so a common word costs no more than a rare one."""
    keys = sorted(retrieval_keys(claim.name))
    rows: dict[str, list[int]] = {}
    if keys:
        params = {f"k{i}": k for i, k in enumerate(keys)}
        params |= {f"l{i}": COMMON_KEY_LIMIT + 1 if _countable(k) else KEY_ROW_LIMIT
                   for i, k in enumerate(keys)}
        for key, customer_id in db.execute(_key_entries(len(keys)), params):
            rows.setdefault(key, []).append(customer_id)
    weight: dict[int, int] = {}
    for key, customers in rows.items():
        if _countable(key) and len(customers) > COMMON_KEY_LIMIT:
            continue
        for customer_id in customers:
            weight[customer_id] = weight.get(customer_id, 0) + KEY_WEIGHTS[key[0]]
    if claim.end_customer_id is not None:
        weight[claim.end_customer_id] = max(weight.values(), default=0) + 1
    ranked = sorted(weight, key=lambda c: (-weight[c], c))[:CUSTOMER_LIMIT]
    if len(ranked) > CROWDED:
        ranked = [c for c in ranked if weight[c] >= CROWDED_MIN_WEIGHT]
    return sorted(ranked)


def _countable(key: str) -> bool:
    """Word, initials and skeleton keys: too common to tell anything past COMMON_KEY_LIMIT."""
    return key[0] in "tak"


@lru_cache(maxsize=64)
def _key_entries(count: int):
    """UNION ALL of one bounded lookup per key: statements built once per key count,
    since building one cost more than the database took to answer it."""
    k = EndCustomerKey
    parts = []
    for i in range(count):
        parts.append(select(k.key, k.end_customer_id).where(k.key == bindparam(f"k{i}"))
                     .limit(bindparam(f"l{i}")).subquery().select())
    return union_all(*parts)


def check(db: Session, claim: Claim, *, exclude_deal_id: int | None = None,
          open_only: bool = True, product_names: dict[int, str] | None = None,
          limit: int = MATCH_LIMIT) -> list[Found]:
    """Every other claim on the same company that is at least a possible conflict, strongest
    first. open_only: only open registrations and open direct opportunities.

    Candidates are scored on the few columns a claim needs; only the ones kept are read
    whole (reading every candidate's full row cost more than scoring it)."""
    customers = candidate_customers(db, claim)
    deals = _kept(claim, _registrations(db, claim, customers, exclude_deal_id, open_only),
                  claim_of_deal, product_names)
    directs = _kept(claim, _directs(db, claim, customers, open_only), claim_of_direct,
                    product_names)
    found = [Found("registration", d, None, partner_name, deals[d.id])
             for d, partner_name in _full_registrations(db, deals)]
    found += [Found("direct", None, o, None, directs[o.id])
              for o in _full_directs(db, directs)]
    return sorted(found, key=lambda f: f.sort_key)[:limit]


def _kept(claim: Claim, rows, claim_of, product_names) -> dict[int, PairMatch]:
    matches = {row.id: match_claims(claim, claim_of(row), product_names=product_names)
               for row in rows}
    return {i: m for i, m in matches.items() if m.verdict != "clear"}


# What claim_of_deal and claim_of_direct read.
_DEAL_CLAIM = (DealRegistration.id, DealRegistration.customer_name,
               DealRegistration.customer_name_form, DealRegistration.customer_domain,
               DealRegistration.customer_country, DealRegistration.product_line_ids,
               DealRegistration.submitted_at, DealRegistration.expected_close_date,
               DealRegistration.protection_ends_at, DealRegistration.end_customer_id)
_DIRECT_CLAIM = (DirectOpportunity.id, DirectOpportunity.account_name,
                 DirectOpportunity.account_name_form, DirectOpportunity.domain,
                 DirectOpportunity.country, DirectOpportunity.imported_at,
                 DirectOpportunity.close_date, DirectOpportunity.end_customer_id)


def _registrations(db, claim, customers, exclude_id, open_only):
    if not customers and not claim.domain:
        return []
    q = _registrations_query(bool(customers), bool(claim.domain), exclude_id is not None,
                             open_only)
    return db.execute(q, _params(customers, claim.domain, exclude_id)).all()


@lru_cache(maxsize=16)
def _registrations_query(by_customer: bool, by_domain: bool, exclude: bool, open_only: bool):
    d = DealRegistration
    same = _same_company(d.end_customer_id, d.customer_domain, by_customer, by_domain)
    q = select(*_DEAL_CLAIM).where(or_(*same))
    if exclude:
        q = q.where(d.id != bindparam("exclude_id"))
    if open_only:
        q = q.where(d.status.in_([s.value for s in OPEN]))
    return q.order_by(d.submitted_at, d.id).limit(CANDIDATE_LIMIT)


def _same_company(customer_col, domain_col, by_customer: bool, by_domain: bool) -> list:
    same = [customer_col.in_(bindparam("customers", expanding=True))] if by_customer else []
    if by_domain:
        same.append(domain_col == bindparam("domain"))
    return same


def _params(customers, domain, exclude_id=None) -> dict:
    params = {"customers": customers} if customers else {}
    if domain:
        params["domain"] = domain
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    return params


# The partner's name per row through its primary key: a join would hash every partner.
_FULL_REGISTRATIONS = select(
    DealRegistration,
    select(Partner.name).where(Partner.id == DealRegistration.partner_id).scalar_subquery(),
).where(DealRegistration.id.in_(bindparam("ids", expanding=True)))
_FULL_DIRECTS = select(DirectOpportunity).where(
    DirectOpportunity.id.in_(bindparam("ids", expanding=True)))


def _full_registrations(db, ids) -> list:
    return db.execute(_FULL_REGISTRATIONS, {"ids": list(ids)}).all() if ids else []


def _directs(db, claim, customers, open_only):
    if not customers and not claim.domain:
        return []
    q = _directs_query(bool(customers), bool(claim.domain), open_only)
    return db.execute(q, _params(customers, claim.domain)).all()


@lru_cache(maxsize=8)
def _directs_query(by_customer: bool, by_domain: bool, open_only: bool):
    o = DirectOpportunity
    q = select(*_DIRECT_CLAIM).where(or_(*_same_company(o.end_customer_id, o.domain,
                                                         by_customer, by_domain)))
    if open_only:
        q = q.where(o.status == "open")
    return q.order_by(o.close_date, o.id).limit(CANDIDATE_LIMIT)


def _full_directs(db, ids) -> list:
    return list(db.scalars(_FULL_DIRECTS, {"ids": list(ids)})) if ids else []


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
    """Matches of a stored registration against every other claim, but the direct
    opportunities a CRM's custom field names as this partner's deal (the vendor's record of
    it: no channel conflict)."""
    found = check(db, claim_of_deal(deal), exclude_deal_id=deal.id, open_only=open_only,
                  product_names=product_names)
    return [f for f in found if f.direct is None or not partners_own(f.direct, deal)]


def partners_own(o: DirectOpportunity, deal: DealRegistration) -> bool:
    return o.registration_id == deal.id or (o.partner_id is not None
                                            and o.partner_id == deal.partner_id)
