import pytest

from core.actor import PARTNER_ROLES, VENDOR_ROLES, Actor, Role
from core.permissions import RULES, can


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
