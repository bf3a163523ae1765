"""What a match does to a registration: a new one that meets a possible or a real conflict
goes to the desk ("under review"), and only a clear one may be approved at once. The same
step runs again when the desk merges end customers or re-files a registration."""

from datetime import datetime

from sqlalchemy.orm import Session

from core.actor import Actor
from core.deals import conflicts
from core.deals.records import add_event, change_status
from core.deals.status import DealStatus
from db.models import DealRegistration

S = DealStatus
ROUTING = "deal-routing"


def apply_matches(db: Session, deal: DealRegistration, found: list[conflicts.Found],
                  actor: Actor, now: datetime, *, why: str) -> bool:
    """Record the strongest verdict on the deal; send a waiting one that now matches to
    review, with the matches on the desk-only timeline. True when anything matched."""
    verdict, score = conflicts.strongest(found)
    deal.match_verdict, deal.match_score = verdict, score
    if not found:
        return False
    if deal.status == S.SUBMITTED:
        change_status(db, deal, Actor.system(ROUTING), S.UNDER_REVIEW,
                      "The deal desk is reviewing it.", now=now)
    # Internal: names other partners and direct sales, so never shown to the partner.
    add_event(db, deal, actor, "status", f"{why}: {verdict} (score {score}). Matches "
              + "; ".join(conflicts.describe(f) for f in found[:10])
              + (f"; and {len(found) - 10} more" if len(found) > 10 else "") + ".",
              now=now, internal=True)
    return True


def recheck(db: Session, deal: DealRegistration, actor: Actor, now: datetime, *,
            why: str) -> None:
    """Run matching again for an open registration after its customer changed."""
    if deal.status not in {s.value for s in conflicts.OPEN}:
        return
    db.flush()
    apply_matches(db, deal, conflicts.deal_check(db, deal), actor, now, why=why)
