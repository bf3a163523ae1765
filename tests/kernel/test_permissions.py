import pytest
from sqlalchemy import select

from core.actor import PARTNER_ROLES, VENDOR_ROLES, Actor, Role
from core.permissions import RULES, can, scope
from db.models import AgreementAcceptance, OnboardingProgress, Partner, User
from tests.conftest import actor_for


def test_partner_role_needs_a_partner_and_vendor_role_none():
    with pytest.raises(ValueError):
        Actor(role=Role.PARTNER_USER, user_id=1)
    with pytest.raises(ValueError):
        Actor(role=Role.ADMIN, user_id=1, partner_id=3)


class Row:
    def __init__(self, partner_id):
        self.partner_id = partner_id


def test_partner_roles_only_reach_their_own_rows():
    actor = Actor(role=Role.PARTNER_ADMIN, user_id=5, partner_id=7)
    assert can(actor, "user.manage", Row(7))
    assert not can(actor, "user.manage", Row(8))


def test_only_admin_reads_the_audit_log():
    allowed = {r for r in VENDOR_ROLES | PARTNER_ROLES
               if can(Actor(role=r, user_id=1, partner_id=1 if r in PARTNER_ROLES else None),
                          "audit.view")}
    assert allowed == {Role.ADMIN}


def test_unknown_action_is_refused_and_system_may_do_anything():
    admin = Actor(role=Role.ADMIN, user_id=1)
    assert not can(admin, "no.such.action")
    assert can(Actor.system("job"), "audit.view")
    assert "audit.view" in RULES


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize("model", [Partner, User, AgreementAcceptance, OnboardingProgress],
                         ids=lambda m: m.__name__)
def test_scope_gives_a_partner_role_only_its_own_partners_rows(seeded_db, model):
    key = model.id if model is Partner else model.partner_id
    rep, other = actor_for(seeded_db, "p01.rep1"), actor_for(seeded_db, "p02.admin")

    def keys(actor, query=None):
        return set(seeded_db.scalars(scope(actor, select(key) if query is None else query,
                                           model)))

    everyone = set(seeded_db.scalars(select(key)))
    assert {rep.partner_id, other.partner_id} < everyone
    assert keys(rep) == keys(actor_for(seeded_db, "p01.admin")) == {rep.partner_id}
    # Whatever the query itself asks for.
    assert keys(rep, select(key).where(key == other.partner_id)) == set()
    assert keys(rep, select(key).where(key.in_([rep.partner_id, other.partner_id]))) == \
        {rep.partner_id}
    assert keys(actor_for(seeded_db, "channel")) == keys(Actor.system("job")) == everyone
    assert keys(Actor.anonymous("visitor")) == set()
