"""Reading POS: the files sent in and the clean lines, scoped (a partner admin only its own
partner's files and the lines it reported or sold)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.permissions import require, scope
from core.standing import require_open_partner
from db.models import Partner, PosFile, PosLine, Product


@dataclass(frozen=True)
class FileOut:
    id: int
    partner_name: str
    file_name: str
    rows: int
    clean: int
    exceptions: int
    duplicates: int
    clean_amount: Decimal
    uploaded_by: str
    uploaded_at: datetime


def list_files(db: Session, actor: Actor, *, limit: int = 200) -> list[FileOut]:
    require(actor, "pos.view")
    require_open_partner(db, actor)
    q = scope(actor, select(PosFile, Partner.name).join(Partner, Partner.id == PosFile.partner_id),
              PosFile)
    return [FileOut(f.id, name, f.file_name, f.rows, f.clean, f.exceptions, f.duplicates,
                    f.clean_amount, f.uploaded_by_label, f.uploaded_at)
            for f, name in db.execute(q.order_by(PosFile.uploaded_at.desc(), PosFile.id.desc())
                                      .limit(limit))]


@dataclass(frozen=True)
class LineOut:
    id: int
    invoice_number: str
    invoice_line: str
    invoice_date: date
    sku: str
    quantity: int
    amount: Decimal
    seller: str
    end_customer_name: str


def list_lines(db: Session, actor: Actor, partner_id: int | None = None, *,
               since: date | None = None, limit: int = 500) -> tuple[list[LineOut], int]:
    """Clean lines, newest invoice first: a partner admin's are those it reported or sold;
    `partner_id` narrows them to one partner's (reported or sold)."""
    require(actor, "pos.view")
    require_open_partner(db, actor)
    seller = Partner.__table__.alias("seller")
    q = (select(PosLine, Product.sku, seller.c.name)
         .join(Product, Product.id == PosLine.product_id)
         .join(seller, seller.c.id == PosLine.seller_id))
    if actor.is_partner:
        q = q.where(or_(PosLine.partner_id == actor.partner_id,
                        PosLine.seller_id == actor.partner_id))
    elif not actor.is_vendor and actor.role.value != "system":
        q = q.where(PosLine.id.is_(None))
    if partner_id is not None:
        q = q.where(or_(PosLine.partner_id == partner_id, PosLine.seller_id == partner_id))
    if since is not None:
        q = q.where(PosLine.invoice_date >= since)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.execute(q.order_by(PosLine.invoice_date.desc(), PosLine.id.desc()).limit(limit))
    return [LineOut(x.id, x.invoice_number, x.invoice_line, x.invoice_date, sku, x.quantity,
                    x.amount, name, x.end_customer_name)
            for x, sku, name in rows], total
