"""Channel conflicts: which open registrations and direct opportunities claim the same real
company as this one, how sure we are, and why.

Two steps, so a check stays a few indexed lookups at a million registrations:
1. candidates: end customers found through `end_customer_keys` (every name a customer was
   filed under, cut by core.customers.matching.retrieval_keys) and registrations or direct
   opportunities with the same company domain. Word and initials keys shared by more than
   COMMON_KEY_LIMIT customers are skipped: a word that common says little about which
   company it is. Among many candidates, only those whose names read closest are kept.
2. scoring: core.customers.matching.match_claims on every signal (domain, record, name, country,
   product lines, time window), on the few columns a claim needs; only "possible" and
   "conflict" are kept and read whole.

First come, first served: among open registrations that conflict, the earliest submitted
(then the lowest id) wins."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz
from sqlalchemy import bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from core.customers import normalize_name, region_for
from core.customers.matching import (
    Claim,
    PairMatch,
    Verdict,
    key_from_form,
    match_claims,
    retrieval_keys,
)
from core.deals.status import OPEN
from db.models import (
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
    Partner,
)

MATCH_LIMIT = 100  # the desk shows at most this many rows beside a registration
CANDIDATE_LIMIT = 500  # registrations, and direct opportunities, scored at most per check
CLOSEST_READ_LIMIT = 60  # names read at most to pick the closest, those sharing most keys first
# How much a shared key says: a whole name (n:, s:) or its skeleton (k:) more than initials
# (a:) or a single word (t:).
KEY_WEIGHTS = {"n": 4, "s": 4, "k": 3, "a": 2, "t": 1}
KEY_ROW_LIMIT = 1_000  # key-index rows read at most per check
COMMON_KEY_LIMIT = 50  # a word or initials key shared by more customers is not evidence
# ...unless nothing rarer is shared (no candidate reaches STRONG_WEIGHT): then the first
# WIDE_KEY_LIMIT entries of each common key are read and the customers under two kept.
STRONG_WEIGHT, WIDE_KEY_LIMIT = 3, 1_000
# Among more than CROWDED candidates only the CROWDED whose names read closest are scored:
# scoring every one made the slow checks.
CROWDED = 12
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
    """The claim of a registration."""
    return _deal_claim(d.customer_name, d.customer_name_form, d.customer_domain,
                       d.customer_country, d.product_line_ids, d.submitted_at,
                       d.expected_close_date, d.protection_ends_at, d.end_customer_id)


def claim_of_direct(o) -> Claim:
    """The claim of a direct opportunity."""
    return _direct_claim(o.account_name, o.account_name_form, o.domain, o.country,
                         o.imported_at, o.close_date, o.end_customer_id)


def _deal_claim(name, form, domain, country, lines, submitted_at, close, protection_ends_at,
                end_customer_id) -> Claim:
    ends = close if protection_ends_at is None else max(close, protection_ends_at.date())
    return claim_for(name=name, domain=domain, country=country, product_line_ids=lines or (),
                     starts=submitted_at.date(), ends=ends, end_customer_id=end_customer_id,
                     name_form=form)


def _direct_claim(name, form, domain, country, imported_at, close, end_customer_id) -> Claim:
    return claim_for(name=name, domain=domain, country=country,
                     starts=min(imported_at.date(), close), ends=close,
                     end_customer_id=end_customer_id, name_form=form)


def _claim_of_candidate(row) -> Claim:
    """The claim of a row of _candidates (a registration or a direct opportunity)."""
    if row.kind == "registration":
        return _deal_claim(row.name, row.form, row.domain, row.country, row.lines,
                           row.starts_at, row.close, row.protection_ends_at,
                           row.end_customer_id)
    return _direct_claim(row.name, row.form, row.domain, row.country, row.starts_at,
                         row.close, row.end_customer_id)


def candidate_customers(db: Session, claim: Claim) -> list[int]:
    """End customers whose filed names share telling keys with the claim's name, the ones
    sharing the most (whole-name keys weigh more than a single word) first.

    One statement reads at most COMMON_KEY_LIMIT + 1 entries of each word, initials or
    skeleton key (a key that has more is too common to tell anything) and at most
    KEY_ROW_LIMIT of a whole-name key, so a common word costs no more than a rare one."""
    keys = sorted(retrieval_keys(claim.name))
    rows = _entries(db, keys, lambda k: COMMON_KEY_LIMIT + 1 if _countable(k)
                    else KEY_ROW_LIMIT)
    weight: dict[int, int] = {}
    common = [k for k, customers in rows.items()
              if _countable(k) and len(customers) > COMMON_KEY_LIMIT]
    for key, customers in rows.items():
        if key not in common:
            for customer_id in customers:
                weight[customer_id] = weight.get(customer_id, 0) + KEY_WEIGHTS[key[0]]
    if len(common) >= 2 and max(weight.values(), default=0) < STRONG_WEIGHT:
        weight = _sharing_common_keys(db, common, weight)
    ranked = sorted(weight, key=lambda c: (-weight[c], c))
    if len(ranked) > CROWDED:
        whole = {c for k in keys if k[0] in "ns" for c in rows.get(k, ())}
        ranked = _closest(db, claim, ranked[:CLOSEST_READ_LIMIT], weight, whole)[:CROWDED]
    if claim.end_customer_id is not None and claim.end_customer_id not in ranked:
        ranked.append(claim.end_customer_id)
    return sorted(ranked)


def _entries(db: Session, keys: list[str], limit_of) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    if keys:
        for key, customer_id in db.execute(_key_entries(len(keys)),
                                           _key_params(keys, limit_of)):
            rows.setdefault(key, []).append(customer_id)
    return rows


def _key_params(keys: list[str], limit_of) -> dict:
    """The parameters of _key_entries: each key and how many of its entries to read."""
    return ({f"k{i}": k for i, k in enumerate(keys)}
            | {f"l{i}": limit_of(k) for i, k in enumerate(keys)})


def _sharing_common_keys(db: Session, common: list[str], weight: dict[int, int]
                         ) -> dict[int, int]:
    """Nothing telling shared, but two common keys are: the customers under both of them.
    'Ottawa Reataurants' shares no rare key with 'Ottawa Restaurants' (the typo is in the
    rare word), but its first word and its initials (t:ottawa, a:or) together narrow a few
    hundred companies each to a handful. The database groups the first WIDE_KEY_LIMIT
    entries of each key (a bigger key is read only that far) and sends back only the
    customers under two or more, those under most first."""
    params = _key_params(common, lambda k: WIDE_KEY_LIMIT)
    shared = dict(db.execute(_under_two_or_more(len(common)), params).tuples().all())
    return weight | {c: weight.get(c, 0) + n for c, n in shared.items()}


@lru_cache(maxsize=16)
def _under_two_or_more(count: int):
    entries = _key_entries(count).subquery()
    return (select(entries.c.end_customer_id, func.count())
            .group_by(entries.c.end_customer_id).having(func.count() >= 2)
            .order_by(func.count().desc(), entries.c.end_customer_id)
            .limit(CLOSEST_READ_LIMIT))


_NAMES = select(EndCustomer.id, EndCustomer.normalized_name, EndCustomer.country).where(
    EndCustomer.id.in_(bindparam("ids", expanding=True)), EndCustomer.merged_into_id.is_(None))


def _closest(db: Session, claim: Claim, customers: list[int], weight: dict[int, int],
             whole: set[int]) -> list[int]:
    """Customers that share the claim's whole name under any name they were filed under
    first, then those whose record's name reads closest (a bonus for the same country):
    among many that share a word, the typo'd or shortened name of one of them is the one
    meant ("Kalmar Plåt Aktiebolag" among thirty Kalmar companies)."""
    text = normalize_name(claim.name.raw)
    closeness = {cid: fuzz.token_set_ratio(text, name) + (10 if country == claim.country else 0)
                 for cid, name, country in db.execute(_NAMES, {"ids": customers})}
    return sorted(closeness, key=lambda c: (c not in whole, -closeness[c], -weight[c], c))


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
    kept = _kept(claim, _candidates(db, claim, customers, exclude_deal_id, open_only),
                 product_names)
    deals = {i: m for (kind, i), m in kept.items() if kind == "registration"}
    directs = {i: m for (kind, i), m in kept.items() if kind == "direct"}
    found = [Found("registration", d, None, partner_name, deals[d.id])
             for d, partner_name in _full_registrations(db, deals)]
    found += [Found("direct", None, o, None, directs[o.id])
              for o in _full_directs(db, directs)]
    return sorted(found, key=lambda f: f.sort_key)[:limit]


def _kept(claim: Claim, rows, product_names) -> dict[tuple[str, int], PairMatch]:
    matches = {(row.kind, row.id): match_claims(claim, _claim_of_candidate(row),
                                                product_names=product_names)
               for row in rows}
    return {k: m for k, m in matches.items() if m.verdict != "clear"}


def _candidates(db, claim, customers, exclude_id, open_only):
    """Registrations and direct opportunities (open ones when open_only) of the candidate
    customers or with the claim's domain, each side at most CANDIDATE_LIMIT: one statement,
    the few columns a claim needs."""
    if not customers and not claim.domain:
        return []
    q = _candidates_query(bool(customers), bool(claim.domain), exclude_id is not None,
                          open_only)
    return db.execute(q, _params(customers, claim.domain, exclude_id)).all()


@lru_cache(maxsize=16)
def _candidates_query(by_customer: bool, by_domain: bool, exclude: bool, open_only: bool):
    d, o = DealRegistration, DirectOpportunity
    deals = select(literal("registration").label("kind"), d.id, d.customer_name.label("name"),
                   d.customer_name_form.label("form"), d.customer_domain.label("domain"),
                   d.customer_country.label("country"), d.product_line_ids.label("lines"),
                   d.submitted_at.label("starts_at"), d.expected_close_date.label("close"),
                   d.protection_ends_at, d.end_customer_id).where(
        or_(*_same_company(d.end_customer_id, d.customer_domain, by_customer, by_domain)))
    if exclude:
        deals = deals.where(d.id != bindparam("exclude_id"))
    if open_only:
        deals = deals.where(d.status.in_([s.value for s in OPEN]))
    directs = select(literal("direct").label("kind"), o.id, o.account_name.label("name"),
                     o.account_name_form.label("form"), o.domain, o.country,
                     cast(null(), d.product_line_ids.type).label("lines"),
                     o.imported_at.label("starts_at"), o.close_date.label("close"),
                     cast(null(), d.protection_ends_at.type).label("protection_ends_at"),
                     o.end_customer_id).where(
        or_(*_same_company(o.end_customer_id, o.domain, by_customer, by_domain)))
    if open_only:
        directs = directs.where(o.status == "open")
    return union_all(
        deals.order_by(d.submitted_at, d.id).limit(CANDIDATE_LIMIT).subquery().select(),
        directs.order_by(o.close_date, o.id).limit(CANDIDATE_LIMIT).subquery().select())


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
