"""The product catalog: the product lines a partner can register a deal for, kept by the admin.

A line is never deleted, only deactivated: registrations keep pointing at it. Names are unique
whatever their case: the service checks first, and the database's unique index on lower(name)
decides when two saves race past that check; either way the answer is the same."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import require
from core.validation import RequiredText
from db.models import ProductLine

FIELDS = ["name", "active"]
NAME_TAKEN = "A product line with that name already exists."
# How the databases name a broken unique name: the lower(name) index and the plain unique
# column (PostgreSQL names the index or constraint; SQLite the index or the column).
NAME_UNIQUE = ("uq_product_lines_lower_name", "uq_product_lines_name", "product_lines.name")


@dataclass(frozen=True)
class ProductLineOut:
    id: int
    name: str
    active: bool


class ProductLineIn(BaseModel):
    # Runs of spaces are one space: "Core  Platform" is "Core Platform".
    name: Annotated[RequiredText(100, "Enter the product line's name.",
                                 too_long="Keep the name to 100 characters or fewer."),
                    AfterValidator(lambda v: " ".join(v.split()))] = ""
    active: bool = True


def list_product_lines(db: Session, actor: Actor, *,
                       include_inactive: bool = False) -> list[ProductLineOut]:
    require(actor, "catalog.view")
    q = select(ProductLine)
    if not include_inactive:
        q = q.where(ProductLine.active)
    return [_out(p) for p in db.scalars(q.order_by(ProductLine.name))]


def names_by_id(db: Session) -> dict[int, str]:
    """Every line, active or not, for showing what a registration was for."""
    return dict(db.execute(select(ProductLine.id, ProductLine.name)).tuples().all())


def active_ids(db: Session) -> set[int]:
    return set(db.scalars(select(ProductLine.id).where(ProductLine.active)))


def create_product_line(db: Session, actor: Actor, data: ProductLineIn, *,
                        now: datetime | None = None) -> ProductLineOut:
    require(actor, "catalog.manage")
    _refuse_duplicate(db, data.name, None)
    line = ProductLine(name=data.name, active=data.active)
    with _name_unique(db):
        db.add(line)
    audit.record(db, actor, "product_line.create", "product_line", line.id,
                 after=audit.snapshot(line, FIELDS), now=now)
    return _out(line)


def update_product_line(db: Session, actor: Actor, line_id: int, data: ProductLineIn, *,
                        now: datetime | None = None) -> ProductLineOut:
    """Rename and/or (de)activate a line."""
    require(actor, "catalog.manage")
    line = db.get(ProductLine, line_id)
    if line is None:
        raise NotFound("product line")
    _refuse_duplicate(db, data.name, line.id)
    before = audit.snapshot(line, FIELDS)
    with _name_unique(db):
        line.name, line.active = data.name, data.active
    after = audit.snapshot(line, FIELDS)
    if after != before:
        audit.record(db, actor, "product_line.update", "product_line", line.id, before=before,
                     after=after, now=now)
    return _out(line)


def _refuse_duplicate(db: Session, name: str, own_id: int | None) -> None:
    q = select(ProductLine.id).where(func.lower(ProductLine.name) == name.lower())
    if own_id is not None:
        q = q.where(ProductLine.id != own_id)
    if db.scalar(q) is not None:
        raise RuleViolation(NAME_TAKEN, field="name")


@contextmanager
def _name_unique(db: Session) -> Iterator[None]:
    """Write the name in a savepoint: when another save took the name since the check (the
    unique index says so), undo only this write and give the check's answer."""
    try:
        with db.begin_nested():
            yield
            db.flush()
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in NAME_UNIQUE):
            raise
        raise RuleViolation(NAME_TAKEN, field="name") from None


def _out(p: ProductLine) -> ProductLineOut:
    return ProductLineOut(p.id, p.name, p.active)
