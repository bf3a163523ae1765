"""The products POS lines name (the admin's catalog below the product lines): one by one, or
a CSV of sku, name, product line, list price [, active] checked whole before anything is
written."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.pos.cleanse import sku_key
from core.validation import Amount, RequiredText, as_model
from db.models import Product, ProductLine
from db.types import utcnow


class ProductIn(BaseModel):
    sku: RequiredText(60, "Enter the SKU.", too_long="Keep the SKU to 60 characters.") = ""
    name: RequiredText(200, "Enter the product's name.",
                       too_long="Keep the name to 200 characters.") = ""
    product_line_id: int
    list_price: Amount("list price", zero_ok=True)
    active: bool = True


@dataclass(frozen=True)
class ProductOut:
    id: int
    sku: str
    name: str
    product_line_id: int
    product_line: str
    list_price: Decimal
    active: bool


def list_products(db: Session, actor: Actor, *, active_only: bool = False) -> list[ProductOut]:
    require(actor, "pos.view")
    q = (select(Product, ProductLine.name).join(ProductLine,
                                                ProductLine.id == Product.product_line_id)
         .order_by(Product.sku))
    if active_only:
        q = q.where(Product.active)
    return [ProductOut(p.id, p.sku, p.name, p.product_line_id, line, p.list_price, p.active)
            for p, line in db.execute(q)]


def save_product(db: Session, actor: Actor, data: ProductIn | dict, *,
                 product_id: int | None = None, now: datetime | None = None) -> ProductOut:
    require(actor, "product.manage")
    now = now or utcnow()
    data = as_model(ProductIn, data)
    sku = data.sku.strip().upper()
    if db.get(ProductLine, data.product_line_id) is None:
        raise RuleViolation("Choose the product line from the catalog.", field="product_line_id")
    clash = db.scalar(select(Product.id).where(Product.sku_key == sku_key(sku)))
    if clash is not None and clash != product_id:
        raise RuleViolation(f"A product has this SKU already (or one that differs only in "
                            f"spaces or dashes): #{clash}.", field="sku")
    product = db.get(Product, product_id) if product_id else None
    if product_id and product is None:
        raise NotFound("product")
    before = audit.snapshot(product, ["sku", "name", "list_price", "active"]) if product \
        else None
    if product is None:
        product = Product(created_at=now)
        db.add(product)
    product.sku, product.sku_key, product.name = sku, sku_key(sku), data.name
    product.product_line_id, product.list_price = data.product_line_id, data.list_price
    product.active, product.updated_at = data.active, now
    db.flush()
    audit.record(db, actor, "product.save", "product", product.id, before=before,
                 after=audit.snapshot(product, ["sku", "name", "list_price", "active"]),
                 now=now)
    line = db.scalar(select(ProductLine.name).where(ProductLine.id == product.product_line_id))
    return ProductOut(product.id, product.sku, product.name, product.product_line_id, line,
                      product.list_price, product.active)


@dataclass(frozen=True)
class ProductImport:
    added: int
    updated: int


def import_products(db: Session, actor: Actor, data: bytes, *,
                    now: datetime | None = None) -> ProductImport:
    """A CSV with the columns sku, name, product_line, list_price and optionally active: every
    row checked first (the first bad one named by line), then written; a known SKU is
    updated."""
    require(actor, "product.manage")
    now = now or utcnow()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleViolation("Save the file as UTF-8 CSV.", field="file") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    lines = {n.lower(): i for i, n in db.execute(select(ProductLine.id, ProductLine.name))}
    checked = []
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        line = lines.get(row.get("product_line", "").lower())
        if line is None:
            raise RuleViolation(f"Line {number}: not a product line of the catalog: "
                                f"{row.get('product_line', '')[:60]!r}.", field="file")
        try:
            checked.append(as_model(ProductIn, {
                "sku": row.get("sku", ""), "name": row.get("name", ""),
                "product_line_id": line, "list_price": row.get("list_price", ""),
                "active": row.get("active", "yes").lower() not in ("no", "false", "0")}))
        except Exception as exc:  # noqa: BLE001 - a pydantic error, said with its line
            raise RuleViolation(f"Line {number}: {str(exc).splitlines()[-1][:200]}",
                                field="file") from None
    known = {k: i for i, k in db.execute(select(Product.id, Product.sku_key))}
    added = updated = 0
    for item in checked:
        existing = known.get(sku_key(item.sku))
        save_product(db, actor, item, product_id=existing, now=now)
        added, updated = added + (existing is None), updated + (existing is not None)
        known.setdefault(sku_key(item.sku), -1)
    audit.record(db, actor, "product.import", "product", None,
                 after={"added": added, "updated": updated}, now=now)
    return ProductImport(added, updated)

