"""Currency rates: one unit of a currency in the base currency, from a day on, kept by the
admin and finance. A POS line is converted at the rate of its invoice date (the latest rate
on or before it); a line with none waits in the exceptions."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import RuleViolation
from core.permissions import require
from core.settings import get_settings
from db.models import CurrencyRate
from db.types import utcnow


@dataclass(frozen=True)
class RateOut:
    currency: str
    valid_on: date
    rate: Decimal


def list_rates(db: Session, actor: Actor) -> list[RateOut]:
    require(actor, "pos.view")
    return [RateOut(c, d, Decimal(r)) for c, d, r in db.execute(
        select(CurrencyRate.currency, CurrencyRate.valid_on, CurrencyRate.rate)
        .order_by(CurrencyRate.currency, CurrencyRate.valid_on.desc()))]


def set_rate(db: Session, actor: Actor, currency: str, valid_on: date, rate: str | Decimal, *,
             now: datetime | None = None) -> RateOut:
    require(actor, "rates.manage")
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise RuleViolation("Enter the currency's three-letter code, e.g. EUR.",
                            field="currency")
    if code == get_settings().base_currency:
        raise RuleViolation(f"{code} is the base currency: its rate is 1.", field="currency")
    try:
        value = Decimal(str(rate).strip().replace(",", "."))
    except InvalidOperation:
        raise RuleViolation("Enter the rate as a number, e.g. 1.0825.", field="rate") from None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -8:
        raise RuleViolation("The rate is above 0, with at most 8 decimals.", field="rate")
    found = db.get(CurrencyRate, (code, valid_on))
    before = {"rate": found.rate} if found else None
    if found is None:
        found = CurrencyRate(currency=code, valid_on=valid_on, created_at=now or utcnow())
        db.add(found)
    found.rate = format(value.normalize(), "f")
    db.flush()
    audit.record(db, actor, "pos.rate", "currency_rate", f"{code}:{valid_on}", before=before,
                 after={"rate": found.rate}, now=now)
    return RateOut(code, valid_on, Decimal(found.rate))
