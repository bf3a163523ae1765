"""Scorecard facts follow the work: a deal's change refreshes its partner's months, a sign-in
adds its user to the partner's month (core.analytics.facts says how each is counted)."""

from sqlalchemy.orm import Session

from core.accounts import UserSignedIn
from core.analytics.facts import add_sign_in, months_touched, refresh_partner
from core.deals.events import DealChanged, DealRegistered
from core.events import subscriber
from db.models import DealRegistration


@subscriber(DealRegistered)
@subscriber(DealChanged)
def deal_facts(db: Session, event: DealRegistered | DealChanged) -> None:
    deal = db.get(DealRegistration, event.deal_id)
    refresh_partner(db, deal.partner_id, months_touched(deal))


@subscriber(UserSignedIn)
def active_user(db: Session, event: UserSignedIn) -> None:
    if event.partner_id is not None:
        add_sign_in(db, event.partner_id, event.user_id, event.at)
