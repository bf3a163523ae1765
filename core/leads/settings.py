"""What the admin sets for the lead program: each routing factor's weight and the program's
settings (offers before a lead returns to the vendor queue). Missing rows read as defaults."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import RuleViolation
from core.permissions import require
from db.models import LeadRoutingWeight, LeadSetting
from db.types import utcnow

# factor -> (label, what it measures, in words for the weights page and the explanations)
FACTORS: dict[str, tuple[str, str]] = {
    "territory": ("Territory precision",
                  "How closely the partner's territory fits the lead: a postal-code prefix "
                  "(full points) over a state (3/4) over the whole country (1/2) over the "
                  "region it serves (1/4)."),
    "tier": ("Tier", "The tier's lead weight, against the highest tier's."),
    "win_rate": ("Win rate", "Deals won of the deals won or lost in the last 12 months "
                             "(smoothed: a partner with few closed deals counts near half)."),
    "acceptance": ("Lead acceptance", "Offers accepted of the offers answered or left to lapse "
                                      "in the last 12 months (smoothed the same way)."),
    "response": ("Response time", "The median hours to answer an offer in the last 12 months, "
                                  "against the hours the tier gives (faster scores higher; "
                                  "no answers yet: half)."),
    "conversion": ("Conversion", "Accepted leads converted into deals of those converted or "
                                 "disqualified in the last 12 months (smoothed)."),
    "certified": ("Certified in the product line",
                  "Users certified on a track that covers the lead's product line (two or "
                  "more: full points; none when the lead names no product line)."),
    "fairness": ("Fair share", "Fewer offers in the last 30 days score higher, so that leads "
                               "spread among comparable partners."),
}
DEFAULT_WEIGHTS = {"territory": 30, "tier": 15, "win_rate": 15, "acceptance": 10,
                   "response": 10, "conversion": 10, "certified": 10, "fairness": 20}
MAX_WEIGHT = 100

SETTINGS: dict[str, tuple[str, int, int, int]] = {
    # name -> (label, default, lowest, highest)
    "max_offers": ("Offers before a lead returns to the vendor queue", 3, 1, 20),
}


def routing_weights(db: Session) -> dict[str, int]:
    kept = dict(db.execute(select(LeadRoutingWeight.factor, LeadRoutingWeight.weight)).all())
    return {f: kept.get(f, DEFAULT_WEIGHTS[f]) for f in FACTORS}


def lead_setting(db: Session, name: str) -> int:
    row = db.get(LeadSetting, name)
    return row.value if row is not None else SETTINGS[name][1]


def set_routing(db: Session, actor: Actor, weights: Mapping[str, Any],
                settings: Mapping[str, Any] | None = None, *,
                now: datetime | None = None) -> dict[str, int]:
    """The admin sets the weights (whole numbers 0 to 100, at least one above 0) and the
    settings; audited; the next routing uses them."""
    require(actor, "lead.settings")
    checked = {f: _whole(weights[f], f, FACTORS[f][0], 0, MAX_WEIGHT)
               for f in weights if _known(f, FACTORS)}
    values = {n: _whole(v, n, SETTINGS[n][0], SETTINGS[n][2], SETTINGS[n][3])
              for n, v in (settings or {}).items() if _known(n, SETTINGS)}
    weights_before = routing_weights(db)
    before = {**weights_before, **{n: lead_setting(db, n) for n in SETTINGS}}
    after_weights = weights_before | checked
    if not any(after_weights.values()):
        raise RuleViolation("Give at least one factor a weight above 0.", field="weights")
    for factor, weight in checked.items():
        row = db.get(LeadRoutingWeight, factor)
        if row is None:
            db.add(LeadRoutingWeight(factor=factor, weight=weight))
        else:
            row.weight = weight
    for name, value in values.items():
        row = db.get(LeadSetting, name)
        if row is None:
            db.add(LeadSetting(name=name, value=value))
        else:
            row.value = value
    db.flush()
    after = {**before, **after_weights, **values}
    audit.record(db, actor, "lead.routing_settings", "lead_routing", None, before=before,
                 after=after, now=now or utcnow())
    return after


def _known(name: Any, table: Mapping) -> bool:
    if name not in table:
        raise RuleViolation(f"There is no setting {str(name)[:30]!r}.", field=str(name)[:30])
    return True


def _whole(value: Any, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleViolation(f"Give {label[0].lower()}{label[1:]} a whole number from {low} to "
                            f"{high}.", field=field)
    return value
