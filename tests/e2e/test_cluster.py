"""Two app replicas on one PostgreSQL database behind Debian's nginx, as `make cluster` runs
them (deploy/cluster.py renders the same configuration and starts the same processes).

One journey: a partner rep pinned to replica A and a channel manager pinned to replica B. The
rep's registration (written through A) shows on B's deal desk at its next run; B's approval
notifies the rep, whose unread count on A goes up at its next run; then A is stopped and the
rep goes on, on B, without signing in again."""

import os
import re
import shutil
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import ProductLine
from db.session import make_engine, unit_of_work
from deploy.cluster import NGINX, Layout, Processes, shared_env, start_cluster
from tests.databases import BACKENDS
from tests.e2e.conftest import _require_browser, launched_browser
from tests.e2e.helpers import go, open_first_row, sign_in_as, wait_idle
from tests.e2e.test_deals import _fill
from tests.servers import free_port

# The page matrix's PostgreSQL demo is built on the worker of this group: use it too.
pytestmark = pytest.mark.xdist_group("demo-postgresql")
COMPANY = "Contoso Cluster Ltd"


@dataclass(frozen=True)
class Cluster:
    layout: Layout
    procs: Processes
    database_url: str

    def replica_of(self, route: str) -> int:
        """The app port nginx sends a browser with this routing cookie to."""
        request = urllib.request.Request(f"{self.layout.url}/_stcore/health",
                                         headers={"Cookie": f"prm_route={route}"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.headers["X-PRM-Replica"].rsplit(":", 1)[1])

    def routes(self) -> dict[int, str]:
        """A routing cookie value for each replica."""
        found: dict[int, str] = {}
        for i in range(200):
            found.setdefault(self.replica_of(f"probe{i}"), f"probe{i}")
            if len(found) == len(self.layout.app_ports):
                return found
        raise AssertionError(f"nginx sent 200 browsers to {sorted(found)} only")


def _require_cluster() -> None:
    _require_browser()
    if "postgresql" not in BACKENDS:
        pytest.skip("the cluster runs on PostgreSQL (PRM_TEST_BACKENDS leaves it out)")
    if not Path(NGINX).exists() and not shutil.which("nginx"):
        if os.environ.get("PRM_REQUIRE_E2E") == "1":
            pytest.fail("nginx not found: apt-get install nginx-light (the CI does)")
        pytest.skip("nginx not found: apt-get install nginx-light to run the cluster journey")


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    _require_cluster()
    factory = request.getfixturevalue("postgres_factory")
    url = factory.create("demo")
    work = tmp_path_factory.mktemp("cluster")
    layout = Layout(free_port(), (free_port(), free_port()), free_port())
    env = shared_env(url, work, layout, "e2e-only-cookie-key-0123456789abcdef",
                     "e2e-only-streamlit-cookie-secret")
    env |= {"PRM_BCRYPT_ROUNDS": "4", "PRM_DEMO": "1"}
    env.pop("PRM_SMTP_HOST", None)
    procs = Processes(work, env)
    try:
        start_cluster(procs, layout, work / "nginx")
        yield Cluster(layout, procs, url)
    except Exception:
        for name in ("app1", "app2", "api", "nginx"):
            print(f"--- {name}\n{procs.log(name)[-3000:]}")
        raise
    finally:
        procs.stop_all()
        factory.drop(url)


@pytest.fixture(scope="module")
def browser(cluster):
    yield from launched_browser()


def _pinned_page(browser, cluster: Cluster, route: str) -> Page:
    context = browser.new_context(base_url=cluster.layout.url,
                                  viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "prm_route", "value": route,
                          "url": cluster.layout.url}])
    context.set_default_timeout(20_000)
    return context.new_page()


def _unread(page: Page) -> int:
    link = page.get_by_test_id("stSidebar").get_by_role(
        "link", name=re.compile(r"Notifications \(\d+ unread\)"))
    return int(re.search(r"\((\d+) unread", link.inner_text()).group(1))


def test_two_replicas_share_sign_ins_writes_and_notifications(browser, cluster):
    routes = cluster.routes()
    port_a, port_b = cluster.layout.app_ports
    engine = make_engine(cluster.database_url)
    with unit_of_work(engine) as db:
        line = db.scalar(select(ProductLine.name).where(ProductLine.active)
                         .order_by(ProductLine.name))
    engine.dispose()

    rep = _pinned_page(browser, cluster, routes[port_a])
    desk = _pinned_page(browser, cluster, routes[port_b])
    sign_in_as(rep, "p05.rep1")
    sign_in_as(desk, "channel")
    unread_before = _unread(rep)

    # A write through A shows on B at its next run.
    go(rep, "Register a deal")
    _fill(rep, COMPANY, "contoso-cluster.example", line, date.today() + timedelta(days=45))
    rep.get_by_role("button", name="Submit registration").click()
    wait_idle(rep)
    expect(rep.get_by_text(f"for {COMPANY} is")).to_be_visible()
    go(desk, "Deal desk")
    open_first_row(desk, "Search", COMPANY)
    expect(desk.get_by_role("heading", name=COMPANY).first).to_be_visible()

    # A notification raised on B shows its unread count on A at A's next run.
    desk.get_by_role("button", name="Approve", exact=True).click()
    wait_idle(desk)
    expect(desk.get_by_text("approved for").first).to_be_visible()
    go(rep, "My deals")
    assert _unread(rep) == unread_before + 1
    assert cluster.replica_of(routes[port_a]) == port_a  # the rep is still served by A

    # A stops: the rep's tab reconnects through nginx to B and goes on, signed in.
    cluster.procs.stop("app1")
    assert cluster.replica_of(routes[port_a]) == port_b
    expect(rep.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)
    go(rep, "Notifications")
    expect(rep.get_by_text(COMPANY).first).to_be_visible()
    expect(rep.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)
    rep.reload()  # a new page load, on B
    wait_idle(rep)
    expect(rep.get_by_test_id("stSidebar").get_by_role("link", name="My deals")).to_be_visible()
    assert _unread(rep) == unread_before + 1
