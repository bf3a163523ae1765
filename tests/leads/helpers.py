"""Setting up a small, known partner network on the seeded demo for routing tests: every
territory and region of the demo cleared, then only the ones a test gives."""

from itertools import count

from sqlalchemy import delete, select, update

from core.leads import create_lead
from core.leads.settings import FACTORS
from db.models import (
    LeadRoutingWeight,
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    User,
)
from tests.conftest import NOW, actor_for

_serial = count(1)


def clear_network(db) -> None:
    """No partner covers anything: each test gives its own territories."""
    db.execute(delete(PartnerTerritory))
    db.execute(delete(PartnerRegion))
    db.flush()


def partner_of(db, username: str) -> int:
    return db.scalar(select(User.partner_id).where(User.username == username))


def cover(db, username: str, country: str, state: str | None = None,
          prefix: str | None = None) -> int:
    partner_id = partner_of(db, username)
    db.add(PartnerTerritory(partner_id=partner_id, country=country, state=state,
                            postal_prefix=prefix))
    db.flush()
    return partner_id


def serve_region(db, username: str, region: str) -> int:
    partner_id = partner_of(db, username)
    db.add(PartnerRegion(partner_id=partner_id, region=region, position=9))
    db.flush()
    return partner_id


def industries(db, username: str, *names: str) -> None:
    partner_id = partner_of(db, username)
    db.execute(delete(PartnerIndustry).where(PartnerIndustry.partner_id == partner_id))
    for i, name in enumerate(names):
        db.add(PartnerIndustry(partner_id=partner_id, industry=name, position=i))
    db.flush()


def only(db, **weights: int) -> None:
    """The routing weights: those given, every other factor 0."""
    db.execute(delete(LeadRoutingWeight))
    for factor in FACTORS:
        db.add(LeadRoutingWeight(factor=factor, weight=weights.get(factor, 0)))
    db.flush()


def set_capacity(db, username: str, capacity: int | None) -> None:
    db.execute(update(Partner).where(Partner.id == partner_of(db, username))
               .values(lead_capacity=capacity))
    db.flush()


def new_lead(db, *, now=NOW, **fields) -> int:
    n = next(_serial)
    data = {"company": f"Lead Co {n}", "email": f"buyer{n}@leadco{n}.example",
            "country": "DE", **fields}
    return create_lead(db, actor_for(db, "marketing"), data, now=now).id


def german_network(db) -> dict[str, int]:
    """p01 covers Munich's postal prefix, p02 Bavaria, p03 all of Germany, p04 serves EMEA,
    p05 covers France; territory alone decides."""
    clear_network(db)
    ids = {"postal": cover(db, "p01.admin", "DE", prefix="80"),
           "state": cover(db, "p02.admin", "DE", state="Bayern"),
           "country": cover(db, "p03.admin", "DE"),
           "region": serve_region(db, "p04.admin", "EMEA"),
           "france": cover(db, "p05.admin", "FR")}
    only(db, territory=100)
    return ids
