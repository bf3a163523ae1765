"""PDF templates read with pypdf: their pages' sizes, or a clear refusal for a file that
cannot be read (checked when it is uploaded, and again when it is used)."""

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from core.errors import RuleViolation

BAD_PDF = "This PDF cannot be read ({why}): export it again and upload it again."


@dataclass(frozen=True)
class Page:
    width: float
    height: float


def pdf_pages(data: bytes) -> list[Page]:
    """The pages' sizes in points; RuleViolation on "file" for a PDF that cannot be read."""
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [Page(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
        if any(int(p.get("/Rotate", 0) or 0) % 360 for p in reader.pages):
            raise RuleViolation("This PDF has turned pages: export it upright and upload it "
                                "again.", field="file")
    except (PyPdfError, NotImplementedError, ValueError, KeyError, TypeError, OSError) as exc:
        raise RuleViolation(BAD_PDF.format(why=exc.__class__.__name__), field="file") from None
    if not pages:
        raise RuleViolation(BAD_PDF.format(why="no pages"), field="file")
    return pages
