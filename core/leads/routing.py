"""Routing: which partner each lead is offered to, and why.

Eligibility first: an active partner that accepted the agreement (core.leads.network), whose
territory covers the lead (a postal-code prefix, its state, the whole country, or the region it
serves), that serves the lead's industry when the lead names one we know, with a user
certified on the lead's product line when its tier asks for that, with capacity left, and that
has not rejected this lead or let it lapse before.

Then a score out of 100: each factor's value in [0, 1] (core.leads.settings says what each
measures) times its weight, over the sum of the weights. The highest score wins; a tie goes to
the partner whose last offer is oldest (one never offered first), then the lower partner id.
The offer stores the weights, each factor's points for the chosen partner and the two
runners-up, which is what "why did this partner get this lead" is answered from.

A batch is arithmetic on arrays: leads with the same place, industry and product line share
their candidates and the fixed part of their scores; only capacity and the fair share move as
the batch hands out offers. A dry run plans and writes nothing."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from core import audit, events
from core.actor import Actor
from core.leads.events import LeadsOffered
from core.leads.network import (
    PRECISION,
    Network,
    excluded_partners,
    load_network,
    postal_key,
    state_key,
)
from core.leads.settings import FACTORS, lead_setting, routing_weights
from core.leads.status import LeadStatus, OfferStatus
from core.notifications import notify_partners_at_once
from core.permissions import require
from db import locks
from db.models import Lead, LeadOffer
from db.types import utcnow

ROUTING_LOCK = "leads:routing"
ROUTABLE = (LeadStatus.NEW.value, LeadStatus.REJECTED.value, LeadStatus.RETURNED.value)
STATIC = tuple(f for f in FACTORS if f not in ("territory", "certified", "fairness"))
LEVELS = {value: name for name, value in PRECISION.items()}
WRITE_BATCH = 2_000


@dataclass(frozen=True)
class Candidate:
    partner_id: int
    partner: str
    score: float  # out of 100


@dataclass(frozen=True)
class Placement:
    """Where one lead goes (partner None: nowhere, and why)."""

    lead_id: int
    partner_id: int | None
    partner: str | None
    score: float | None
    explanation: dict
    why_not: str | None = None


@dataclass(frozen=True)
class RoutingReport:
    placements: tuple[Placement, ...]
    dry_run: bool
    returned: tuple[int, ...] = ()  # leads sent back to the vendor queue (offers used up)
    batch: str = ""

    @property
    def routed(self) -> list[Placement]:
        return [p for p in self.placements if p.partner_id is not None]

    @property
    def unrouted(self) -> list[Placement]:
        return [p for p in self.placements if p.partner_id is None]

    @property
    def message(self) -> str:
        verb = "would go" if self.dry_run else "offered"
        return (f"{len(self.routed)} of {len(self.placements)} leads {verb} to "
                f"{len({p.partner_id for p in self.routed})} partners; "
                f"{len(self.unrouted)} without an eligible partner")


@dataclass
class _Group:
    slots: np.ndarray
    fixed: np.ndarray  # weighted points of every factor but the fair share, out of 1
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    precision: np.ndarray | None = None
    ids: np.ndarray | None = None  # the slots' partner ids
    table: np.ndarray | None = None  # `parts` as rows, in its order: one column per slot
    full: bool = False  # every slot at capacity: so it stays for the rest of the batch


def route_leads(db: Session, actor: Actor, lead_ids: Iterable[int] | None = None, *,
                dry_run: bool = False, now: datetime | None = None,
                network: Network | None = None) -> RoutingReport:
    """Offer each lead (those given, or every lead waiting in the vendor queue as new or
    rejected) to its best eligible partner, in the caller's transaction; a dry run only
    plans. Leads that are not waiting are left as they are."""
    require(actor, "lead.manage")
    now = now or utcnow()
    locks.hold(db, ROUTING_LOCK)
    leads = _routable(db, lead_ids)
    net = network or load_network(db, now)
    weights = routing_weights(db)
    placements = plan(net, leads, weights, excluded_partners(db, [x.id for x in leads]))
    report = RoutingReport(tuple(placements), dry_run)
    if dry_run or not report.routed:
        return report
    return _write(db, actor, report, {x.id: x for x in leads}, net, now)


def _routable(db: Session, lead_ids: Iterable[int] | None) -> list:
    cols = (Lead.id, Lead.country, Lead.state, Lead.postal_code, Lead.region,
            Lead.industry_key, Lead.product_line_id, Lead.offers)
    if lead_ids is None:
        q = select(*cols).where(Lead.status.in_((LeadStatus.NEW.value,
                                                 LeadStatus.REJECTED.value)))
        return db.execute(q.order_by(Lead.created_at, Lead.id)).all()
    ids = sorted(set(lead_ids))
    out = []
    # By id alone, the status checked here: with the status in the query too, a planner
    # without fresh statistics (SQLite's never analysed; PostgreSQL's after a bulk import)
    # walks every waiting lead for each chunk.
    for i in range(0, len(ids), 500):
        out += [r for r in db.execute(select(*cols, Lead.status)
                                      .where(Lead.id.in_(ids[i:i + 500]))).all()
                if r.status in ROUTABLE]
    return out


def plan(net: Network, leads: list, weights: dict[str, int],
         excluded: dict[int, set[int]]) -> list[Placement]:
    """Each lead's placement, in order; the network's capacity and fair share move with it."""
    total = float(sum(weights.values())) or 1.0
    groups: dict[tuple, _Group] = {}
    states: dict[tuple, str | None] = {}
    out = []
    for lead in leads:
        place = (lead.country, lead.state)
        state = states[place] if place in states else states.setdefault(
            place, state_key(lead.country, lead.state))
        # Of the postal code, only the partners' prefixes it starts with count: leads in one
        # place share their candidates whatever their postal codes.
        key = (lead.country, state, _prefixes_of(net, lead.country, lead.postal_code),
               lead.region, lead.industry_key, lead.product_line_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _candidates(net, key, weights, total)
        out.append(_place(net, lead.id, group, weights, total,
                          excluded.get(lead.id, ())))
    return out


def _prefixes_of(net: Network, country: str, postal: str | None) -> tuple[str, ...]:
    """The postal-code prefixes of partners' territories in the country that the lead's postal
    code starts with, shortest first."""
    lengths = net.prefix_lengths.get(country)
    if not lengths:
        return ()
    code, prefixes = postal_key(postal), net.prefixes[country]
    return tuple(code[:n] for n in lengths if len(code) >= n and code[:n] in prefixes)


def _candidates(net: Network, key: tuple, weights: dict[str, int], total: float) -> _Group:
    country, state, postal, region, industry, line = key
    precision = np.zeros(net.size)
    for slots, level in ((net.regions.get(region), "region"),
                         (net.country_wide.get(country), "country"),
                         (net.states.get((country, state)), "state")):
        if slots is not None:
            precision[slots] = np.maximum(precision[slots], PRECISION[level])
    prefixes = net.prefixes.get(country, {})
    for prefix in postal:
        precision[prefixes[prefix]] = PRECISION["postal"]
    mask = precision > 0
    if industry:
        mask &= net.industries.get(industry, np.zeros(net.size, dtype=bool))
    certified = net.certified.get(line) if line else None
    if line:
        has = certified > 0 if certified is not None else np.zeros(net.size, dtype=bool)
        mask &= has | ~net.needs_cert
    slots = np.flatnonzero(mask)
    values = {"territory": precision[slots],
              "certified": (np.minimum(certified[slots] / 2.0, 1.0) if certified is not None
                            else np.zeros(len(slots))),
              **{f: net.values[f][slots] for f in STATIC}}
    parts = {f: weights[f] * values[f] / total for f in values}
    fixed = np.sum(list(parts.values()), axis=0) if slots.size else np.zeros(0)
    return _Group(slots, fixed, parts, precision[slots], ids=net.ids[slots],
                  table=np.array(list(parts.values())).reshape(len(parts), slots.size))


NO_FIT = "No partner's territory, industries and certifications fit this lead."
NO_ROOM = "Every partner that fits this lead is at capacity or has passed on it."


def _place(net: Network, lead_id: int, group: _Group, weights: dict[str, int], total: float,
           excluded: Iterable[int]) -> Placement:
    if group.slots.size == 0:
        return Placement(lead_id, None, None, None, {}, NO_FIT)
    if group.full:  # capacity only goes down during a batch
        return Placement(lead_id, None, None, None, {}, NO_ROOM)
    open_ = net.capacity_left[group.slots] > 0
    if not open_.any():
        group.full = True
        return Placement(lead_id, None, None, None, {}, NO_ROOM)
    if excluded:
        open_ &= ~np.isin(group.ids, list(excluded))
    choices = open_.nonzero()[0]
    if choices.size == 0:
        return Placement(lead_id, None, None, None, {}, NO_ROOM)
    slots = group.slots[choices]
    fair = weights["fairness"] * net.fairness(slots) / total
    score = group.fixed[choices] + fair
    # The order: the highest score (to 9 places), then the oldest last offer, then the lower
    # id. Only its first three are needed (the chosen partner and two runners-up): they are
    # among the candidates scoring at least the third-best score, so only those are sorted.
    rank = -score.round(9)
    near = (rank <= np.partition(rank, 2)[2]).nonzero()[0] if rank.size > 3 \
        else np.arange(rank.size)
    top = near[np.lexsort((group.ids[choices[near]], net.last_offer[slots[near]],
                           rank[near]))][:3]
    best = top[0]
    chosen = slots[best]
    net.capacity_left[chosen] -= 1
    net.recent[chosen] += 1
    net.last_offer[chosen] = np.inf  # just offered: last among equals in this batch
    points = group.table[:, choices[best]].tolist()
    parts = {f: round(100 * v, 1) for f, v in zip(group.parts, points, strict=True)}
    parts["fairness"] = round(100 * float(fair[best]), 1)
    explanation = {
        "weights": dict(weights), "parts": parts, "score": round(100 * float(score[best]), 1),
        "level": LEVELS[float(group.precision[choices[best]])],
        "runners_up": [{"partner_id": int(net.ids[slots[j]]), "partner": net.names[slots[j]],
                        "score": round(100 * float(score[j]), 1)} for j in top[1:]],
        "candidates": int(choices.size),
    }
    return Placement(lead_id, int(net.ids[chosen]), net.names[chosen],
                     round(100 * float(score[best]), 1), explanation)


def _write(db: Session, actor: Actor, report: RoutingReport, leads: dict, net: Network,
           now: datetime) -> RoutingReport:
    """The offers, the leads moved to "offered", one notification per partner, one audit
    event and one domain event for the batch."""
    batch = str(uuid.uuid4())
    routed, unrouted = report.routed, len(report.unrouted)  # each builds a list
    hours = dict(zip(net.ids.tolist(), net.accept_hours.tolist(), strict=True))
    rows = [{"lead_id": p.lead_id, "partner_id": p.partner_id,
             "status": OfferStatus.PENDING.value, "offered_at": now,
             "deadline_at": now + timedelta(hours=hours[p.partner_id]), "score": p.score,
             "explanation": p.explanation, "by_hand": False,
             "offered_by_user_id": actor.user_id} for p in routed]
    offer_ids = _insert_offers(db, rows)
    # Each lead from its new offer, an UPDATE ... FROM for a chunk of them (a statement a lead
    # cost four times as much on SQLite). offers + 1 in SQL is the count read with the lead:
    # whoever else counts offers (a hand assignment) holds the routing lock too.
    made = sorted(offer_ids.values())
    for i in range(0, len(made), WRITE_BATCH):
        db.execute(update(Lead).where(Lead.id == LeadOffer.lead_id,
                                      LeadOffer.id.in_(made[i:i + WRITE_BATCH]))
                   .values(status=LeadStatus.OFFERED.value, partner_id=LeadOffer.partner_id,
                           current_offer_id=LeadOffer.id, offers=Lead.offers + 1,
                           owner_user_id=None, updated_at=now)
                   .execution_options(synchronize_session=False))
    _notify_partners(db, routed, rows, batch, now)
    audit.record(db, actor, "lead.route", "lead_batch", None, after={
        "batch": batch, "offered": len(routed), "unrouted": unrouted,
        "partners": len({p.partner_id for p in routed})}, now=now)
    events.publish(db, LeadsOffered(actor=actor, at=now, offers=tuple(
        (p.lead_id, offer_ids[p.lead_id], p.partner_id) for p in routed)))
    return RoutingReport(report.placements, False, batch=batch)


def _insert_offers(db: Session, rows: list[dict]) -> dict[int, int]:
    """The offers in, in order: {lead id: offer id}. On PostgreSQL their ids are drawn from
    the table's sequence first and the rows go in as a plain executemany: an INSERT ...
    RETURNING of thousands of rows cost three times as much there (statements of thousands
    of parameters, parsed by the driver and planned by the server)."""
    if db.get_bind().dialect.name == "postgresql":
        ids = sorted(db.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('lead_offers', 'id')) "
            "FROM generate_series(1, :n)"), {"n": len(rows)}))
        for row, offer_id in zip(rows, ids, strict=True):
            row["id"] = offer_id
        for i in range(0, len(rows), WRITE_BATCH):
            db.execute(insert(LeadOffer), rows[i:i + WRITE_BATCH])
        return {row["lead_id"]: row["id"] for row in rows}
    offer_ids: dict[int, int] = {}
    for i in range(0, len(rows), WRITE_BATCH):
        for offer_id, lead_id in db.execute(
                insert(LeadOffer).returning(LeadOffer.id, LeadOffer.lead_id),
                rows[i:i + WRITE_BATCH]):
            offer_ids[lead_id] = offer_id
    return offer_ids


def _notify_partners(db: Session, routed: list[Placement], rows: list[dict], batch: str,
                     now: datetime) -> None:
    """Each partner offered leads is told once for the batch, with its first deadline (every
    active user; by e-mail too for those who take mail), in a few grouped statements."""
    deadlines: dict[int, list[datetime]] = {}
    for p, row in zip(routed, rows, strict=True):
        deadlines.setdefault(p.partner_id, []).append(row["deadline_at"])
    messages = {}
    for partner_id, due in deadlines.items():
        count = len(due)
        messages[partner_id] = (
            f"{count} new lead{'s' if count > 1 else ''} offered to you",
            f"Accept or reject by {min(due):%Y-%m-%d %H:%M} UTC; after that "
            f"{'they go' if count > 1 else 'it goes'} to another partner. Open Leads to see "
            f"{'them' if count > 1 else 'it'}.")
    notify_partners_at_once(db, messages, dedupe_key=f"lead-offers:{batch}",
                            link="pages/leads_inbox.py", now=now)


def max_offers(db: Session) -> int:
    return lead_setting(db, "max_offers")


def explain(explanation: dict, partner: str) -> list[str]:
    """An offer's explanation in words, biggest part first."""
    if not explanation:
        return []
    if explanation.get("by_hand"):
        return [f"Assigned to {partner} by hand: {explanation.get('reason', '')}"]
    parts = explanation.get("parts", {})
    level = explanation.get("level")
    others = explanation.get("candidates", 1) - 1
    score = explanation.get("score", sum(parts.values()))
    out = [f"{partner} scored {score:.1f} of 100, " + (
        f"the best of {others + 1} eligible partners." if others else
        "the only eligible partner with capacity.")]
    weights = explanation.get("weights", {})
    total = max(sum(weights.values()), 1)
    for factor, points in sorted(parts.items(), key=lambda kv: -kv[1]):
        if weights.get(factor, 0) == 0:
            continue
        where = f" (its territory matches by {level})" if factor == "territory" and level \
            else ""
        out.append(f"{FACTORS[factor][0]}: {points:.1f} of {weights[factor] * 100 / total:.1f} "
                   f"points{where}.")
    for runner in explanation.get("runners_up", []):
        out.append(f"Runner-up: {runner['partner']} with {runner['score']:.1f}.")
    return out
