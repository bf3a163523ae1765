"""Who learned what, on the demo (read only): a partner admin's team and only its own, the
channel team's views across partners, and every role's access to each (issue #16)."""

from datetime import timedelta

import pytest

from core.errors import NotFound, PermissionDenied
from core.training import (
    certified_by_partner,
    completion_by_course,
    expiring,
    team_progress,
    tier_risks,
)
from tests.conftest import NOW, actor_for

VENDOR = ["admin", "channel", "marketing", "finance", "exec", "analyst"]
AUTHORS = ["admin", "channel", "marketing"]


def test_a_partner_admin_sees_its_own_team_whatever_partner_it_asks(demo_db):
    p01 = actor_for(demo_db, "p01.admin")
    p02 = actor_for(demo_db, "p02.admin").partner_id
    rows = team_progress(demo_db, p01, partner_id=p02)
    assert rows and {r.partner_id for r in rows} == {p01.partner_id}
    half = next(r for r in rows if r.learner.startswith("") and r.course ==
                "Analytics fundamentals")
    assert (half.modules_done, half.modules, half.attempts, half.completed_at) == (1, 2, 1, None)


@pytest.mark.parametrize("username", VENDOR)
def test_the_vendor_reads_any_partners_team(demo_db, username):
    p02 = actor_for(demo_db, "p02.admin").partner_id
    rows = team_progress(demo_db, actor_for(demo_db, username), partner_id=p02)
    assert rows and {r.partner_id for r in rows} == {p02}
    with pytest.raises(NotFound):
        team_progress(demo_db, actor_for(demo_db, username), partner_id=999_999)


@pytest.mark.parametrize("read", [team_progress, lambda db, a: expiring(db, a, 30, now=NOW)])
def test_a_partner_user_has_no_team_view(demo_db, read):
    with pytest.raises(PermissionDenied):
        read(demo_db, actor_for(demo_db, "p01.rep1"))


def test_expiring_certifications_across_partners_and_for_one_partner(demo_db):
    soon = expiring(demo_db, actor_for(demo_db, "channel"), 30, now=NOW)
    assert soon and all(NOW < r.expires_at <= NOW + timedelta(days=30) for r in soon)
    assert [r.expires_at for r in soon] == sorted(r.expires_at for r in soon)
    p02 = actor_for(demo_db, "p02.admin")
    own = expiring(demo_db, p02, 30, now=NOW)
    assert {r.partner_id for r in own} <= {p02.partner_id}
    assert {r.certification_id for r in own} == {
        r.certification_id for r in soon if r.partner_id == p02.partner_id}


@pytest.mark.parametrize("username", AUTHORS)
def test_the_channel_team_sees_completion_and_certified_users(demo_db, username):
    actor = actor_for(demo_db, username)
    rows = {r.course: r for r in completion_by_course(demo_db, actor)}
    onboarding = rows["Partner onboarding"]
    assert onboarding.completed >= 20 and onboarding.learners >= onboarding.completed
    assert rows["Analytics fundamentals"].learners > rows["Analytics fundamentals"].completed
    lines = {r.product_line for r in certified_by_partner(demo_db, actor, now=NOW)}
    assert lines == {"Analytics", "Security Suite"}


@pytest.mark.parametrize("username", ["finance", "exec", "analyst", "p01.admin", "p01.rep1"])
def test_others_do_not_get_the_channel_teams_views(demo_db, username):
    actor = actor_for(demo_db, username)
    for read in (completion_by_course, certified_by_partner):
        with pytest.raises(PermissionDenied):
            read(demo_db, actor)


def test_home_shows_each_role_its_training_queues(demo_db):
    from core.home import waiting

    def training(username: str) -> dict[str, int]:
        return {w.label: w.count for w in waiting(demo_db, actor_for(demo_db, username),
                                                  now=NOW) if w.route.startswith("training")}

    assert training("p01.rep1") == {"Courses begun, not completed": 1}  # half-way
    soon = expiring(demo_db, actor_for(demo_db, "channel"), 30, now=NOW)
    assert training("channel")["Certifications expiring within 30 days"] == len(soon)
    assert training("admin")["Certifications expiring within 30 days"] == len(soon)
    p02 = actor_for(demo_db, "p02.admin")
    team = len(expiring(demo_db, p02, 60, now=NOW))
    assert training("p02.admin").get("Team certifications expiring within 60 days", 0) == team
    assert training("exec") == {} and training("finance") == {}


def test_the_demo_shows_a_partner_whose_tier_an_expiry_will_break(demo_db):
    [risk] = tier_risks(demo_db, actor_for(demo_db, "channel"), 30, now=NOW)
    assert (risk.tier, risk.needed, risk.certified, risk.after_expiries) == ("Silver", 1, 1, 0)
    assert NOW < risk.first_expiry <= NOW + timedelta(days=30)
