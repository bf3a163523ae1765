"""Co-branding: the area marked on a PDF or PNG template, previewed; a partner's copy with its
name in the PDF's text and its logo inside the area; logos checked by content and size; a
corrupt PDF refused; a partner outside the audience gets nothing."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from core.errors import NotFound, RuleViolation
from core.portal.assets import create_asset
from core.portal.cobrand import cobrand, preview_area, set_area
from db.models import AssetDownload, Partner
from seed.funds import proof_pdf
from tests.conftest import NOW, actor_for
from tests.portal.helpers import admin_where, tier_id

pytestmark = pytest.mark.usefixtures("backend")
BOX = [40, 60, 300, 80]  # left, top, width, height from the page's top left


def png(width: int, height: int, colour=(255, 0, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def template(db, name: str = "brochure.pdf", data: bytes | None = None):
    marketing = actor_for(db, "marketing")
    asset = create_asset(db, marketing, {
        "title": "Co-brand brochure", "audience": {"tier_ids": [tier_id(db, "Gold")],
                                                   "regions": ["EMEA"]}},
        (name, data or proof_pdf("Our brochure", ["Page one"])), now=NOW)
    set_area(db, marketing, asset.id, 1, BOX, now=NOW)
    return asset


def image_placements(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of each image drawn on the first page, in points from the
    bottom left, read from the page's drawing operators."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    found = []

    def before(op, args, cm, tm):
        if op == b"Do":
            found.append((cm[4], cm[5], cm[0], cm[3]))
    page.extract_text(visitor_operand_before=before)
    return found


def test_a_partners_copy_has_its_name_and_its_logo_inside_the_area(seeded_db):
    db = seeded_db
    asset = template(db)
    gold = admin_where(db, "Gold", emea=True)
    name = db.get(Partner, gold.partner_id).name
    copy = cobrand(db, gold, asset.id, ("logo.png", png(200, 100)),
                   {"name": name, "website": "partner.example", "phone": "+44 20 5550 1000"},
                   now=NOW)
    assert copy.mime == "application/pdf" and copy.file_name == "brochure-cobranded.pdf"
    page = PdfReader(io.BytesIO(copy.data)).pages[0]
    assert name in page.extract_text() and "Page one" in page.extract_text()
    height = float(page.mediabox.height)
    x, y, w, h = BOX
    (lx, ly, lw, lh), = image_placements(copy.data)
    assert x <= lx and lx + lw <= x + w and height - y - h <= ly and ly + lh <= height - y
    assert (round(lw), round(lh)) == (120, 60)  # 40% of the width, its shape kept
    taken = db.execute(select(AssetDownload.cobranded, AssetDownload.partner_id)).all()
    assert taken == [(True, gold.partner_id)]
    cobrand(db, gold, asset.id, ("logo.png", png(200, 100)), {}, record=False)  # a preview
    assert len(db.execute(select(AssetDownload.id)).all()) == 1


def test_a_png_template_gets_the_logo_in_its_area_only(seeded_db):
    db = seeded_db
    asset = template(db, "banner.png", png(400, 200, (255, 255, 255)))
    gold = admin_where(db, "Gold", emea=True)
    copy = cobrand(db, gold, asset.id, ("logo.png", png(50, 50, (255, 0, 0))), {}, now=NOW)
    image = Image.open(io.BytesIO(copy.data)).convert("RGB")
    x, y, w, h = BOX
    assert image.getpixel((x + 10, y + h // 2)) == (255, 0, 0)  # the logo, in the area
    assert image.getpixel((x - 5, y + h // 2)) == (255, 255, 255)  # the page, untouched
    assert image.getpixel((x + w + 5, y + h // 2)) == (255, 255, 255)
    preview = Image.open(io.BytesIO(preview_area(db, actor_for(db, "marketing"), asset.id,
                                                 1, BOX))).convert("RGB")
    assert preview.getpixel((x, y + 5)) == (255, 0, 0)  # the box's outline
    assert preview.getpixel((x + w // 2, y + h // 2)) == (255, 255, 255)


@pytest.mark.parametrize("logo, words", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "PNG or JPEG"),
    (png(5000, 10), "larger than 4,000 pixels"),
    (b"", "Upload your logo"),
])
def test_a_logo_that_is_no_small_png_or_jpeg_is_refused(seeded_db, logo, words):
    db = seeded_db
    asset = template(db)
    with pytest.raises(RuleViolation) as refused:
        cobrand(db, admin_where(db, "Gold", emea=True), asset.id, ("logo.svg", logo), {})
    assert refused.value.field == "logo" and words in str(refused.value)


def test_a_corrupt_pdf_an_area_off_the_page_and_an_outsider_are_refused(seeded_db):
    db = seeded_db
    marketing = actor_for(db, "marketing")
    with pytest.raises(RuleViolation) as corrupt:
        create_asset(db, marketing, {"title": "Broken"},
                     ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage"))
    assert corrupt.value.field == "file" and "cannot be read" in str(corrupt.value)
    asset = template(db)
    with pytest.raises(RuleViolation) as off:
        set_area(db, marketing, asset.id, 1, [500, 700, 300, 200])
    assert off.value.field == "box" and "leaves the page" in str(off.value)
    with pytest.raises(RuleViolation):
        set_area(db, marketing, asset.id, 2, BOX)  # a one-page template
    with pytest.raises(NotFound):
        cobrand(db, admin_where(db, "Silver", emea=True), asset.id,
                ("logo.png", png(20, 20)), {})


def test_a_page_whose_origin_is_not_zero_gets_the_logo_in_its_area(seeded_db):
    from pypdf import PdfWriter
    from pypdf.generic import RectangleObject

    db = seeded_db
    shifted = PdfWriter(clone_from=io.BytesIO(proof_pdf("Shifted", ["Offset page"])))
    shifted.pages[0].mediabox = RectangleObject([100, 100, 695, 942])
    out = io.BytesIO()
    shifted.write(out)
    asset = template(db, "shifted.pdf", out.getvalue())
    copy = cobrand(db, admin_where(db, "Gold", emea=True), asset.id,
                   ("logo.png", png(200, 100)), {"name": "A long partner name " * 6}, now=NOW)
    (lx, ly, lw, lh), = image_placements(copy.data)
    x, y, w, h = BOX
    assert 100 + x <= lx and lx + lw <= 100 + x + w  # from the page's own left edge
    assert 942 - y - h <= ly and ly + lh <= 942 - y


def test_a_new_version_asks_for_the_area_again(seeded_db):
    from core.portal.assets import add_version, get_asset

    db = seeded_db
    asset = template(db)
    add_version(db, actor_for(db, "marketing"), asset.id,
                file=("v2.pdf", proof_pdf("Second", ["New cover"])), now=NOW)
    assert not get_asset(db, actor_for(db, "marketing"), asset.id).cobrand
    with pytest.raises(RuleViolation):
        cobrand(db, admin_where(db, "Gold", emea=True), asset.id, ("logo.png", png(20, 20)),
                {})
