"""The partner network as routing reads it: every partner that may get leads, as arrays (one
slot per partner), read in a few grouped queries, so that routing 100,000 leads is arithmetic
on arrays and never a query per lead or per partner.

Who may get leads at all: an active partner that has accepted the current agreement. Per
partner: capacity left (offers it may still have waiting), its tier's hours to answer and
whether its leads need a certified user, each factor's value from its record (core.leads.
settings says what each measures), its offers in the last 30 days and when it got its last
one; where it works (territories, the regions it serves, industries) and its certified users
per product line."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pycountry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.analytics.kpis import totals_frame
from core.analytics.periods import Period
from core.leads.status import LeadStatus, OfferStatus
from core.training.certifications import certified_per_line
from db.models import (
    Agreement,
    AgreementAcceptance,
    Lead,
    LeadOffer,
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    Tier,
)

PRECISION = {"postal": 1.0, "state": 0.75, "country": 0.5, "region": 0.25}
RECORD_DAYS = 365  # the window of acceptance, response time and conversion
FAIR_DAYS = 30
FAIR_SCALE = 5.0  # offers in 30 days that halve the fair-share points
OS = OfferStatus


@dataclass
class Network:
    ids: np.ndarray  # partner ids, one slot each
    names: list[str]
    slot: dict[int, int]
    capacity_left: np.ndarray
    accept_hours: np.ndarray
    needs_cert: np.ndarray
    values: dict[str, np.ndarray]  # factor -> value in [0, 1] from the partner's record
    recent: np.ndarray  # offers in the last FAIR_DAYS days (routing adds its own)
    last_offer: np.ndarray  # seconds since the epoch of its last offer; -inf: never
    country_wide: dict[str, np.ndarray] = field(default_factory=dict)  # slots
    states: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    prefixes: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # country->
    prefix_lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)
    regions: dict[str, np.ndarray] = field(default_factory=dict)
    industries: dict[str, np.ndarray] = field(default_factory=dict)  # bool masks
    certified: dict[int, np.ndarray] = field(default_factory=dict)  # line -> counts

    @property
    def size(self) -> int:
        return len(self.ids)

    def fairness(self, slots: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + self.recent[slots] / FAIR_SCALE)


def state_key(country: str, state: str | None) -> str | None:
    """A state as routing compares it: its ISO 3166-2 code when the name or code is known
    ("Bayern", "BY", "DE-BY" -> "DE-BY"), else the folded text."""
    if not state or not state.strip():
        return None
    return _subdivisions(country).get(state.strip().lower(), state.strip().lower())


_SUBDIVISIONS: dict[str, dict[str, str]] = {}


def _subdivisions(country: str) -> dict[str, str]:
    if country not in _SUBDIVISIONS:
        names: dict[str, str] = {}
        for sub in pycountry.subdivisions.get(country_code=country) or ():
            names[sub.code.lower()] = sub.code
            names[sub.code.split("-", 1)[1].lower()] = sub.code
            names[sub.name.lower()] = sub.code
        _SUBDIVISIONS[country] = names
    return _SUBDIVISIONS[country]


def postal_key(postal: str | None) -> str:
    return "".join(ch for ch in (postal or "").upper() if ch.isalnum())


def load_network(db: Session, now: datetime) -> Network:
    partners = db.execute(
        select(Partner.id, Partner.name, Partner.lead_capacity, Tier.lead_capacity,
               Tier.lead_accept_hours, Tier.leads_need_certification, Tier.lead_weight)
        .join(Tier, Tier.id == Partner.tier_id)
        .where(Partner.status == "active", _agreement_accepted())
        .order_by(Partner.id)).all()
    ids = np.array([p[0] for p in partners], dtype="int64")
    slot = {int(pid): i for i, pid in enumerate(ids)}
    n = len(ids)
    pending = _by_slot(slot, db.execute(
        select(LeadOffer.partner_id, func.count()).where(LeadOffer.status == OS.PENDING.value)
        .group_by(LeadOffer.partner_id)).all(), n)
    capacity = np.array([p[2] if p[2] is not None else p[3] for p in partners], dtype="float64")
    weights = np.array([p[6] for p in partners], dtype="float64")
    top_weight = max(float(db.scalar(select(func.max(Tier.lead_weight))) or 1), 1.0)
    net = Network(
        ids=ids, names=[p[1] for p in partners], slot=slot,
        capacity_left=(capacity - pending).astype("int64"),
        accept_hours=np.array([p[4] for p in partners], dtype="float64"),
        needs_cert=np.array([bool(p[5]) for p in partners], dtype=bool),
        values={"tier": weights / top_weight}, recent=np.zeros(n), last_offer=np.full(n, -np.inf))
    _record(db, net, now)
    _offers_seen(db, net, now)
    _places(db, net)
    _industries(db, net)
    for (partner_id, line), users in certified_per_line(db, now=now).items():
        if partner_id in slot:
            net.certified.setdefault(line, np.zeros(n))[slot[partner_id]] = users
    return net


def _agreement_accepted():
    current = select(Agreement.id).order_by(Agreement.version.desc()).limit(1).scalar_subquery()
    accepted = select(AgreementAcceptance.partner_id).where(
        AgreementAcceptance.agreement_id == current)
    return or_(~select(Agreement.id).exists(), Partner.id.in_(accepted))


def _by_slot(slot: dict[int, int], rows, n: int) -> np.ndarray:
    out = np.zeros(n)
    for partner_id, value in rows:
        if partner_id in slot:
            out[slot[partner_id]] = float(value or 0)
    return out


def _smoothed(good: np.ndarray, total: np.ndarray) -> np.ndarray:
    """(good + 1) / (total + 2): no record reads one half, and one success is not 100%."""
    return (good + 1.0) / (total + 2.0)


def _record(db: Session, net: Network, now: datetime) -> None:
    """Win rate (the scorecard facts), acceptance, response time and conversion (the
    offers and leads of the last RECORD_DAYS days)."""
    n, slot = net.size, net.slot
    facts = totals_frame(db, Period.months_to(now.date(), 12))
    won = facts["won"].reindex(net.ids, fill_value=0.0).to_numpy()
    lost = facts["lost"].reindex(net.ids, fill_value=0.0).to_numpy()
    net.values["win_rate"] = _smoothed(won, won + lost)
    since = now - timedelta(days=RECORD_DAYS)
    counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n))
    for partner_id, status, count in db.execute(
            select(LeadOffer.partner_id, LeadOffer.status, func.count())
            .where(LeadOffer.offered_at >= since, LeadOffer.status != OS.PENDING.value)
            .group_by(LeadOffer.partner_id, LeadOffer.status)):
        if partner_id in slot:
            counts[status][slot[partner_id]] = count
    answered = counts[OS.ACCEPTED.value] + counts[OS.REJECTED.value] + counts[OS.LAPSED.value]
    net.values["acceptance"] = _smoothed(counts[OS.ACCEPTED.value], answered)
    net.values["response"] = _response(db, net, since)
    closed = dict.fromkeys((LeadStatus.CONVERTED.value, LeadStatus.DISQUALIFIED.value))
    for status in closed:
        closed[status] = _by_slot(slot, db.execute(
            select(Lead.partner_id, func.count()).where(
                Lead.status == status, Lead.updated_at >= since)
            .group_by(Lead.partner_id)).all(), n)
    converted = closed[LeadStatus.CONVERTED.value]
    net.values["conversion"] = _smoothed(converted,
                                         converted + closed[LeadStatus.DISQUALIFIED.value])


def _response(db: Session, net: Network, since: datetime) -> np.ndarray:
    """1 - median hours to answer / the tier's hours (at least 0); no answer yet: one half."""
    rows = db.execute(select(LeadOffer.partner_id, LeadOffer.offered_at, LeadOffer.answered_at)
                      .where(LeadOffer.offered_at >= since,
                             LeadOffer.status.in_([OS.ACCEPTED.value, OS.REJECTED.value]),
                             LeadOffer.answered_at.is_not(None))).all()
    out = np.full(net.size, 0.5)
    if not rows:
        return out
    frame = pd.DataFrame(rows, columns=["partner_id", "offered", "answered"])
    frame["hours"] = (pd.to_datetime(frame["answered"], utc=True)
                      - pd.to_datetime(frame["offered"], utc=True)).dt.total_seconds() / 3600
    for partner_id, median in frame.groupby("partner_id")["hours"].median().items():
        if partner_id in net.slot:
            i = net.slot[partner_id]
            out[i] = max(0.0, 1.0 - float(median) / max(net.accept_hours[i], 1.0))
    return out


def _offers_seen(db: Session, net: Network, now: datetime) -> None:
    since = now - timedelta(days=FAIR_DAYS)
    for partner_id, recent, last in db.execute(
            select(LeadOffer.partner_id,
                   func.count().filter(LeadOffer.offered_at >= since),
                   func.max(LeadOffer.offered_at))
            .group_by(LeadOffer.partner_id)):
        if partner_id in net.slot and last is not None:
            i = net.slot[partner_id]
            net.recent[i] = recent
            net.last_offer[i] = _aware(last).timestamp()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _places(db: Session, net: Network) -> None:
    country_wide: dict[str, list[int]] = defaultdict(list)
    states: dict[tuple[str, str], list[int]] = defaultdict(list)
    prefixes: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for partner_id, country, state, prefix in db.execute(
            select(PartnerTerritory.partner_id, PartnerTerritory.country,
                   PartnerTerritory.state, PartnerTerritory.postal_prefix)):
        if partner_id not in net.slot:
            continue
        i = net.slot[partner_id]
        if prefix and postal_key(prefix):
            prefixes[country][postal_key(prefix)].append(i)
        elif state and state_key(country, state):
            states[(country, state_key(country, state))].append(i)
        else:
            country_wide[country].append(i)
    net.country_wide = {k: np.array(v, dtype="int64") for k, v in country_wide.items()}
    net.states = {k: np.array(v, dtype="int64") for k, v in states.items()}
    net.prefixes = {c: {p: np.array(v, dtype="int64") for p, v in d.items()}
                    for c, d in prefixes.items()}
    net.prefix_lengths = {c: tuple(sorted({len(p) for p in d})) for c, d in prefixes.items()}
    regions: dict[str, list[int]] = defaultdict(list)
    for partner_id, region in db.execute(select(PartnerRegion.partner_id,
                                                PartnerRegion.region)):
        if partner_id in net.slot:
            regions[region].append(net.slot[partner_id])
    net.regions = {k: np.array(v, dtype="int64") for k, v in regions.items()}


def _industries(db: Session, net: Network) -> None:
    masks: dict[str, np.ndarray] = {}
    for partner_id, industry in db.execute(select(PartnerIndustry.partner_id,
                                                  PartnerIndustry.industry)):
        if partner_id in net.slot:
            masks.setdefault(industry, np.zeros(net.size, dtype=bool))[net.slot[partner_id]] = True
    net.industries = masks


def excluded_partners(db: Session, lead_ids: list[int]) -> dict[int, set[int]]:
    """{lead id: partners that rejected it or let it lapse}: never offered it again. By lead
    id alone, the status checked here (as routing reads its leads)."""
    out: dict[int, set[int]] = defaultdict(set)
    ended = {OS.REJECTED.value, OS.LAPSED.value}
    for i in range(0, len(lead_ids), 500):
        for lead_id, partner_id, status in db.execute(
                select(LeadOffer.lead_id, LeadOffer.partner_id, LeadOffer.status)
                .where(LeadOffer.lead_id.in_(lead_ids[i:i + 500]))):
            if status in ended:
                out[lead_id].add(partner_id)
    return out
