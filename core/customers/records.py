"""End-customer records: one per real company, the exact keys that file a claim under an
existing record (registrable domain, else normalized name, within a country), and the key
index the fuzzy conflict check reads (core.deals.conflicts)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.customers.matching import name_key, retrieval_keys
from core.customers.names import normalize_name
from core.permissions import require
from core.validation import parsers  # a module: the parsers import this package
from db.models import EndCustomer, EndCustomerKey
from db.types import utcnow


@dataclass(frozen=True)
class EndCustomerOut:
    id: int
    name: str
    normalized_name: str
    domain: str | None
    country: str
    created_at: datetime


CUSTOMER_FIELDS = ["name", "normalized_name", "domain", "country"]


def find_or_create(db: Session, actor: Actor, *, name: str, domain: str | None, country: str,
                   now: datetime | None = None) -> EndCustomer:
    """The end customer for these keys: by domain within the country, else by normalized name
    within the country, else a new record. Runs inside the caller's (serialized) transaction;
    the caller has checked its own permission."""
    country = country.upper()
    key = normalize_name(name)
    found = None
    if domain:
        found = db.scalar(select(EndCustomer).where(EndCustomer.domain == domain,
                                                    EndCustomer.country == country,
                                                    EndCustomer.merged_into_id.is_(None))
                          .order_by(EndCustomer.id).limit(1))
    if found is None:
        found = db.scalar(select(EndCustomer).where(EndCustomer.normalized_name == key,
                                                    EndCustomer.country == country,
                                                    EndCustomer.merged_into_id.is_(None))
                          .order_by(EndCustomer.id).limit(1))
    if found is not None:
        if domain and found.domain is None:
            before = audit.snapshot(found, CUSTOMER_FIELDS)
            found.domain = domain
            audit.record(db, actor, "end_customer.update", "end_customer", found.id,
                         before=before, after=audit.snapshot(found, CUSTOMER_FIELDS), now=now)
        file_name(db, found.id, name)
        return found
    customer = EndCustomer(name=name.strip()[:200], normalized_name=key, domain=domain,
                           country=country, created_at=now or utcnow())
    db.add(customer)
    db.flush()
    file_name(db, customer.id, name)
    audit.record(db, actor, "end_customer.create", "end_customer", customer.id,
                 after=audit.snapshot(customer, CUSTOMER_FIELDS), now=now)
    return customer


def file_name(db: Session, end_customer_id: int, name: str) -> None:
    """Index a name the customer was filed under, so the conflict check finds it by it."""
    add_keys(db, end_customer_id, retrieval_keys(name_key(name)))


def add_keys(db: Session, end_customer_id: int, keys: set[str]) -> None:
    if not keys:
        return
    have = set(db.scalars(select(EndCustomerKey.key).where(
        EndCustomerKey.end_customer_id == end_customer_id, EndCustomerKey.key.in_(keys))))
    db.add_all(EndCustomerKey(key=k, end_customer_id=end_customer_id)
               for k in sorted(keys - have))


def search_customers(db: Session, actor: Actor, search: str = "", *,
                     limit: int = 100) -> list[EndCustomerOut]:
    """Vendor-side lookup of end-customer records by name or domain."""
    require(actor, "customer.view")
    search = parsers.checked("search", parsers.text_field, search, 200)
    q = select(EndCustomer)
    if search:
        needle = search.lower()
        found = [func.lower(EndCustomer.name).contains(needle, autoescape=True),
                 EndCustomer.domain.contains(needle, autoescape=True)]
        if key := normalize_name(search):  # "%" has no name key: it would match every key
            found.append(EndCustomer.normalized_name.contains(key, autoescape=True))
        q = q.where(or_(*found))
    rows = db.scalars(q.order_by(EndCustomer.normalized_name, EndCustomer.id).limit(limit))
    return [EndCustomerOut(c.id, c.name, c.normalized_name, c.domain, c.country, c.created_at)
            for c in rows]
