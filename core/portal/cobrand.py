"""Co-branding: marketing marks an area on a PDF or PNG template (a page, and a box in points
for a PDF or pixels for a PNG, from the page's top left), with a rendered preview of where it
falls; a partner in the asset's audience makes its own copy with its logo and contact details
in that area, previews it and downloads it (recorded as a co-branded download).

A logo is a PNG or JPEG told by its content (an SVG, which can carry script, is refused), at
most 2 MB and 4,000 pixels a side. A template that cannot be read is refused with the reason.
The logo is fitted into the left of the box keeping its shape; the partner's name and contact
lines go to its right."""

import io
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw, UnidentifiedImageError
from pydantic import BaseModel
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from core import audit
from core.actor import Actor
from core.errors import RuleViolation
from core.permissions import require
from core.portal.assets import AREA, current, load_asset, record_download
from core.portal.audience import Viewer, viewer
from core.portal.templates import Page, pdf_pages
from core.uploads import content_kind, read_by_hash
from core.validation import OptionalText, as_model
from db.types import utcnow

LOGO_KINDS = {".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg"}
LOGO_REFUSAL = "Upload the logo as a PNG or JPEG image (an SVG or other file is not taken)."
LOGO_MAX_MB = 2
LOGO_MAX_SIDE = 4000


class ContactIn(BaseModel):
    name: OptionalText(120) = ""
    website: OptionalText(200) = ""
    phone: OptionalText(60) = ""
    email: OptionalText(200) = ""


@dataclass(frozen=True)
class Cobranded:
    file_name: str
    data: bytes
    mime: str


# ---------------------------------------------------------------- templates


def template_pages(kind: str, data: bytes) -> list[Page]:
    if kind == ".pdf":
        return pdf_pages(data)
    image = _image(data, "file")
    return [Page(float(image.width), float(image.height))]


def set_area(db, actor: Actor, asset_id: int, page: int, box: list[int], *,
             now: datetime | None = None) -> None:
    """Mark where partners' logos go; refused when the box leaves the page."""
    asset, _, _, _ = _marked(db, actor, asset_id, page, box)
    before = {"page": asset.cobrand_page, "box": asset.cobrand_box}
    asset.cobrand_page, asset.cobrand_box = page, [int(v) for v in box]
    audit.record(db, actor, "asset.cobrand_area", "asset", asset.id, before=before,
                 after={"page": page, "box": asset.cobrand_box}, now=now or utcnow())


def _marked(db, actor: Actor, asset_id: int, page: int, box: list[int]):
    """(asset, template kind, bytes, the page's size) for an area marketing marks, checked:
    the page is one of the template's, the box on it."""
    require(actor, "portal.content")
    asset = load_asset(db, Viewer(vendor=True), asset_id)
    kind, data = _template(asset, current(db, asset))
    pages = template_pages(kind, data)
    if not 1 <= page <= len(pages):
        raise RuleViolation(f"Choose a page from 1 to {len(pages)}.", field="page")
    _check_box(box, pages[page - 1])
    return asset, kind, data, pages[page - 1]


def preview_area(db, actor: Actor, asset_id: int, page: int, box: list[int]) -> bytes:
    """A PNG of the page with the box drawn where it falls: the PNG template itself, or a
    PDF page's outline to scale (no PDF renderer is needed), before anything is saved."""
    _, kind, data, size = _marked(db, actor, asset_id, page, box)
    if kind == ".pdf":
        scale = 600 / max(size.width, size.height)
        image = Image.new("RGB", (round(size.width * scale), round(size.height * scale)),
                          "white")
        ImageDraw.Draw(image).rectangle([0, 0, image.width - 1, image.height - 1],
                                        outline="gray", width=2)
    else:
        scale, image = 1.0, _image(data, "file").convert("RGB")
    x, y, w, h = (v * scale for v in box)
    ImageDraw.Draw(image).rectangle([x, y, x + w, y + h], outline="red", width=3)
    return _png(image)


# ---------------------------------------------------------------- a partner's copy


def cobrand(db, actor: Actor, asset_id: int, logo: tuple[str, bytes], contact: ContactIn | dict,
            *, record: bool = True, now: datetime | None = None) -> Cobranded:
    """The partner's copy of the template with its logo and contact details in the area; a
    preview (record=False) is not counted, a download is."""
    require(actor, "portal.view")
    asset = load_asset(db, viewer(db, actor), asset_id)
    if asset.cobrand_page is None:
        raise RuleViolation("This asset has no area for a logo.", field="asset")
    version = current(db, asset)
    kind, data = _template(asset, version)
    contact = as_model(ContactIn, contact)
    mark = _logo(logo)
    lines = [line for line in (contact.name, contact.website, contact.phone, contact.email)
             if line]
    if kind == ".pdf":
        try:
            out = _on_pdf(data, asset.cobrand_page, asset.cobrand_box, mark, lines)
        except (PyPdfError, NotImplementedError, ValueError, KeyError, IndexError,
                TypeError, OSError) as exc:
            # A template pypdf reads but cannot draw on (an unknown filter, a page gone).
            raise RuleViolation(f"This template cannot be co-branded ({exc.__class__.__name__})"
                                ": ask the channel team for a new version.",
                                field="asset") from None
        mime = "application/pdf"
    else:
        out, mime = _on_png(data, asset.cobrand_box, mark, lines), "image/png"
    if record:
        record_download(db, actor, asset, version, cobranded=True, now=now)
    stem = (version.file_name or f"asset-{asset.id}").rsplit(".", 1)[0]
    return Cobranded(f"{stem}-cobranded{kind if kind == '.pdf' else '.png'}", out, mime)


def _on_pdf(data: bytes, page_no: int, box: list[int], mark: Image.Image,
            lines: list[str]) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    page = writer.pages[page_no - 1]
    box_of_page = page.mediabox  # its origin need not be (0, 0)
    left, top = float(box_of_page.left), float(box_of_page.top)
    x, y, w, h = box
    overlay = io.BytesIO()
    c = canvas.Canvas(overlay, pagesize=(float(box_of_page.right), top))
    logo_w, logo_h = _fit(mark, w * 0.4 if lines else w, h)
    x, bottom = left + x, top - y - h  # reportlab counts from the bottom
    c.drawImage(ImageReader(mark), x, bottom + (h - logo_h) / 2, logo_w, logo_h,
                mask="auto")
    size, kept = _text_fit(lines, w - logo_w - 6, h)
    text = c.beginText(x + logo_w + 6, bottom + h - size)
    text.setFont("Helvetica", size)
    for line in kept:
        text.textLine(line)
    c.drawText(text)
    c.save()
    page.merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _on_png(data: bytes, box: list[int], mark: Image.Image, lines: list[str]) -> bytes:
    image = _image(data, "file").convert("RGBA")
    x, y, w, h = box
    logo_w, logo_h = (round(v) for v in _fit(mark, w * 0.4 if lines else w, h))
    resized = mark.convert("RGBA").resize((max(logo_w, 1), max(logo_h, 1)))
    image.alpha_composite(resized, (x, y + (h - logo_h) // 2))
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((x + logo_w + 6, y + 2 + n * 14), line, fill="black")
    return _png(image)


def _text_fit(lines: list[str], width: float, height: float) -> tuple[float, list[str]]:
    """A font size (4 to 11 points) and the lines that fit the area beside the logo: as many
    as its height holds, each cut to its width."""
    if not lines or width <= 0:
        return 8.0, []
    size = max(4.0, min(11.0, height / (len(lines) * 1.2)))
    kept = lines[:max(int(height // (size * 1.2)), 0)]
    out = []
    for line in kept:
        while line and stringWidth(line, "Helvetica", size) > width:
            line = line[:-1]
        out.append(line)
    return size, out


def _fit(mark: Image.Image, width: float, height: float) -> tuple[float, float]:
    """The logo's size inside width x height, keeping its shape."""
    scale = min(width / mark.width, height / mark.height)
    return mark.width * scale, mark.height * scale


def _logo(logo: tuple[str, bytes]) -> Image.Image:
    name, data = logo
    if not data:
        raise RuleViolation("Upload your logo.", field="logo")
    if len(data) > LOGO_MAX_MB * 1024 * 1024:
        raise RuleViolation(f"The logo is larger than {LOGO_MAX_MB} MB.", field="logo")
    try:
        content_kind(data, LOGO_KINDS, LOGO_REFUSAL)
    except RuleViolation:
        raise RuleViolation(LOGO_REFUSAL, field="logo") from None
    return _image(data, "logo")


def _image(data: bytes, field: str) -> Image.Image:
    """The image, read only when its sides are within bounds (a small file can claim a huge
    picture: its header is read first)."""
    try:
        image = Image.open(io.BytesIO(data))
        if max(image.size) > LOGO_MAX_SIDE and field == "logo":
            raise RuleViolation(f"The logo is larger than {LOGO_MAX_SIDE:,} pixels a side: "
                                "make it smaller.", field=field)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise RuleViolation(f"This image cannot be read ({exc.__class__.__name__}).",
                            field=field) from None
    return image


def _template(asset, version) -> tuple[str, bytes]:
    if asset.kind != "file" or version.file_kind not in (".pdf", ".png"):
        raise RuleViolation("Only a PDF or PNG file can be a co-branding template.",
                            field="asset")
    data = read_by_hash(AREA, version.content_hash or "")
    if data is None:
        raise RuleViolation("The template's file is missing.", field="asset")
    return version.file_kind, data


def _check_box(box: list[int], page: Page) -> None:
    if len(box) != 4 or any(not isinstance(v, int | float) or v != v or abs(v) == float("inf")
                            for v in box):
        raise RuleViolation("Give the area as left, top, width and height.", field="box")
    x, y, w, h = box
    if w < 20 or h < 10:
        raise RuleViolation("Make the area at least 20 wide and 10 high.", field="box")
    if x < 0 or y < 0 or x + w > page.width or y + h > page.height:
        raise RuleViolation(f"The area leaves the page ({page.width:g} x {page.height:g}).",
                            field="box")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def copy_preview(db, actor: Actor, asset_id: int, logo: tuple[str, bytes],
                 contact: ContactIn | dict) -> bytes:
    """A PNG of the partner's copy before it downloads it (nothing recorded): a PNG
    template as it will be; a PDF's marked page to scale, its logo and lines where they
    land."""
    made = cobrand(db, actor, asset_id, logo, contact, record=False)
    if made.mime == "image/png":
        return made.data
    asset = load_asset(db, viewer(db, actor), asset_id)
    _, data = _template(asset, current(db, asset))
    size = pdf_pages(data)[asset.cobrand_page - 1]
    scale = 600 / max(size.width, size.height)
    page = Image.new("RGB", (round(size.width * scale), round(size.height * scale)), "white")
    ImageDraw.Draw(page).rectangle([0, 0, page.width - 1, page.height - 1], outline="gray")
    box = [round(v * scale) for v in asset.cobrand_box]
    contact = as_model(ContactIn, contact)
    lines = [v for v in (contact.name, contact.website, contact.phone, contact.email) if v]
    return _on_png(_png(page), box, _logo(logo), lines)
