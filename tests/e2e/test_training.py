"""Training in the browser (issue #16): p01.rep1 opens the onboarding course, fails the quiz
once, passes after the wait (the served app's test clock moves forward: db.clock), downloads
the certificate and checks its code on the public page; p01's checklist ticks and its
certified users move on "Our tier"."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import serve_app
from tests.e2e.helpers import (
    choose,
    close_list,
    fresh_page,
    go,
    open_first_row,
    sign_in_as,
    wait_idle,
)

CLOCK = "clock.txt"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_database_file):
    yield from serve_app(tmp_path_factory, demo_database_file, PRM_TEST_CLOCK_FILE=CLOCK)


def move_clock(app_server, seconds: int) -> None:
    folder = Path(app_server.database_url.removeprefix("sqlite:///")).parent
    (folder / CLOCK).write_text(str(seconds))


def answer(page: Page, single: dict[str, str], several: tuple[str, list[str]]) -> None:
    for option in single.values():
        page.get_by_text(option, exact=True).click()
        wait_idle(page)
    label, options = several
    for option in options:
        choose(page, label, option)
    close_list(page, label, *options)  # the list covers the button
    page.get_by_role("button", name="Submit answers").click()
    wait_idle(page)


def getting_started(page: Page) -> tuple[int, int] | None:
    """The partner admin's checklist on Home, as (done, total); None once complete."""
    heading = page.get_by_role("heading", name="Getting started")
    if heading.count() == 0:
        return None
    done, _, total = heading.inner_text().split(": ")[1].split(" ")[:3]
    return int(done), int(total)


def test_a_rep_fails_waits_passes_and_its_certificate_checks_out(browser, app_server):
    admin = fresh_page(browser, app_server)
    sign_in_as(admin, "p01.admin")
    checklist = getting_started(admin)
    assert checklist is not None  # the onboarding course is not done yet
    go(admin, "Our tier")
    certified = admin.get_by_test_id("stMetric").filter(has_text="Certified users") \
        .get_by_test_id("stMetricValue")
    before = int(certified.inner_text())

    page = fresh_page(browser, app_server)
    sign_in_as(page, "p01.rep1")
    go(page, "Training")
    open_first_row(page)  # the onboarding course comes first
    expect(page.get_by_role("heading", name="Partner onboarding")).to_be_visible()
    for done in range(1, 4):
        page.get_by_role("button", name="Mark as read").first.click()
        wait_idle(page)
        expect(page.get_by_text(f"Modules read: {done} of 3")).to_be_visible()

    tier = "2. Which of these earn you a higher tier?"
    answer(page, {"1": "A phone call to the end customer", "3": "The end customer"},
           (tier, ["The number of sign-ins"]))
    expect(page.get_by_text("0%: not passed (pass mark 67%).")).to_be_visible()
    expect(page.get_by_text("The next attempt opens at")).to_be_visible()

    move_clock(app_server, 120)  # the course waits a minute between attempts
    page.reload()
    wait_idle(page)
    answer(page, {"1": "An approved deal registration", "3": "Your channel manager"},
           (tier, ["Won revenue over the trailing twelve months", "Certified people"]))
    expect(page.get_by_text("Completed. Best score: 100%.")).to_be_visible()

    go(page, "Training")
    code = page.get_by_text("Certified Partner Associate").locator("..").locator("code")
    expect(code).to_be_visible()
    number = code.inner_text().strip()
    with page.expect_download() as info:
        page.get_by_role("button", name="Certificate (PDF)").click()
    text = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages[0].extract_text()
    assert number in text and "Certified Partner Associate" in text

    page.goto(f"/certificate_check?code={number}")
    wait_idle(page)
    expect(page.get_by_text("Valid: ")).to_be_visible()

    go(admin, "Home")
    done, total = checklist
    assert getting_started(admin) == (None if done + 1 == total else (done + 1, total))
    go(admin, "Our tier")
    expect(certified).to_have_text(str(before + 1))
