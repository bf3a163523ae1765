"""A statement as a PDF (reportlab) and as a workbook (openpyxl): the partner's earnings per
program for the quarter, what was approved and paid, and every ledger entry behind them.
Both say the same totals as the ledger, and both come only through `get_statement`, so a
partner reads only its own."""

import io
from datetime import UTC

from sqlalchemy.orm import Session

from core.actor import Actor
from core.exports import safe_cell, to_xlsx_sheets
from core.incentives.statements import StatementOut, get_statement
from core.incentives.status import ENTRY_KINDS
from core.money import base_money
from core.settings import get_settings


def file_stem(out: StatementOut) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in out.row.partner_name.lower()).strip("-")
    return f"incentive-statement-{out.row.quarter}-{slug[:40]}"


def _totals(out: StatementOut) -> list[tuple[str, object]]:
    r = out.row
    return [("Earned", r.earned), ("Approved", r.approved), ("Paid", r.paid),
            ("Waiting for approval", r.pending), ("Approved, not yet paid", r.owed)]


def statement_xlsx(db: Session, actor: Actor, statement_id: int) -> tuple[str, bytes]:
    out = get_statement(db, actor, statement_id)
    r = out.row
    summary = [("Partner", r.partner_name), ("Quarter", r.quarter),
               ("From", r.starts_on), ("To", r.ends_on), ("Status", r.status_label),
               ("Currency", get_settings().base_currency), *_totals(out)]
    earnings = [(line.program, line.kind, line.rep_email, line.rule, line.figures,
                 line.earned) for line in out.lines]
    earnings.append(("Total", "", "", "", "", r.earned))
    entries = [(e.at, ENTRY_KINDS[e.kind], e.program, e.rep_email, e.amount, e.reference,
                e.note, e.actor) for e in out.entries]
    data = to_xlsx_sheets([
        ("Statement", ("Item", "Value"), summary),
        ("Earnings", ("Program", "Kind", "Rep", "Rule", "Figures", "Earned"), earnings),
        ("Ledger", ("At (UTC)", "Entry", "Program", "Rep", "Amount", "Reference", "Note",
                    "By"), entries)])
    return f"{file_stem(out)}.xlsx", data


def statement_pdf(db: Session, actor: Actor, statement_id: int) -> tuple[str, bytes]:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    out = get_statement(db, actor, statement_id)
    r = out.row
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def esc(value: object) -> str:
        # Paragraph reads markup: the partner's own words are escaped, never interpreted.
        plain = str(safe_cell(value) if isinstance(value, str) else value)
        return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def text(value: object) -> Paragraph:
        return Paragraph(esc(value), small)

    def money(amount) -> str:
        return base_money(amount, symbol=False)

    def table(rows: list[list], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
            ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
        return t

    story = [Paragraph("Incentive statement", styles["Title"]),
             Paragraph(f"{esc(r.partner_name)} — {r.quarter} ({r.starts_on:%d %B %Y} to "
                       f"{r.ends_on:%d %B %Y})", styles["Heading2"]),
             Paragraph(f"Status: {r.status_label}", styles["BodyText"]), Spacer(1, 8),
             table([["", ""], *[[k, money(v)] for k, v in _totals(out)]], [200, 120]),
             Spacer(1, 12), Paragraph("Earnings", styles["Heading3"])]
    rows = [["Program", "Rep", "Rule", "Figures", "Earned"]]
    rows += [[text(line.program), text(line.rep_email), text(line.rule), text(line.figures),
              money(line.earned)] for line in out.lines]
    rows.append(["Total", "", "", "", money(r.earned)])
    story += [table(rows, [95, 80, 150, 120, 70]), Spacer(1, 12),
              Paragraph("Ledger", styles["Heading3"])]
    rows = [["At (UTC)", "Entry", "Program", "Reference", "Amount"]]
    rows += [[f"{e.at.astimezone(UTC):%Y-%m-%d %H:%M}", ENTRY_KINDS[e.kind], text(e.program),
              text(e.reference), money(e.amount)] for e in out.entries]
    story.append(table(rows, [85, 60, 150, 120, 100]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"Incentive statement {r.quarter}",
                            author="PRM", pageCompression=0)
    doc.build(story)
    return f"{file_stem(out)}.pdf", buf.getvalue()
