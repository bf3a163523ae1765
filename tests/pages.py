"""AppTest helpers: the app against a test database, signed in as a demo user."""

import os
from datetime import UTC, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRETS = {"cookie_key": "test-only-cookie-key-not-a-secret"}

# One demo user per role (seed/demo.py).
ROLE_USERS = {
    "admin": "admin", "channel_manager": "channel", "marketing_ops": "marketing",
    "finance": "finance", "executive": "exec", "analyst": "analyst",
    "partner_admin": "p01.admin", "partner_user": "p01.rep1",
}


def use_database(url: str) -> None:
    os.environ["PRM_DATABASE_URL"] = url
    get_settings.cache_clear()


def app(script: str = "Home.py", username: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    at.secrets.update(TEST_SECRETS)
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.session_state["prm_signed_in_at"] = datetime.now(UTC)
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown,
                               *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts)
