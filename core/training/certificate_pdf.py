"""The certificate as a PDF (reportlab): holder, partner, track, dates and the code, with the
address where anyone checks it. Text, not an image, so that it is searchable and a test can
read it back."""

import io
from urllib.parse import quote

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from core.settings import get_settings
from core.training.schemas import CertificationOut

PRIMARY = HexColor("#1f6feb")  # the app's theme colour
TEXT = HexColor("#31333f")


def check_address(code: str) -> str:
    return f"{get_settings().app_base_url.rstrip('/')}/certificate_check?code={quote(code)}"


def certificate_pdf(cert: CertificationOut) -> bytes:
    out = io.BytesIO()
    width, height = landscape(A4)
    page = Canvas(out, pagesize=(width, height), pageCompression=0)
    page.setTitle(f"Certificate: {cert.track_name}")
    page.setAuthor("PRM")
    page.setStrokeColor(PRIMARY)
    page.setLineWidth(4)
    page.rect(30, 30, width - 60, height - 60)
    middle = width / 2
    lines = [
        ("Helvetica", 14, TEXT, height - 120, "CERTIFICATE OF ACHIEVEMENT"),
        ("Helvetica", 13, TEXT, height - 175, "This certifies that"),
        ("Helvetica-Bold", 30, PRIMARY, height - 220, cert.holder),
        ("Helvetica", 13, TEXT, height - 250, f"of {cert.partner_name}"),
        ("Helvetica", 13, TEXT, height - 295, "is certified on"),
        ("Helvetica-Bold", 22, TEXT, height - 330, cert.track_name),
        ("Helvetica", 12, TEXT, height - 380,
         f"Issued {cert.issued_at:%d %B %Y}. Valid until {cert.expires_at:%d %B %Y}."),
        ("Helvetica", 11, TEXT, 110, f"Verification code: {cert.code}"),
        ("Helvetica", 10, TEXT, 90, f"Check it at {check_address(cert.code)}"),
    ]
    for font, size, colour, y, text in lines:
        page.setFont(font, size)
        page.setFillColor(colour)
        page.drawCentredString(middle, y, text)
    page.showPage()
    page.save()
    return out.getvalue()
