"""Scorecard facts follow the work: a deal's change refreshes its partner's months, a sign-in
adds its user to the partner's month, a completed course refreshes its partner's months, and a
certification's change moves the partner's version (certified users are read from the
certifications: core.analytics.kpis), money allocated to or paid to a partner moves its
version too (the fund figures are read from the fund ledger: core.analytics.kpis), and lead
offers, answers and outcomes refresh their
partners' lead measures (core.analytics.lead_facts). core.analytics.facts says how each is
counted."""

from sqlalchemy.orm import Session

from core.accounts import UserSignedIn
from core.analytics.facts import (
    add_sign_in,
    bump_version,
    bump_versions,
    months_touched,
    refresh_partner,
)
from core.analytics.lead_facts import refresh_lead_months
from core.deals.events import DealChanged, DealRegistered
from core.events import subscriber
from core.funds.events import FundClaimPaid, FundsAllocated
from core.incentives.events import IncentivePaid
from core.leads.events import LeadClosed, LeadOfferAnswered, LeadsOffered
from core.portal.events import AnnouncementRead as PortalRead
from core.portal.events import AssetDownloaded
from core.pos.events import PosLinesAdded
from core.training.events import CertificationChanged, CourseCompleted
from db import locks
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


@subscriber(CourseCompleted)
def course_facts(db: Session, event: CourseCompleted) -> None:
    # Every month of the partner: a course taken again moves its completion out of a month.
    if event.partner_id is not None:
        refresh_partner(db, event.partner_id)


@subscriber(CertificationChanged)
def certified_users(db: Session, event: CertificationChanged) -> None:
    # Nothing is stored; cached figures keyed by the partner's version must follow.
    locks.hold(db, f"analytics:{event.partner_id}")
    bump_version(db, event.partner_id)


@subscriber(LeadsOffered)
def lead_offers(db: Session, event: LeadsOffered) -> None:
    refresh_lead_months(db, {partner for _, _, partner in event.offers}, [event.at])


@subscriber(LeadOfferAnswered)
def lead_answer(db: Session, event: LeadOfferAnswered) -> None:
    refresh_lead_months(db, [event.partner_id], [event.at])


@subscriber(LeadClosed)
def lead_outcome(db: Session, event: LeadClosed) -> None:
    if event.partner_id is not None:
        refresh_lead_months(db, [event.partner_id], [event.at])


@subscriber(FundsAllocated)
def fund_allocations(db: Session, event: FundsAllocated) -> None:
    partners = sorted({partner for partner, _ in event.amounts})
    locks.hold_many(db, [f"analytics:{p}" for p in partners])
    bump_versions(db, partners)


@subscriber(FundClaimPaid)
def fund_payment(db: Session, event: FundClaimPaid) -> None:
    locks.hold(db, f"analytics:{event.partner_id}")
    bump_version(db, event.partner_id)


@subscriber(PosLinesAdded)
def pos_lines(db: Session, event: PosLinesAdded) -> None:
    # Read from the POS lines (core.analytics.kpis.pos_figures): cached figures must follow.
    partners = sorted(event.partner_ids)
    locks.hold_many(db, [f"analytics:{p}" for p in partners])
    bump_versions(db, partners)


@subscriber(AssetDownloaded)
@subscriber(PortalRead)
def portal_engagement(db: Session, event: AssetDownloaded | PortalRead) -> None:
    # Read from the downloads and reads (core.analytics.kpis.portal_figures).
    locks.hold(db, f"analytics:{event.partner_id}")
    bump_version(db, event.partner_id)


@subscriber(IncentivePaid)
def incentive_payment(db: Session, event: IncentivePaid) -> None:
    # Read from the incentive ledger (core.analytics.kpis.incentive_paid).
    locks.hold(db, f"analytics:{event.partner_id}")
    bump_version(db, event.partner_id)
