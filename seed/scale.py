"""Scale data for benchmarks: the reference numbers of DESIGN.md, in bulk inserts.

Deterministic (fixed seeds), one shared password hash, and independent of the demo seed: it
runs on an empty database. Later capabilities add their tables here; end customers, deal
registrations and direct opportunities come from seed/scale_deals.py."""

import argparse
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.actor import Role
from core.partners import INDUSTRIES, PARTNER_TYPES
from core.passwords import shared_hash
from db.models import (
    Agreement,
    AgreementAcceptance,
    AuditEvent,
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    ProductLine,
    Tier,
    User,
    partner_product_lines,
)
from db.types import utcnow
from seed.demo import COUNTRIES, DEMO_PASSWORD
from seed.scale_deals import STATES, seed_scale_deals
from seed.scale_training import seed_scale_training

BATCH = 5_000


@dataclass(frozen=True)
class ScaleSizes:
    partners: int = 5_000
    users: int = 20_000  # partner users; a handful of vendor users come on top
    registrations: int = 1_000_000
    end_customers: int = 300_000
    direct_opportunities: int = 20_000
    courses: int = 30  # every partner user has progress on each


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """--partners --users --registrations --customers --direct-opportunities, for the CLIs."""
    parser.add_argument("--partners", type=int, default=ScaleSizes.partners)
    parser.add_argument("--users", type=int, default=ScaleSizes.users)
    parser.add_argument("--registrations", type=int, default=ScaleSizes.registrations,
                        help="deal registrations")
    parser.add_argument("--customers", type=int, default=ScaleSizes.end_customers,
                        help="end customers (0: no deal data at all)")
    parser.add_argument("--direct-opportunities", type=int,
                        default=ScaleSizes.direct_opportunities)
    parser.add_argument("--courses", type=int, default=ScaleSizes.courses,
                        help="training courses (0: no training data)")


def sizes_from(args: argparse.Namespace) -> ScaleSizes:
    return ScaleSizes(partners=args.partners, users=args.users,
                      registrations=args.registrations, end_customers=args.customers,
                      direct_opportunities=args.direct_opportunities,
                      courses=args.courses)


def seed_scale(db: Session, sizes: ScaleSizes, *, log=print, now: datetime | None = None,
               workers: int = 2) -> None:
    """Everything at the given sizes; deterministic for a given `now`. Nothing is committed."""
    rng = random.Random(7)
    started = time.perf_counter()
    password_hash = shared_hash(DEMO_PASSWORD)
    now = now or utcnow()
    tiers = list(db.scalars(select(Tier.id).order_by(Tier.rank)))
    managers = _vendor_users(db, password_hash, now)
    _partners(db, sizes.partners, tiers, managers, rng, now)
    partner_ids = list(db.scalars(select(Partner.id).order_by(Partner.id)))
    _partner_users(db, sizes.users, partner_ids, password_hash, now)
    _accept_agreement(db, partner_ids, now)
    sign_ins = seed_scale_sign_ins(db, now)
    log(f"partners: {sizes.partners:,}, partner users: {sizes.users:,}, sign-ins: "
        f"{sign_ins:,} in {time.perf_counter() - started:.1f} s")
    if sizes.end_customers > 0:
        started = time.perf_counter()
        log(f"end customers: {sizes.end_customers:,}, deal registrations: "
            f"{sizes.registrations:,}, direct opportunities: {sizes.direct_opportunities:,}")
        seed_scale_deals(db, registrations=sizes.registrations,
                         end_customers=sizes.end_customers,
                         direct_opportunities=sizes.direct_opportunities, now=now, log=log,
                         workers=workers)
        log(f"deal data in {time.perf_counter() - started:.1f} s")
    if sizes.courses > 0:
        started = time.perf_counter()
        counts = seed_scale_training(db, sizes.courses, now=now)
        log(f"training: {sizes.courses} courses, " + ", ".join(
            f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
            + f" in {time.perf_counter() - started:.1f} s")


def _vendor_users(db: Session, password_hash: str, now) -> list[int]:
    rows = [dict(username=f"scale.{role.value}{i}", display_name=f"Scale {role.value} {i}",
                 email=f"scale.{role.value}{i}@vendor.example", role=role.value,
                 password_hash=password_hash, created_at=now, **_user_defaults())
            for role in (Role.ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE) for i in range(1, 21)]
    db.execute(insert(User), rows)
    return list(db.scalars(select(User.id).where(User.role == Role.CHANNEL_MANAGER.value)))


def _partners(db, count, tiers, managers, rng, now) -> None:
    """Partner rows, then what each covers: its region and two industries (the rows the
    profile's lists are), and, from a stream of their own, one to three product lines and
    territories (its country, some of them narrowed to a state)."""
    regions = list(COUNTRIES)
    weights = [50, 30, 15, 5]
    lines = list(db.scalars(select(ProductLine.id).where(ProductLine.active)
                            .order_by(ProductLine.id)))
    cover = random.Random(11)
    for start in range(0, count, BATCH):
        rows, lists = [], []
        for i in range(start, min(start + BATCH, count)):
            region = regions[i % len(regions)]
            # Drawn in the order they always were, so the data stays what it was.
            country = rng.choice(COUNTRIES[region])
            industries = rng.sample(INDUSTRIES, k=2)
            rows.append(dict(
                name=f"Scale Partner {i:05d}", website=f"https://scale{i:05d}.example",
                country=country, partner_type=PARTNER_TYPES[i % len(PARTNER_TYPES)],
                tier_id=rng.choices(tiers, weights)[0], status="active",
                channel_manager_id=managers[i % len(managers)], created_at=now))
            lists.append(([region], industries))
        ids = db.scalars(insert(Partner).returning(Partner.id, sort_by_parameter_order=True),
                         rows).all()
        db.execute(insert(PartnerRegion), [
            dict(partner_id=pid, region=code, position=n)
            for pid, (codes, _) in zip(ids, lists, strict=True) for n, code in enumerate(codes)])
        db.execute(insert(PartnerIndustry), [
            dict(partner_id=pid, industry=name, position=n)
            for pid, (_, names) in zip(ids, lists, strict=True) for n, name in enumerate(names)])
        if lines:
            db.execute(insert(partner_product_lines), [
                dict(partner_id=pid, product_line_id=line) for pid in ids
                for line in cover.sample(lines, k=min(len(lines), cover.randint(1, 3)))])
        db.execute(insert(PartnerTerritory), [
            t for pid, row in zip(ids, rows, strict=True)
            for t in _territories(cover, pid, row["country"])])


def _territories(rng: random.Random, partner_id: int, country: str) -> list[dict]:
    """The partner's whole country, or one to three of its states where we name states."""
    states = STATES.get(country)
    if not states or rng.random() < 0.5:
        return [dict(partner_id=partner_id, country=country, state=None, postal_prefix=None)]
    return [dict(partner_id=partner_id, country=country, state=state, postal_prefix=None)
            for state in rng.sample(states, k=rng.randint(1, 3))]


def _partner_users(db, count, partner_ids, password_hash, now) -> None:
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, count)):
            partner_id = partner_ids[i % len(partner_ids)]
            role = Role.PARTNER_ADMIN if i < len(partner_ids) else Role.PARTNER_USER
            rows.append(dict(username=f"scale.u{i:06d}", display_name=f"Scale User {i}",
                             email=f"u{i:06d}@scale.example", role=role.value,
                             partner_id=partner_id, password_hash=password_hash,
                             created_at=now, **_user_defaults()))
        db.execute(insert(User), rows)


def _accept_agreement(db, partner_ids, now) -> None:
    """Scale partners have accepted the current agreement, so their users reach the app."""
    agreement_id = db.scalar(select(Agreement.id).order_by(Agreement.version.desc()).limit(1))
    if agreement_id is None:
        return
    admins = dict(db.execute(select(User.partner_id, func.min(User.id))
                             .where(User.role == Role.PARTNER_ADMIN.value)
                             .group_by(User.partner_id)).all())
    rows = [dict(agreement_id=agreement_id, partner_id=pid, user_id=admins[pid],
                 accepted_at=now) for pid in partner_ids if pid in admins]
    for start in range(0, len(rows), BATCH):
        db.execute(insert(AgreementAcceptance), rows[start:start + BATCH])


def seed_scale_sign_ins(db: Session, now: datetime) -> int:
    """The partner users' sign-ins over the last year, as audit events (what the scorecard's
    active users are counted from): up to eight each, some users quiet for the last months.
    A stream of its own, so the rest of the data stays what it was."""
    rng = random.Random(19)
    users = db.execute(select(User.id, User.username, User.role, User.partner_id)
                       .where(User.partner_id.is_not(None)).order_by(User.id)).all()
    rows = []
    for user_id, username, role, partner_id in users:
        quiet_days = rng.choice([0, 0, 0, 30, 90])
        for _ in range(rng.randint(0, 8)):
            at = now - timedelta(days=rng.uniform(quiet_days, 365))
            rows.append(dict(at=at, actor_user_id=user_id, actor_label=username,
                             actor_role=role, partner_id=partner_id, action="auth.login",
                             entity="user", entity_id=str(user_id)))
    for start in range(0, len(rows), BATCH):
        db.execute(insert(AuditEvent), rows[start:start + BATCH])
    return len(rows)


def _user_defaults() -> dict:
    return dict(is_active=True, failed_attempts=0, must_change_password=False,
                time_zone="UTC", email_notifications=True)
