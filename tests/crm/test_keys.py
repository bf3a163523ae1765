"""API keys: shown once and kept only as a hash; a call without a live key is
unauthenticated, one outside the key's scopes refused; a revoked key fails at its next call;
a key limited to one partner acts as that partner and sees only it; only the admin keeps
keys."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from core.crm.keys import Unauthenticated, authenticate, create_key, list_keys, revoke_key
from core.errors import PermissionDenied
from core.partners import partner_choices
from db.models import ApiKey
from tests.conftest import NOW, actor_for

pytestmark = pytest.mark.usefixtures("backend")


def test_a_key_is_shown_once_used_within_its_scopes_and_revoked(seeded_db):
    db = seeded_db
    admin = actor_for(db, "admin")
    new = create_key(db, admin, {"name": "Salesforce", "scopes": ["partners:read"]}, now=NOW)
    assert new.secret.startswith("prm_") and new.key.prefix == new.secret[:12]
    stored = db.scalar(select(ApiKey).where(ApiKey.id == new.key.id))
    assert new.secret not in (stored.key_hash, stored.prefix)  # only its hash is kept
    caller = authenticate(db, new.secret, "partners:read", now=NOW)
    assert caller.actor.label == "api:Salesforce" and caller.actor.partner_id is None
    assert len(partner_choices(db, caller.actor)) == 40
    assert list_keys(db, admin)[0].last_used_at == NOW
    authenticate(db, new.secret, "partners:read", now=NOW + timedelta(seconds=30))
    assert list_keys(db, admin)[0].last_used_at == NOW  # touched at most once a minute
    with pytest.raises(PermissionDenied, match="deals:write"):
        authenticate(db, new.secret, "deals:write", now=NOW)
    for wrong in (None, "", "Bearer x", new.secret[:-1] + "x"):
        with pytest.raises(Unauthenticated):
            authenticate(db, wrong, "partners:read", now=NOW)
    revoke_key(db, admin, new.key.id, now=NOW)
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(db, new.secret, "partners:read", now=NOW + timedelta(seconds=1))


def test_a_partner_limited_key_sees_only_its_partner(seeded_db):
    db = seeded_db
    p02 = actor_for(db, "p02.admin").partner_id
    new = create_key(db, actor_for(db, "admin"),
                     {"name": "p02 CRM", "scopes": ["partners:read"], "partner_id": p02},
                     now=NOW)
    caller = authenticate(db, new.secret, "partners:read", now=NOW)
    assert [p for p, _ in partner_choices(db, caller.actor)] == [p02]


def test_only_the_admin_keeps_keys_and_input_is_checked(seeded_db):
    db = seeded_db
    for username in ("channel", "finance", "p02.admin"):
        with pytest.raises(PermissionDenied):
            create_key(db, actor_for(db, username), {"name": "x", "scopes": ["deals:read"]})
    with pytest.raises(ValidationError, match="at least one scope"):
        create_key(db, actor_for(db, "admin"), {"name": "x", "scopes": []})
    with pytest.raises(ValidationError, match="Unknown scope"):
        create_key(db, actor_for(db, "admin"), {"name": "x", "scopes": ["all"]})
