"""Protection expiry and the 14- and 3-day reminders, with the clock injected."""

from datetime import timedelta

from sqlalchemy.orm import Session

from core.audit import AuditFilter, list_events
from core.deals import (
    PROTECTION_JOB,
    DealStatus,
    approve_deal,
    decide_extension,
    get_deal,
    mark_won,
    request_extension,
    run_deal_protection,
)
from core.jobs import registered, run_due
from core.notifications import list_notifications
from db.models import DealRegistration
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register

S = DealStatus
ENDS = NOW + timedelta(days=60)  # a Registered-tier partner's protection


def approved(db, username="p01.rep1", **over) -> int:
    deal = register(db, username, **over)
    approve_deal(db, actor_for(db, "channel2"), deal.id, now=NOW)
    db.commit()
    return deal.id


def run(db, at) -> str:
    message = run_deal_protection(db, at)
    db.commit()
    return message


def reminders(db, username: str) -> list[str]:
    return [n.subject for n in list_notifications(db, actor_for(db, username))
            if "protection ends" in n.subject]


def test_reminders_14_and_3_days_before_each_sent_once(seeded_db):
    deal_id = approved(seeded_db)
    assert run(seeded_db, ENDS - timedelta(days=20)) == "0 expired, 0 reminders sent"
    # The owner and the partner admin are reminded; the other rep, who cannot see it, is not.
    assert run(seeded_db, ENDS - timedelta(days=13)) == "0 expired, 2 reminders sent"
    assert run(seeded_db, ENDS - timedelta(days=13)) == "0 expired, 0 reminders sent"
    assert run(seeded_db, ENDS - timedelta(days=10)) == "0 expired, 0 reminders sent"
    assert run(seeded_db, ENDS - timedelta(days=2)) == "0 expired, 2 reminders sent"
    assert run(seeded_db, ENDS - timedelta(days=1)) == "0 expired, 0 reminders sent"
    subject = f"Deal #{deal_id} protection ends on 2027-01-25: Acme Corporation Inc."
    assert reminders(seeded_db, "p01.rep1") == [subject, subject]
    assert len(reminders(seeded_db, "p01.admin")) == 2
    assert reminders(seeded_db, "p01.rep2") == []


def test_a_job_that_missed_the_14_day_mark_sends_only_the_3_day_reminder(seeded_db):
    approved(seeded_db)
    assert run(seeded_db, ENDS - timedelta(days=1)) == "0 expired, 2 reminders sent"


def test_approved_registrations_expire_at_the_end_of_protection_once(seeded_db):
    deal_id = approved(seeded_db)
    assert run(seeded_db, ENDS - timedelta(seconds=1)).startswith("0 expired")
    assert run(seeded_db, ENDS) == "1 expired, 0 reminders sent"
    assert run(seeded_db, ENDS + timedelta(hours=1)) == "0 expired, 0 reminders sent"
    deal = get_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), deal_id, now=ENDS)
    assert deal.deal.status == S.EXPIRED and deal.deal.days_left is None
    assert deal.timeline[-1].text == "Expired. Protection ended on 2027-01-25."
    assert deal.timeline[-1].actor == "System"
    expired = [n for n in list_notifications(seeded_db, actor_for(seeded_db, "p01.rep1"))
               if "expired" in n.subject]
    assert len(expired) == 1
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.expire"))
    assert [(e.actor, e.before["status"], e.after["status"]) for e in events] == [
        (f"system:{PROTECTION_JOB}", "approved", "expired")]


def test_won_and_pending_registrations_do_not_expire(seeded_db):
    won = approved(seeded_db)
    mark_won(seeded_db, actor_for(seeded_db, "p01.rep1"), won, "1000",
             now=NOW + timedelta(days=3))
    pending = register(seeded_db, "p02.rep1", company="Globex", website="globex.com",
                       contact_email="h@globex.com")
    seeded_db.commit()
    assert run(seeded_db, ENDS + timedelta(days=365)) == "0 expired, 0 reminders sent"
    assert seeded_db.get(DealRegistration, won).status == S.WON
    assert seeded_db.get(DealRegistration, pending.id).status == S.SUBMITTED


def test_a_granted_extension_moves_expiry_and_earns_fresh_reminders(seeded_db):
    deal_id = approved(seeded_db)
    assert run(seeded_db, ENDS - timedelta(days=13)) == "0 expired, 2 reminders sent"
    request_extension(seeded_db, actor_for(seeded_db, "p01.rep1"), deal_id,
                      now=ENDS - timedelta(days=13))
    decide_extension(seeded_db, actor_for(seeded_db, "channel2"), deal_id, True,
                     now=ENDS - timedelta(days=12))
    seeded_db.commit()
    assert run(seeded_db, ENDS) == "0 expired, 0 reminders sent"  # 30 days left now
    assert run(seeded_db, ENDS + timedelta(days=17)) == "0 expired, 2 reminders sent"
    assert run(seeded_db, ENDS + timedelta(days=30)) == "1 expired, 0 reminders sent"


def test_the_job_is_registered_and_runs_through_the_runner(seeded):
    assert PROTECTION_JOB in [j.name for j in registered()]
    with Session(seeded) as db:
        approved(db)
    first = run_due(seeded, now=ENDS - timedelta(days=13), only=[PROTECTION_JOB])
    again = run_due(seeded, now=ENDS - timedelta(days=13, minutes=-30), only=[PROTECTION_JOB])
    later = run_due(seeded, now=ENDS + timedelta(hours=1), only=[PROTECTION_JOB])
    assert [(r.outcome, r.message) for r in first] == [("ok", "0 expired, 2 reminders sent")]
    assert [r.outcome for r in again] == ["not_due"]  # hourly
    assert [(r.outcome, r.message) for r in later] == [("ok", "1 expired, 0 reminders sent")]
