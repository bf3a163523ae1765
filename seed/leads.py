"""Demo leads: a few hundred leads in every status, brought in and worked through the services at
past moments, as marketing and the partners would have: an import (a CRM export's rows, some
bad), routing waves over two months, partners accepting, rejecting or letting offers lapse
(the recycle job passing those on), accepted leads converted into deal registrations or
disqualified, leads returned after every offer; the last wave's offers still wait, three of
them on p01 (assigned by hand), and some leads wait in the vendor queue. Deterministic."""

import hashlib
import random
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.records import actor_of
from core.actor import Actor
from core.errors import DomainError
from core.leads import (
    accept_lead,
    assign_lead,
    convert_lead,
    disqualify_lead,
    import_leads,
    recycle_lapsed,
    reject_lead,
    route_leads,
)
from core.leads.desk import set_lead_capacity
from core.leads.importer import Table
from db.models import Lead, LeadOffer, Partner, PartnerTerritory, ProductLine, User

SEED = 1717
LEADS = 200
HEADERS = ("FirstName", "LastName", "Company", "Email", "Phone", "Title", "Country", "State",
           "PostalCode", "City", "Industry", "NumberOfEmployees", "Product Interest",
           "LeadSource", "Campaign", "Id")
INDUSTRIES = ("Banking", "Insurance", "Hospital & Health Care", "Computer Software",
              "Telecommunications", "Government Administration", "Retail", "Utilities",
              "Machinery", "Higher Education", "Oil & Energy", "Hospitality", "Agriculture")
SOURCES = ("Web", "Webinar", "Trade Show", "Partner Referral", "Purchased List", "Content")
CAMPAIGNS = ("Q3 Analytics webinar", "Security summit", "Cloud migration e-book",
             "Spring trade show", "Retargeting")
SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1000+")
# Where leads come from: the demo partners' countries mostly, and a few nobody covers.
ELSEWHERE = ("NG", "KE", "PE")
WAVES_DAYS_AGO = (50, 32, 16, 6)


def seed_leads(db: Session, *, now: datetime) -> dict[str, int]:
    rng = random.Random(SEED)
    fake = Faker()
    fake.seed_instance(SEED)
    marketing = actor_of(db.scalar(select(User).where(User.username == "marketing")))
    places = _places(db)
    lines = list(db.scalars(select(ProductLine.name).where(ProductLine.active)
                            .order_by(ProductLine.id)))
    rows = [_row(rng, fake, places, lines, i) for i in range(LEADS)]
    rows += [_bad_row(fake, i) for i in range(6)]  # an unknown country, no contact at all
    started = now - timedelta(days=WAVES_DAYS_AGO[0] + 2)
    table = Table(HEADERS, [list(r) for r in rows], list(range(2, len(rows) + 2)),
                  hashlib.sha256(repr(rows).encode()).hexdigest())
    report = import_leads(db, marketing, table, now=started)
    ids = list(report.lead_ids)
    waves = [ids[i::len(WAVES_DAYS_AGO) + 1] for i in range(len(WAVES_DAYS_AGO) + 1)]
    for days, wave in zip(WAVES_DAYS_AGO, waves, strict=False):
        at = now - timedelta(days=days)
        route_leads(db, marketing, wave, now=at)
        _answer(db, rng, at, now)
        recycle_lapsed(db, now=at + timedelta(days=3))
        _answer(db, rng, at + timedelta(days=3, hours=2), now)
        recycle_lapsed(db, now=at + timedelta(days=6))
    # The last wave waits for its answers; p01 holds three offers made by hand.
    route_leads(db, marketing, waves[-1][: len(waves[-1]) // 2], now=now - timedelta(hours=3))
    _p01_offers(db, now)
    return {"leads": len(ids), "rejected_rows": report.rejected}


def _places(db: Session) -> list[tuple[str, str | None, str | None]]:
    """(country, state, postal prefix) the demo partners cover, to draw leads from."""
    return [(c, s, p) for c, s, p in db.execute(select(
        PartnerTerritory.country, PartnerTerritory.state, PartnerTerritory.postal_prefix)
        .join(Partner, Partner.id == PartnerTerritory.partner_id)
        .order_by(PartnerTerritory.id))]


def _row(rng: random.Random, fake: Faker, places: list, lines: list[str], i: int) -> tuple:
    country, state, prefix = rng.choice(places) if rng.random() < 0.93 else (
        rng.choice(ELSEWHERE), None, None)
    postal = (prefix or "") + str(rng.randint(100, 999)) if prefix else \
        (fake.postcode() if country == "US" else "")
    first, last = fake.first_name(), fake.last_name()
    company = fake.company()
    domain = "".join(ch for ch in company.lower() if ch.isalnum())[:20] + ".example"
    email = f"{first.lower()}.{last.lower()}{i}@{domain}"
    return (first, last, company if rng.random() > 0.08 else "", email,
            "", rng.choice(("CIO", "IT Director", "Head of Data", "CFO", "Procurement Lead")),
            country, state or "", postal, fake.city(), rng.choice(INDUSTRIES),
            rng.choice(SIZES), rng.choice(lines) if rng.random() < 0.6 else "",
            rng.choice(SOURCES), rng.choice(CAMPAIGNS), f"00Q{SEED}{i:05d}")


def _bad_row(fake: Faker, i: int) -> tuple:
    if i % 2:
        return (fake.first_name(), "", "Nowhere Ltd", f"x{i}@nowhere.example", "", "",
                "Narnia", "", "", "", "", "", "", "Web", "", "")
    return ("", "", "", "", "", "", "Germany", "", "", "", "", "", "", "Web", "", "")


def _answer(db: Session, rng: random.Random, at: datetime, now: datetime) -> None:
    """Each partner answers its waiting offers within a day or not at all; accepted leads are
    converted or disqualified, or stay with the partner."""
    waiting = db.execute(select(LeadOffer.lead_id, LeadOffer.partner_id)
                         .where(LeadOffer.status == "pending", LeadOffer.offered_at <= at)
                         .order_by(LeadOffer.id)).all()
    for lead_id, partner_id in waiting:
        worker = _worker(db, partner_id)
        roll = rng.random()
        when = at + timedelta(hours=rng.randint(1, 30))
        if worker is None or roll < 0.2:
            continue  # left to lapse
        try:
            if roll < 0.35:
                reject_lead(db, worker, lead_id, rng.choice(["territory", "capacity",
                                                             "bad_data"]), now=when)
                continue
            accept_lead(db, worker, lead_id, now=when)
            later = when + timedelta(days=rng.randint(1, 10))
            fate = rng.random()
            if fate < 0.35:
                convert_lead(db, worker, lead_id, {
                    "estimated_value": str(rng.randrange(8_000, 180_000, 500)),
                    "expected_close_date": (now + timedelta(days=rng.randint(20, 150))).date(),
                    "stage": "qualification", "product_line_ids": _line_ids(db, lead_id)},
                    now=later)
            elif fate < 0.6:
                disqualify_lead(db, worker, lead_id, rng.choice(["no_need", "no_response",
                                                                 "competitor"]), now=later)
        except DomainError:
            continue  # a conversion the deal desk's rules refuse stays accepted


def _line_ids(db: Session, lead_id: int) -> list[int]:
    line = db.scalar(select(Lead.product_line_id).where(Lead.id == lead_id))
    if line is not None:
        return [line]
    return [db.scalar(select(ProductLine.id).where(ProductLine.active).order_by(ProductLine.id))]


def _worker(db: Session, partner_id: int) -> Actor | None:
    user = db.scalar(select(User).where(User.partner_id == partner_id, User.is_active,
                                        User.role == "partner_user").order_by(User.id))
    return actor_of(user) if user is not None else None


def _p01_offers(db: Session, now: datetime) -> None:
    p01 = db.scalar(select(User.partner_id).where(User.username == "p01.admin"))
    # Flores PLC says on its profile that it answers more leads at once than its tier's five.
    admin = actor_of(db.scalar(select(User).where(User.username == "p01.admin")))
    set_lead_capacity(db, admin, p01, 12, now=now - timedelta(days=3))
    channel = actor_of(db.scalar(select(User).where(User.username == "channel")))
    waiting = list(db.scalars(select(Lead.id).where(Lead.status == "new",
                                                    Lead.country.in_(["US", "CA"]))
                              .order_by(Lead.id).limit(3)))
    for lead_id in waiting:
        assign_lead(db, channel, lead_id, p01, "Named account of Flores PLC's territory",
                    now=now - timedelta(hours=1))
