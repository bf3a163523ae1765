"""Single sign-on against a real OpenID Connect provider (panva's oidc-provider from the npm
registry, started here with node), through Streamlit's st.login.

The admin allows Chris's link on the Users page; Chris signs in with single sign-on, which
links the identity; after a sign-out, the provider changes Chris's e-mail and Chris still
signs in (known by issuer and subject); a stranger whose verified e-mail is a user's gets
"ask your administrator" and no session."""

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import User, UserIdentity
from db.session import make_engine, unit_of_work
from deploy.cluster import wait_for
from tests.e2e.conftest import ROOT, serve_app
from tests.e2e.helpers import choose, go, open_app, sign_in_as, wait_for_cookie, wait_idle
from tests.servers import free_port

OIDC = ROOT / "tests" / "oidc"
CLIENT_SECRET = "prm-test-client-secret"


def _node_modules() -> None:
    """npm ci once per machine (a lock keeps two workers from doing it together)."""
    if not shutil.which("node") or not shutil.which("npm"):
        if os.environ.get("PRM_REQUIRE_E2E") == "1":
            pytest.fail("node and npm are needed for the single sign-on journey")
        pytest.skip("node and npm are needed for the single sign-on journey")
    with (OIDC / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (OIDC / "node_modules" / "oidc-provider").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC, check=True,
                           capture_output=True)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    _node_modules()
    work = tmp_path_factory.mktemp("oidc")
    port = free_port()
    accounts = work / "accounts.json"
    app_port = free_port()
    log = (work / "provider.log").open("w")
    proc = subprocess.Popen(["node", "provider.mjs"], cwd=OIDC, stdout=log,
                            stderr=subprocess.STDOUT,
                            env={**os.environ, "PORT": str(port), "ACCOUNTS_FILE": str(accounts),
                                 "REDIRECT_URI": f"http://127.0.0.1:{app_port}/oauth2callback"})
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{issuer}/.well-known/openid-configuration", proc, timeout=30)
    except RuntimeError as exc:
        raise RuntimeError((work / "provider.log").read_text()) from exc
    yield {"issuer": issuer, "accounts": accounts, "app_port": app_port}
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_database_file, provider):
    secrets = tmp_path_factory.mktemp("sso-secrets") / "secrets.toml"
    port = provider["app_port"]
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "e2e-only-streamlit-identity-cookie-secret"\n'
        'client_id = "prm"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider["issuer"]}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account unless told; oidc-provider knows "login".
        'client_kwargs = { prompt = "login" }\n')
    yield from serve_app(tmp_path_factory, demo_database_file, port=port,
                         streamlit_args=("--secrets.files", str(secrets)))


def _people(provider, **people) -> None:
    Path(provider["accounts"]).write_text(json.dumps(people))


def _sso(page: Page, app: str, login: str) -> None:
    """Sign in with single sign-on: the provider's login form, its consent, and back."""
    open_app(page)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    consent = page.get_by_role("button", name="Continue")
    back = page.get_by_test_id("stApp")
    expect(consent.or_(back)).to_be_visible()
    if consent.is_visible():
        consent.click()  # the provider asks once per sign-in whether the app may know you
    page.wait_for_url(lambda url: url.startswith(app) and "oauth2callback" not in url)
    wait_idle(page)


def _email(server, username: str) -> str:
    engine = make_engine(server.database_url)
    with unit_of_work(engine) as db:
        email = db.scalar(select(User.email).where(User.username == username))
    engine.dispose()
    return email


def _identities(server) -> list[tuple[str, str, str]]:
    engine = make_engine(server.database_url)
    with unit_of_work(engine) as db:
        rows = db.execute(select(UserIdentity.issuer, UserIdentity.subject, User.username)
                          .join(User, User.id == UserIdentity.user_id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_single_sign_on_links_once_then_knows_the_identity_not_the_e_mail(
        browser, app_server, provider):
    chris = _email(app_server, "channel")
    _people(provider, **{"chris-sub": {"email": chris, "email_verified": True,
                                       "name": "Chris C"},
                         "stranger-sub": {"email": _email(app_server, "marketing"),
                                          "email_verified": True, "name": "Not Morgan"}})
    admin = browser.new_context(base_url=app_server.url).new_page()
    sign_in_as(admin, "admin")
    go(admin, "Users")
    choose(admin, "User", "channel (")
    admin.get_by_role("button", name="Allow single sign-on link").click()
    wait_idle(admin)
    expect(admin.get_by_text("channel may link a single sign-on identity")).to_be_visible()

    page = browser.new_context(base_url=app_server.url).new_page()
    _sso(page, app_server.url, "chris-sub")
    expect(page.get_by_role("heading", name="Welcome, Chris Channel")).to_be_visible()
    assert _identities(app_server) == [(provider["issuer"], "chris-sub", "channel")]

    # Signed out here and at the provider; the provider now knows Chris by another address.
    wait_for_cookie(page, "prm_session")  # the sign-in's cookie, written after its run
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in with single sign-on")).to_be_visible()
    wait_for_cookie(page, "prm_session", present=False)
    _people(provider, **{"chris-sub": {"email": "chris@new-address.example",
                                       "email_verified": True, "name": "Chris C"}})
    _sso(page, app_server.url, "chris-sub")
    expect(page.get_by_role("heading", name="Welcome, Chris Channel")).to_be_visible()

    # A stranger with a user's verified address: no link was allowed, no account, no session.
    _people(provider, **{"stranger-sub": {"email": _email(app_server, "marketing"),
                                          "email_verified": True, "name": "Not Morgan"}})
    stranger = browser.new_context(base_url=app_server.url).new_page()
    _sso(stranger, app_server.url, "stranger-sub")
    expect(stranger.get_by_text("Ask your administrator")).to_be_visible()
    expect(stranger.get_by_role("heading", name="Welcome", exact=False)).to_have_count(0)
    assert not any(c["name"] == "prm_session" for c in stranger.context.cookies())
    assert len(_identities(app_server)) == 1
