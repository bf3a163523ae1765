"""The partner portal end to end: marketing uploads a Gold-only brochure template, marks its
co-branding area and pins an announcement for EMEA; a Gold EMEA partner admin sees both on its
Home, co-brands the brochure with its logo and downloads it (its name is in the PDF); a Silver
partner sees neither; the Gold partner asks the channel team a question and its channel
manager answers it."""

import io

from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.session import make_engine
from seed.funds import proof_pdf
from tests.e2e.helpers import choose, close_list, fresh_page, go, sign_in_as, wait_idle
from tests.portal.helpers import partner_where

BROCHURE, NEWS = "E2E Gold brochure", "E2E EMEA roadshow"


def partner_admin(app_server, tier: str, emea: bool) -> tuple[str, str, str]:
    """(username, partner name, its channel manager's username) of an active partner of
    the tier, in EMEA or wholly outside it."""
    engine = make_engine(app_server.database_url)
    with Session(engine) as db:
        partner, username = partner_where(db, tier, emea=emea, managed=True)
        manager = db.scalar(select(User.username).where(User.id == partner.channel_manager_id))
        name = partner.name
    engine.dispose()
    return username, name, manager


def upload(page: Page, label: str, name: str, data: bytes, mime: str) -> None:
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label).first
    uploader.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data})
    wait_idle(page)


def test_a_gold_emea_partner_cobrands_the_brochure_and_asks_a_question(browser, app_server,
                                                                       tmp_path):
    gold, gold_name, manager = partner_admin(app_server, "Gold", emea=True)
    silver, _, _ = partner_admin(app_server, "Silver", emea=False)  # outside both audiences

    marketing = fresh_page(browser, app_server)
    sign_in_as(marketing, "marketing")
    go(marketing, "Asset library")
    marketing.get_by_text("Add an asset").click()
    marketing.get_by_label("Title *", exact=True).fill(BROCHURE)
    upload(marketing, "File (PDF", "brochure.pdf", proof_pdf(BROCHURE, ["Cover page"]),
           "application/pdf")
    choose(marketing, "Tiers", "Gold")
    close_list(marketing, "Tiers", "Gold")
    marketing.get_by_role("button", name="Add the asset").click()
    wait_idle(marketing)
    expect(marketing.get_by_text(f"Added {BROCHURE}, for Gold.")).to_be_visible()
    # The newest asset comes first: the one just added.
    marketing.get_by_role("button", name="Manage").first.click()
    marketing.get_by_role("button", name="Save the area").click()
    wait_idle(marketing)
    expect(marketing.get_by_text("Partners can now put their logo on it.")).to_be_visible()

    go(marketing, "Announcements")
    marketing.get_by_text("Write an announcement").click()
    marketing.get_by_label("Title *", exact=True).fill(NEWS)
    marketing.get_by_label("Text * (Markdown", exact=False).fill("Meet us in **Lisbon**.")
    choose(marketing, "Regions", "EMEA")
    close_list(marketing, "Regions", "EMEA")
    marketing.get_by_text("Pin it on partners' Home").click()
    marketing.get_by_role("button", name="Publish").click()
    wait_idle(marketing)
    expect(marketing.get_by_text(f"Published {NEWS}, for EMEA.")).to_be_visible()

    partner = fresh_page(browser, app_server)
    sign_in_as(partner, gold)
    expect(partner.get_by_text(NEWS)).to_be_visible()
    expect(partner.get_by_text("New in the asset library")).to_be_visible()
    go(partner, "Asset library")
    expect(partner.get_by_text(BROCHURE)).to_be_visible()
    # The newest asset comes first: ours; everything below happens in its expander.
    copy = partner.get_by_test_id("stExpander").filter(has_text="Make our co-branded copy").first
    copy.get_by_text("Make our co-branded copy").click()
    # The name goes in before the logo: the preview (and the download button
    # beside it) then first appears in a run that already has the name, so the
    # click below cannot land while a rerun for the name replaces the button.
    copy.get_by_label("Company name").fill(gold_name)
    copy.get_by_label("Company name").press("Tab")
    wait_idle(partner)
    logo = io.BytesIO()
    Image.new("RGB", (160, 80), (0, 90, 200)).save(logo, format="PNG")
    copy.locator("input[type=file]").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": logo.getvalue()})
    expect(copy.get_by_test_id("stImage")).to_be_visible()  # the preview
    wait_idle(partner)
    with partner.expect_download() as got:
        copy.get_by_role("button", name="Download our copy").click()
    path = tmp_path / "copy.pdf"
    got.value.save_as(path)
    assert gold_name in PdfReader(path).pages[0].extract_text()

    other = fresh_page(browser, app_server)
    sign_in_as(other, silver)
    expect(other.get_by_text(NEWS)).to_have_count(0)
    go(other, "Asset library")
    expect(other.get_by_text("Product overview")).to_be_visible()  # the library is there
    expect(other.get_by_text(BROCHURE)).to_have_count(0)

    go(partner, "Requests")
    partner.get_by_text("Ask the channel team").click()
    partner.get_by_label("Subject *", exact=True).fill("E2E roadshow flyer")
    partner.get_by_label("Your request *", exact=True).fill("Can marketing help us?")
    partner.get_by_role("button", name="Send the request").click()
    wait_idle(partner)
    expect(partner.get_by_text("Sent. The first answer is due by")).to_be_visible()

    desk = fresh_page(browser, app_server)
    sign_in_as(desk, manager)
    expect(desk.get_by_text("Partner requests waiting for an answer")).to_be_visible()
    go(desk, "Requests")
    choose(desk, "Open a request", "E2E roadshow flyer")
    desk.get_by_label("Your message", exact=True).fill("Yes: the brochure is ready for you.")
    desk.get_by_role("button", name="Send", exact=True).click()
    wait_idle(desk)
    expect(desk.get_by_text("Sent.")).to_be_visible()

    go(partner, "Requests")
    choose(partner, "Open a request", "E2E roadshow flyer")
    expect(partner.get_by_text("Yes: the brochure is ready for you.")).to_be_visible()
    expect(partner.get_by_test_id("stCaptionContainer").filter(
        has_text="Waiting on the partner")).to_be_visible()
