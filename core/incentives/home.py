"""Incentive queues on Home: statements waiting for finance's approval or payment, drafts
waiting to be published, and a partner admin's approved incentives not yet paid."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.home import Waiting, counted, queue
from core.incentives import ledger
from core.incentives.periods import quarter_of
from core.permissions import can
from db.models import IncentiveEntry, IncentiveProgram, IncentiveStatement

E = IncentiveEntry


def _waiting(db: Session, since, partner_id: int | None = None) -> tuple[int, int]:
    """(statements with accruals not approved, statements approved and not fully paid; for a
    partner: with money coming to it), of the quarters from `since` on."""
    of = ledger.summed
    per = select(E.statement_id, (of("accrue") - of("approve")).label("pending"),
                 (of("approve") - of("pay")).label("owed")).join(
        IncentiveStatement, IncentiveStatement.id == E.statement_id).where(
        IncentiveStatement.starts_on >= since).group_by(E.statement_id)
    if partner_id is not None:
        per = per.where(E.partner_id == partner_id)
    per = per.subquery()
    owed = per.c.owed > 0 if partner_id is not None else per.c.owed != 0
    row = db.execute(select(func.count().filter(per.c.pending != 0),
                            func.count().filter(owed)).select_from(per)).one()
    return int(row[0] or 0), int(row[1] or 0)


@queue
def incentive_queues(db: Session, actor: Actor, now: datetime) -> list[Waiting]:
    out = []
    # The last two years' quarters: older statements are settled or written off by then,
    # and Home should not add up the whole ledger on every visit.
    since = quarter_of(now.date() - timedelta(days=730)).starts_on
    if can(actor, "incentive.approve") or can(actor, "incentive.pay"):
        pending, owed = _waiting(db, since)
        out += [counted("Incentive statements waiting for approval", pending,
                        "incentive_statements"),
                counted("Approved incentive statements to pay", owed, "incentive_statements")]
    if can(actor, "incentive.programs") and actor.is_vendor:
        drafts = db.scalar(select(func.count()).select_from(IncentiveProgram).where(
            IncentiveProgram.status == "draft")) or 0
        out.append(counted("Incentive programs not yet published", drafts,
                           "incentive_programs"))
    if can(actor, "incentive.view") and actor.partner_id is not None:
        _, owed = _waiting(db, since, actor.partner_id)
        out.append(counted("Incentive statements approved, payment to come", owed,
                           "incentive_statements"))
    return out
