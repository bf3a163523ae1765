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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.analytics.kpis import (
    KPI_BY_KEY,
    KPIS,
    Kpi,
    Totals,
    frame_of,
    kpi_frame,
    totals_frame,
)
from core.analytics.periods import Period
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
    # Training weighs nothing until the admin says so: a vendor without a catalog yet would
    # see every partner's health fall.
    "certified_users": 0, "courses_completed": 0,
    # Leads likewise, until the vendor routes leads at all.
    "lead_offers": 0, "lead_acceptance": 0, "lead_response_hours": 0, "lead_conversion": 0,
    "lead_lapsed": 0,
    # Funds likewise: most partners hold no allocation.
    "mdf_allocated": 0, "mdf_paid": 0, "mdf_utilisation": 0, "mdf_roi": 0,
    # And sell-through, until partners report it.
    "pos_revenue": 0,
    # And incentives, a cost rather than a sign of health.
    "incentives_paid": 0,
    # And portal engagement, until partners have a library to use.
    "portal_engagement": 0,
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


def benchmarks(all_totals: Mapping[int, Totals] | pd.DataFrame) -> dict[str, float | None]:
    """The median of each KPI over the partners with a value for it (the partners given:
    those with any fact in the period)."""
    frame = all_totals if isinstance(all_totals, pd.DataFrame) else frame_of(dict(all_totals))
    return {key: None if pd.isna(v) else float(v)
            for key, v in kpi_frame(frame).median().items()}


def score_frame(kpis: pd.DataFrame, bench: Mapping[str, float | None],
                keys: Iterable[str]) -> pd.DataFrame:
    """Each KPI's score per partner (NaN: no value, or nothing to measure it against)."""
    out = {}
    for key in keys:
        kpi, mark, value = KPI_BY_KEY[key], bench.get(key), kpis[key]
        if not mark:
            out[key] = pd.Series(float("nan"), index=kpis.index)
            continue
        ratio = value / mark if kpi.higher_is_better else (mark / value).where(value != 0, 2.0)
        out[key] = (50.0 * ratio).clip(0.0, 100.0)
    return pd.DataFrame(out, index=kpis.index, dtype="float64")


def kpi_score(kpi: Kpi, value, bench: float | None) -> float | None:
    score = score_frame(pd.DataFrame({kpi.key: [float("nan") if value is None else
                                                float(value)]}),
                        {kpi.key: bench}, [kpi.key]).iloc[0, 0]
    return None if pd.isna(score) else float(score)


def weighted(scores: pd.DataFrame, weights: Mapping[str, int]) -> pd.Series:
    """The weighted average of each partner's scores, rounded (NaN: no score at all); a KPI
    without a score leaves its weight to the others."""
    w = pd.Series({k: weights[k] for k in scores.columns}, dtype="float64")
    counted = scores.notna().mul(w).sum(axis=1)
    return (scores.fillna(0.0).mul(w).sum(axis=1) / counted.where(counted > 0)).round()


@dataclass(frozen=True)
class Scored:
    """Every partner's health now and before, and what each KPI's fall weighed (0: no reason
    for a fall), from the period's and the previous period's totals."""

    score: pd.Series
    previous: pd.Series
    falls: pd.DataFrame
    now: pd.DataFrame  # KPI values
    before: pd.DataFrame

    def health(self, partner_id: int) -> Health:
        now, then = _int(self.score[partner_id]), _int(self.previous[partner_id])
        return Health(now, then, self.reasons([partner_id])[partner_id])

    def reasons(self, partner_ids: list[int]) -> dict[int, tuple[str, ...]]:
        """Why each partner's health fell, biggest first (none when it did not)."""
        keys = list(self.falls.columns)
        falls = self.falls.loc[partner_ids].to_numpy()
        now, before = self.now.loc[partner_ids].to_numpy(), self.before.loc[partner_ids].to_numpy()
        score, previous = self.score.loc[partner_ids].to_numpy(), \
            self.previous.loc[partner_ids].to_numpy()
        out = {}
        for i, partner_id in enumerate(partner_ids):
            if not score[i] < previous[i]:  # held, rose, or no score to compare
                out[partner_id] = ()
                continue
            order = sorted((j for j in range(len(keys)) if falls[i][j] > 0),
                           key=lambda j, row=falls[i]: -row[j])[:REASONS]
            out[partner_id] = tuple(_reason(KPI_BY_KEY[keys[j]], now[i][j], before[i][j])
                                    for j in order)
        return out


def score_all(now: pd.DataFrame, before: pd.DataFrame, weights: Mapping[str, int],
              partner_ids: Iterable[int] | None = None) -> Scored:
    """Health for the partners given (default: those in `now` or `before`), each KPI
    benchmarked against the partners with any fact in its period (`now`'s and `before`'s
    rows: `totals_frame`)."""
    ids = list(partner_ids) if partner_ids is not None else now.index.union(before.index)
    return _scored(now.reindex(ids, fill_value=0.0), before.reindex(ids, fill_value=0.0),
                   benchmarks(now), benchmarks(before), weights)


def health(mine: Totals, before: Totals, bench: Mapping[str, float | None],
           bench_before: Mapping[str, float | None],
           weights: Mapping[str, int] = DEFAULT_WEIGHTS) -> Health:
    """One partner's health against benchmarks already known."""
    return _scored(frame_of({0: mine}), frame_of({0: before}), bench, bench_before,
                   weights).health(0)


def _scored(now: pd.DataFrame, before: pd.DataFrame, bench: Mapping[str, float | None],
            bench_before: Mapping[str, float | None], weights: Mapping[str, int]) -> Scored:
    keys = [k.key for k in KPIS if weights.get(k.key, 0) > 0]
    now_kpis, before_kpis = kpi_frame(now)[keys], kpi_frame(before)[keys]
    scores = score_frame(now_kpis, bench, keys)
    scores_before = score_frame(before_kpis, bench_before, keys)
    # A reason names a KPI whose score fell *and* whose value moved the wrong way.
    worse = pd.DataFrame({k: now_kpis[k] < before_kpis[k] if KPI_BY_KEY[k].higher_is_better
                          else now_kpis[k] > before_kpis[k] for k in keys},
                         index=now.index, dtype=bool)
    weight = pd.Series({k: weights[k] for k in keys}, dtype="float64")
    falls = ((scores_before - scores) * weight).where(worse & (scores < scores_before), 0.0)
    return Scored(weighted(scores, weights), weighted(scores_before, weights),
                  falls.fillna(0.0), now_kpis, before_kpis)


def _int(value) -> int | None:
    return None if pd.isna(value) else int(value)


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
    """A KPI's value as a person reads it (from a Totals' Decimal or int, or a frame's
    float)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "none"
    if kpi.unit == "percent":
        return f"{float(value):.0%}"
    if kpi.unit == "money":
        cents = Decimal(str(value)).quantize(Decimal("0.01"))
        return format_money(cents, get_settings().base_currency, symbol=False)
    if kpi.unit == "days":
        return f"{float(value):.0f} days"
    if kpi.unit == "hours":
        return f"{float(value):.1f} hours"
    return f"{round(value):,}"


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
    return score_all(totals_frame(db, period), totals_frame(db, period.previous()),
                     health_weights(db), [partner_id]).health(partner_id)
