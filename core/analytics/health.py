"""Partner health: one score 0-100 from weighted KPIs, its trend, and the reasons for a fall
in words ("win rate 18%, down from 41%").

Each KPI is scored against the benchmark of the period, the median over the partners with any
activity in it: the median scores 50, twice as good (or better) 100, nothing 0 (for a KPI
where less is better, half the median's value scores 100). A KPI without a value (a win rate
with no closed deal), or whose benchmark is nothing (no partner had any), is left out and the
others' weights count for it. A reason for a fall names a KPI whose score fell *and* whose
value moved the wrong way. The health is the
weighted average of the scores; the trend compares it with the previous period's, scored
against that period's benchmark."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.analytics.kpis import KPI_BY_KEY, KPIS, Kpi, Period, Totals, totals
from core.errors import NotFound, RuleViolation
from core.money import format_money
from core.permissions import require
from core.settings import get_settings
from db.models import HealthWeight, Partner
from db.types import utcnow

# What each KPI weighs in health until the admin says otherwise (health_weights).
DEFAULT_WEIGHTS: dict[str, int] = {
    "pipeline": 20, "won_revenue": 30, "win_rate": 20, "deal_size": 0, "days_to_won": 10,
    "approved": 0, "rejected": 0, "active_users": 20,
}
REASONS = 3  # the top reasons shown for a fall


@dataclass(frozen=True)
class Health:
    score: int | None  # None: no KPI had a value
    previous: int | None
    reasons: tuple[str, ...]  # why it fell, biggest first; empty when it did not

    @property
    def trend(self) -> int | None:
        return None if self.score is None or self.previous is None else \
            self.score - self.previous


def benchmarks(all_totals: Mapping[int, Totals]) -> dict[str, float | None]:
    """The median of each KPI over the partners with a value for it."""
    out: dict[str, float | None] = {}
    for kpi in KPIS:
        found = [float(v) for v in (kpi.value(t) for t in all_totals.values()) if v is not None]
        out[kpi.key] = median(found) if found else None
    return out


def kpi_score(kpi: Kpi, value, bench: float | None) -> float | None:
    if value is None or not bench:  # no value, or nothing to measure it against
        return None
    value = float(value)
    ratio = value / bench if kpi.higher_is_better else (bench / value if value else 2.0)
    return max(0.0, min(100.0, 50.0 * ratio))


def _weighted(parts: list[tuple[float | None, int]]) -> int | None:
    parts = [(s, w) for s, w in parts if s is not None]
    total = sum(w for _, w in parts)
    return round(sum(s * w for s, w in parts) / total) if total else None


def health(mine: Totals, before: Totals, bench: Mapping[str, float | None],
           bench_before: Mapping[str, float | None],
           weights: Mapping[str, int] = DEFAULT_WEIGHTS) -> Health:
    # One pass: each weighed KPI's value and score, now and before (the channel team's page
    # does this for every partner).
    rows = []
    for kpi in KPIS:
        if (weight := weights.get(kpi.key, 0)) > 0:
            new_value, old_value = kpi.value(mine), kpi.value(before)
            rows.append((kpi, weight, new_value, old_value,
                         kpi_score(kpi, new_value, bench.get(kpi.key)),
                         kpi_score(kpi, old_value, bench_before.get(kpi.key))))
    now = _weighted([(new, w) for _, w, _, _, new, _ in rows])
    then = _weighted([(old, w) for _, w, _, _, _, old in rows])
    if now is None or then is None or now >= then:
        return Health(now, then, ())
    falls = sorted(((old - new) * w, kpi.key, kpi, nv, ov)
                   for kpi, w, nv, ov, new, old in rows
                   if new is not None and old is not None and new < old
                   and _worse(kpi, nv, ov))
    reasons = tuple(_reason(kpi, nv, ov) for _, _, kpi, nv, ov in reversed(falls))
    return Health(now, then, reasons[:REASONS])


def _worse(kpi: Kpi, value, before) -> bool:
    """The value itself moved the wrong way (its score can fall with a value that rose, when
    the benchmark rose more: that is no reason to give)."""
    return value < before if kpi.higher_is_better else value > before


def _reason(kpi: Kpi, value, before) -> str:
    # Less is better for some KPIs: their fall in health is a rise in value.
    way = "up" if value > before else "down"
    return f"{kpi.label[0].lower()}{kpi.label[1:]} {shown(kpi, value)}, {way} from " \
           f"{shown(kpi, before)}"


def shown(kpi: Kpi, value) -> str:
    """A KPI's value as a person reads it."""
    if value is None:
        return "none"
    if kpi.unit == "percent":
        return f"{float(value):.0%}"
    if kpi.unit == "money":
        return format_money(Decimal(value), get_settings().base_currency, symbol=False)
    if kpi.unit == "days":
        return f"{float(value):.0f} days"
    return f"{value:,}"


# ---------------------------------------------------------------- the weights

MAX_WEIGHT = 100


def health_weights(db: Session) -> dict[str, int]:
    """What each KPI weighs: the admin's, else the default."""
    kept = dict(db.execute(select(HealthWeight.kpi, HealthWeight.weight)).all())
    return {k.key: kept.get(k.key, DEFAULT_WEIGHTS.get(k.key, 0)) for k in KPIS}


def set_health_weights(db: Session, actor: Actor, weights: Mapping[str, object], *,
                       now: datetime | None = None) -> dict[str, int]:
    """The admin sets what each KPI weighs (whole numbers 0 to 100; at least one above 0).
    Audited; every partner's health follows at its next read."""
    require(actor, "health.weights")
    checked: dict[str, int] = {}
    for key, value in weights.items():
        if key not in KPI_BY_KEY:
            raise RuleViolation(f"There is no KPI {str(key)[:30]!r}.", field=str(key)[:30])
        if isinstance(value, bool) or not isinstance(value, int) or not \
                0 <= value <= MAX_WEIGHT:
            raise RuleViolation(f"Give {KPI_BY_KEY[key].label.lower()} a whole number from 0 "
                                f"to {MAX_WEIGHT}.", field=key)
        checked[key] = value
    before = health_weights(db)
    after = before | checked
    if not any(after.values()):
        raise RuleViolation("Give at least one KPI a weight above 0.", field="weights")
    for key, value in checked.items():
        row = db.get(HealthWeight, key)
        if row is None:
            db.add(HealthWeight(kpi=key, weight=value))
        else:
            row.weight = value
    audit.record(db, actor, "analytics.health_weights", "health_weights", None,
                 before=before, after=after, now=now or utcnow())
    db.flush()
    return after


# ---------------------------------------------------------------- reading it


def partner_health(db: Session, actor: Actor, partner_id: int, period: Period) -> Health:
    """A partner's health for the period (the vendor's view: it rests on every partner's
    figures, through the benchmarks)."""
    require(actor, "health.view")
    if not isinstance(partner_id, int) or db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    now, before = totals(db, period), totals(db, period.previous())
    return health(now.get(partner_id, Totals()), before.get(partner_id, Totals()),
                  benchmarks(now), benchmarks(before), health_weights(db))
