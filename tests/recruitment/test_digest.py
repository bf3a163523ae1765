"""The channel managers' digest of new applications: one notification per manager and
interval, not one per application; on SQLite and PostgreSQL."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.jobs import registered, run_due
from core.recruitment import QUEUE_PAGE, reject_application, send_application_digest
from core.recruitment.digest import JOB_NAME
from db.models import Notification, PartnerApplication, User
from tests.conftest import NOW, actor_for
from tests.recruitment.test_recruitment import (
    DEMO_APPLICATIONS,
    app_id,
    company,
    count,
    submit,
)


def digests(db) -> list[tuple[str, str, str]]:
    return sorted(db.execute(
        select(User.username, Notification.subject, Notification.body)
        .join(User, User.id == Notification.user_id)
        .where(Notification.dedupe_key.like("application-digest:%"))).all())


def test_two_applications_make_one_notification_per_manager(seeded_db):
    first = submit(seeded_db, company(1), ref="s1")
    second = submit(seeded_db, company(2), ref="s2", now=NOW + timedelta(minutes=5))
    assert count(seeded_db, Notification) == 0  # nothing at submit

    message = send_application_digest(seeded_db, now=NOW + timedelta(hours=1))
    assert message == "2 new application(s) in the digest to 2 channel manager(s)"
    sent = digests(seeded_db)
    assert [(u, s) for u, s, _ in sent] == [("channel", "2 new partner applications"),
                                            ("channel2", "2 new partner applications")]
    body = sent[0][2]
    assert "2 new partner applications wait for review" in body
    assert "Widget Works 1 (DE, Reseller, " + first.reference in body
    assert "Widget Works 2 (DE, Reseller, " + second.reference in body
    note = seeded_db.scalar(select(Notification))
    assert note.link == QUEUE_PAGE
    digested = seeded_db.scalars(select(PartnerApplication.digested_at).where(
        PartnerApplication.reference.in_([first.reference, second.reference]))).all()
    assert digested == [NOW + timedelta(hours=1)] * 2
    # The demo partners' applications were digested long ago: in no digest now.
    assert seeded_db.scalar(select(func.count()).select_from(PartnerApplication).where(
        PartnerApplication.digested_at < NOW)) == DEMO_APPLICATIONS

    # Run again: nothing new, nothing sent.
    assert send_application_digest(seeded_db, now=NOW + timedelta(hours=2)) == \
        "no new applications"
    assert len(digests(seeded_db)) == 2

    # A later application is the next digest's, alone.
    third = submit(seeded_db, company(3), ref="s3", now=NOW + timedelta(hours=2))
    send_application_digest(seeded_db, now=NOW + timedelta(hours=3))
    later = [(u, s, b) for u, s, b in digests(seeded_db)
             if s == "New partner application: Widget Works 3"]
    assert [u for u, _, _ in later] == ["channel", "channel2"]
    assert third.reference in later[0][2] and first.reference not in later[0][2]


def test_an_application_decided_before_the_digest_is_not_announced(seeded_db):
    gone = submit(seeded_db, company(1), ref="s1")
    reject_application(seeded_db, actor_for(seeded_db, "channel"),
                       app_id(seeded_db, gone.reference), "Spam.", now=NOW)
    assert send_application_digest(seeded_db, now=NOW + timedelta(hours=1)) == \
        "0 new application(s) in the digest to 0 channel manager(s)"
    assert digests(seeded_db) == []
    assert send_application_digest(seeded_db, now=NOW + timedelta(hours=2)) == \
        "no new applications"


def test_the_digest_job_runs_through_the_runner(seeded):
    assert JOB_NAME in [j.name for j in registered()]
    with Session(seeded) as db:
        submit(db, company(1), ref="s1")
        submit(db, company(2), ref="s2")
        db.commit()
    first = run_due(seeded, now=NOW + timedelta(minutes=1), only=[JOB_NAME])
    again = run_due(seeded, now=NOW + timedelta(minutes=2), only=[JOB_NAME])
    later = run_due(seeded, now=NOW + timedelta(hours=1, minutes=1), only=[JOB_NAME])
    assert [(r.outcome, r.message) for r in first] == [
        ("ok", "2 new application(s) in the digest to 2 channel manager(s)")]
    assert [r.outcome for r in again] == ["not_due"]  # hourly by default
    assert [(r.outcome, r.message) for r in later] == [("ok", "no new applications")]
    with Session(seeded) as db:
        assert len(digests(db)) == 2
