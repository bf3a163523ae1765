"""Reporting compliance on an injected day: each reporting partner's last period by its
cadence, received, due or late; the job reminds a late partner once per period; a partner
admin sees only its own row."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from core.errors import RuleViolation
from core.pos.compliance import last_period, remind_late, reporting_status, set_cadence
from db.models import Notification, Partner, User
from tests.conftest import actor_for
from tests.pos.helpers import SYSTEM, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")


def test_the_last_period_of_each_cadence():
    day = date(2026, 11, 26)  # a Thursday
    assert last_period("monthly", day) == (date(2026, 10, 1), date(2026, 10, 31))
    assert last_period("quarterly", day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert last_period("weekly", day) == (date(2026, 11, 16), date(2026, 11, 22))
    assert last_period("monthly", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))


def active_world(db) -> dict:
    """The POS world with its distributor (p40, still onboarding in the demo) active."""
    world = pos_world(db)
    db.execute(update(Partner).where(Partner.id == world["distributor"])
               .values(status="active"))
    return world


def status_of(db, partner_id: int, day: date, actor=SYSTEM) -> str | None:
    rows = {r.partner_id: r.status for r in reporting_status(db, actor, today=day)}
    return rows.get(partner_id)


def test_a_distributor_is_due_then_late_until_it_sends(seeded_db):
    world = active_world(seeded_db)
    distributor = world["distributor"]
    assert status_of(seeded_db, distributor, date(2026, 11, 5)) == "due"  # October, in time
    assert status_of(seeded_db, distributor, date(2026, 11, 11)) == "late"
    send(seeded_db, world, row(invoice="L1"))  # sent on NOW, 2026-11-26
    assert status_of(seeded_db, distributor, date(2026, 11, 27)) == "received"
    set_cadence(seeded_db, actor_for(seeded_db, "finance"), distributor, "none")
    assert status_of(seeded_db, distributor, date(2026, 11, 27)) is None
    with pytest.raises(RuleViolation):
        set_cadence(seeded_db, actor_for(seeded_db, "finance"), distributor, "daily")


def test_the_job_reminds_a_late_partner_once_per_period(seeded_db):
    world = active_world(seeded_db)
    admin = seeded_db.scalar(select(User.id).where(User.username == "p40.admin"))

    def reminders() -> int:
        return len(seeded_db.scalars(select(Notification.id).where(
            Notification.user_id == admin,
            Notification.subject == "Your POS report is late")).all())

    at = datetime(2026, 11, 12, 9, tzinfo=UTC)
    assert "late" in remind_late(seeded_db, now=at)
    remind_late(seeded_db, now=at.replace(day=13))
    assert reminders() == 1
    remind_late(seeded_db, now=datetime(2026, 12, 12, 9, tzinfo=UTC))  # November's report
    assert reminders() == 2
    assert world["distributor"]


def test_a_partner_admin_sees_only_its_own_row(seeded_db):
    world = active_world(seeded_db)
    p03 = actor_for(seeded_db, "p03.admin")
    rows = reporting_status(seeded_db, p03, today=date(2026, 11, 27))
    assert {r.partner_id for r in rows} <= {p03.partner_id}
    assert world["distributor"] not in {r.partner_id for r in rows}
