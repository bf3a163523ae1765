"""Each submitter's templates: the mapping of its file's columns, its date and number
conventions, and the SKUs and resellers a person confirmed once."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import RuleViolation
from core.pos.cleanse import sku_key
from core.pos.mapping import FIELDS
from db.models import PosTemplate
from db.types import utcnow

DEFAULT = "default"


def template_for(db: Session, partner_id: int, name: str | None,
                 headers: Sequence[str]) -> PosTemplate | None:
    """The template named, or else the submitter's most recent one whose columns are all in
    the file; None when it has none that fits."""
    q = select(PosTemplate).where(PosTemplate.partner_id == partner_id)
    if name is not None:
        found = db.scalar(q.where(PosTemplate.name == name))
        if found is None:
            raise RuleViolation(f"No template named {name!r} for this partner.",
                                field="template")
        return found
    present = set(headers)
    for t in db.scalars(q.order_by(PosTemplate.updated_at.desc(), PosTemplate.id.desc())):
        if t.mapping and set(t.mapping.values()) <= present:
            return t
    return None


def aliases_of(db: Session, partner_id: int) -> tuple[dict[str, str], dict[str, int]]:
    """The SKU and reseller spellings a person confirmed for this submitter, whichever of
    its templates they were kept in (older first, so the latest confirmation wins)."""
    skus: dict[str, str] = {}
    resellers: dict[str, int] = {}
    for t in db.scalars(select(PosTemplate).where(PosTemplate.partner_id == partner_id)
                        .order_by(PosTemplate.updated_at, PosTemplate.id)):
        skus.update(t.sku_aliases or {})
        resellers.update(t.reseller_aliases or {})
    return skus, resellers


def save_template(db: Session, actor: Actor, partner_id: int, mapping: dict[str, str], *,
                  name: str = DEFAULT, date_format: str | None = None,
                  decimal_comma: bool | None = None, now: datetime | None = None
                  ) -> PosTemplate:
    """Create or update the submitter's template (the caller checked the actor may upload
    for the partner)."""
    now = now or utcnow()
    unknown = [f for f in mapping if f not in FIELDS]
    if unknown:
        raise RuleViolation(f"Not fields of a POS line: {', '.join(unknown)}.",
                            field="mapping")
    name = (name or DEFAULT).strip()[:80] or DEFAULT
    found = db.scalar(select(PosTemplate).where(PosTemplate.partner_id == partner_id,
                                                PosTemplate.name == name))
    if found is None:
        found = PosTemplate(partner_id=partner_id, name=name, sku_aliases={},
                            reseller_aliases={}, created_at=now)
        db.add(found)
    found.mapping = {f: h for f, h in mapping.items() if h}
    found.date_format, found.decimal_comma, found.updated_at = date_format, decimal_comma, now
    db.flush()
    audit.record(db, actor, "pos.template_save", "pos_template", found.id,
                 after={"name": name, "mapping": found.mapping}, partner_id=partner_id,
                 now=now)
    return found


def remember_sku(db: Session, template: PosTemplate, written: str, sku: str) -> None:
    """The submitter's files map this spelling to the catalog SKU from now on."""
    template.sku_aliases = {**(template.sku_aliases or {}), sku_key(written): sku}
    template.updated_at = utcnow()
    db.flush()


def remember_reseller(db: Session, template: PosTemplate, key: str, partner_id: int) -> None:
    template.reseller_aliases = {**(template.reseller_aliases or {}), key: partner_id}
    db.flush()
