"""Funds in the browser: p01.admin requests co-op funds for an activity today, marketing
approves part of it, p01.admin claims it with a PDF invoice, finance approves the claim and
pays it; the partner's Funds page, the vendor's Funds overview and the ledger's CSV export
then agree on p01's balances to the cent."""

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from core.funds.ledger import balance
from core.funds.programs import allocate, allocation_for
from db.models import FundProgram, Partner, User
from db.session import make_engine, unit_of_work
from seed.funds import proof_pdf
from tests.conftest import actor_for
from tests.e2e.helpers import (
    choose,
    fresh_page,
    go,
    open_app,
    open_first_row,
    sign_in_as,
    wait_idle,
)
from ui.funds import ALLOCATION_COLUMNS

ACTIVITY = "Spring customer breakfast"
PAID = Decimal("1500.00")
# The metrics of ui.funds.balance_metrics, and the ledger buckets they sum.
METRICS = {"Allocated": "allocated", "Available": "available", "Requested, waiting": "held",
           "Committed": "committed", "Claims approved, to pay": "approved", "Paid": "paid"}


def partner_of(app_server, username: str) -> str:
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        name = db.scalar(select(Partner.name).join(User, User.partner_id == Partner.id)
                         .where(User.username == username))
    engine.dispose()
    return name


def press(page: Page, button: str) -> None:
    """A form's submit button (an expander of the same title may be on the page too)."""
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name=button,
                                                          exact=True).click()
    wait_idle(page)


def exact_figures(page: Page) -> dict[str, str]:
    """Each balance metric's exact amount, as its help says it ("$1,234.50: ..."): the
    metric itself shows a compact figure ("8.8K USD")."""
    out = {}
    for label in METRICS:
        metric = page.get_by_test_id("stMetric").filter(
            has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        metric.get_by_test_id("stTooltipIcon").hover()
        tip = page.get_by_test_id("stTooltipContent").last
        expect(tip).to_be_visible()
        out[label] = tip.inner_text().split(":")[0].strip()
        page.mouse.move(0, 0)
        expect(tip).to_be_hidden()
    return out


def figure(text: str) -> Decimal:
    return Decimal(text.removeprefix("$").replace(",", ""))


def dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def ledger_csv(page: Page, start: date, attempts: int = 4) -> list[dict]:
    """The Ledger CSV download, once the page has rerun with the period from `start`: the
    file is named by its period. A click that lands while the rerun replaces the buttons
    is lost, and the rerun may not have begun when the page first reads idle: again."""
    for attempt in range(attempts):
        wait_idle(page)
        try:
            with page.expect_download(timeout=5_000) as info:
                page.get_by_role("button", name="Ledger CSV").click()
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            continue
        if info.value.suggested_filename.startswith(f"fund_ledger_{start:%Y-%m-%d}_"):
            return list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
        page.wait_for_timeout(500)
    raise AssertionError(f"the ledger export never started on {start}")


def room_in_coop(app_server, username: str, amount: Decimal) -> None:
    """At least `amount` available to the user's company in Co-op funds. What the demo
    leaves there depends on the deals its seed won, which moves with the conflict matcher:
    marketing tops it up, through the service the Fund programs page uses."""
    engine = make_engine(app_server.database_url)
    with unit_of_work(engine) as db:
        partner_id = db.scalar(select(User.partner_id).where(User.username == username))
        program = db.scalar(select(FundProgram).where(FundProgram.name == "Co-op funds"))
        have = balance(db, allocation_for(db, program, partner_id).id).available
        if have < amount:
            allocate(db, actor_for(db, "marketing"), program.id, partner_id, amount - have,
                     "Room for the browser journey's request")
    engine.dispose()


def test_a_coop_request_is_approved_in_part_claimed_paid_and_balances_agree(
        browser, app_server, tmp_path):
    room_in_coop(app_server, "p01.admin", Decimal("2000"))
    partner = fresh_page(browser, app_server)
    sign_in_as(partner, "p01.admin")
    go(partner, "Funds")
    before = exact_figures(partner)
    choose(partner, "Program *", "Co-op funds")
    partner.get_by_label("Activity name *", exact=True).fill(ACTIVITY)
    partner.get_by_label("Amount requested *", exact=True).fill("2,000")
    press(partner, "Submit the request")
    flash = partner.get_by_text(re.compile(r"^Request #\d+ submitted"))
    expect(flash).to_be_visible()
    request_id = int(re.match(r"Request #(\d+)", flash.inner_text()).group(1))

    marketing = fresh_page(browser, app_server)
    sign_in_as(marketing, "marketing")
    go(marketing, "Funds overview")  # marketing's queue: requests waiting, newest first
    open_first_row(marketing)
    expect(marketing.get_by_role("heading", name=ACTIVITY)).to_be_visible()
    expect(marketing.get_by_text(f"Fund request #{request_id} · Waiting for approval")
           ).to_be_visible()
    marketing.get_by_label(re.compile(r"^Amount \(empty: all")).fill("1,500")
    marketing.get_by_label("Comment", exact=True).fill("The catering is not covered.")
    press(marketing, "Approve")
    expect(marketing.get_by_text("Approved: the amount is committed.")).to_be_visible()
    expect(marketing.get_by_text(f"Fund request #{request_id} · Approved")).to_be_visible()

    open_app(partner, f"/fund_request?id={request_id}")
    expect(partner.get_by_role("heading", name=ACTIVITY)).to_be_visible()
    expect(partner.get_by_text("Note from marketing: The catering is not covered.")
           ).to_be_visible()
    partner.get_by_label("Actual spend *", exact=True).fill("2,400")
    partner.get_by_label("Amount claimed *", exact=True).fill("1,500")
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(proof_pdf(f"Invoice for {ACTIVITY}", ["Venue and speakers",
                                                              "Total 2,400.00 USD"]))
    partner.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(invoice)
    wait_idle(partner)
    press(partner, "Submit the claim")
    expect(partner.get_by_text("Claim submitted: finance reviews it.")).to_be_visible()
    expect(partner.get_by_text(f"Fund request #{request_id} · Claimed")).to_be_visible()
    expect(partner.get_by_role("heading", name="Claim: Waiting for finance")).to_be_visible()

    finance = fresh_page(browser, app_server)
    sign_in_as(finance, "finance")
    go(finance, "Funds overview")  # finance's queue: claims to decide or pay, newest first
    open_first_row(finance)
    expect(finance.get_by_role("heading", name=ACTIVITY)).to_be_visible()
    expect(finance.get_by_role("button", name=re.compile(r"^invoice\.pdf"))).to_be_visible()
    expect(finance.get_by_text("at most $1,800.00 of $2,400.00")).to_be_visible()  # 75%
    press(finance, "Approve")  # the amount left empty: all that was claimed
    expect(finance.get_by_text("Claim approved: it waits for payment.")).to_be_visible()
    finance.get_by_label("Payment reference *", exact=True).fill("PAY-E2E-0001")
    finance.get_by_label("Amount paid *", exact=True).fill("1,500.00")
    press(finance, "Record the payment")
    expect(finance.get_by_text("Payment recorded.")).to_be_visible()
    expect(finance.get_by_role("heading", name="Claim: Paid")).to_be_visible()
    expect(finance.get_by_text("reference PAY-E2E-0001")).to_be_visible()

    # The partner's record and Funds page: the request claimed, its claim paid, the balances
    # moved by what was paid (the rest of the request released), nothing else.
    open_app(partner, f"/fund_request?id={request_id}")
    expect(partner.get_by_text(f"Fund request #{request_id} · Claimed")).to_be_visible()
    expect(partner.get_by_role("heading", name="Claim: Paid")).to_be_visible()
    expect(partner.get_by_text("Paid: 1,500.00 USD")).to_be_visible()
    go(partner, "Funds")
    # A grid drawn on a canvas: its cells are in the page, hidden, for assistive technology.
    row = partner.get_by_test_id("stDataFrame").get_by_role("row", include_hidden=True).filter(
        has_text=f"#{request_id} {ACTIVITY}")
    expect(row).to_contain_text("Claimed")
    after = exact_figures(partner)
    assert after == before | {"Paid": dollars(figure(before["Paid"]) + PAID),
                              "Available": dollars(figure(before["Available"]) - PAID)}
    # The allocations table's co-op row: its Paid column (the cells hold the raw numbers).
    shown = [c for c in ALLOCATION_COLUMNS if c not in ("partner", "tier")]  # partner view
    paid_cell = partner.get_by_test_id("stDataFrame").first.get_by_test_id(
        f"glide-cell-{shown.index('paid')}-0")
    expect(paid_cell).to_have_text(f"{figure(after['Paid']).normalize():f}")

    # The vendor's overview, narrowed to p01: the same figures.
    p01 = partner_of(app_server, "p01.admin")
    go(finance, "Funds overview")
    choose(finance, "Partner", p01)
    # Finance's queue (claims waiting or to pay) holds nothing of p01's any more.
    expect(finance.get_by_role("tab", name="Requests and claims (0)")).to_be_visible()
    assert exact_figures(finance) == after

    # The ledger's export from well before the program began: p01's entries sum to the same
    # balances, and the request's own entries are what was held, decided and paid.
    go(finance, "Fund ledger")
    # A date field of segments: focus the first one and type; each segment moves on when full.
    start = date.today() - timedelta(days=730)
    finance.get_by_label("From", exact=True).get_by_role("spinbutton").first.click()
    finance.keyboard.type(start.strftime("%Y%m%d"))
    finance.get_by_role("heading", name="Fund ledger").click()  # leaving the field sets it
    rows = ledger_csv(finance, start)
    expect(finance.get_by_text("Ledger check: ")).to_be_visible()
    buckets: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["Partner"] == p01:
            buckets[r["To"]] += Decimal(r["Amount"])
            buckets[r["From"]] -= Decimal(r["Amount"])
    buckets["allocated"] = -buckets["budget"]
    assert after == {label: dollars(buckets[b]) for label, b in METRICS.items()}
    assert sorted((r["Movement"], Decimal(r["Amount"])) for r in rows
                  if r["Request"] == str(request_id)) == sorted([
        ("Held for a request", Decimal(2000)), ("Committed", PAID),
        ("Released", Decimal(500)), ("Claim approved", PAID), ("Paid", PAID)])
