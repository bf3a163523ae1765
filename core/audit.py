"""The audit log: one event per changed row, written in the caller's transaction."""

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.permissions import require
from db.models import AuditEvent
from db.types import utcnow


def jsonable(value: Any) -> Any:
    """Decimal and datetime as strings, so JSON keeps them exact."""
    if isinstance(value, Decimal | datetime | date):
        return str(value) if not isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence | Set) and not isinstance(value, str | bytes):
        # Lists, tuples and sets, and a model's list-like attributes (partner.regions).
        return [jsonable(v) for v in value]
    return value


def snapshot(row: Any, fields: list[str]) -> dict[str, Any]:
    return {f: jsonable(getattr(row, f)) for f in fields}


def record(
    db: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    partner_id: int | None = None,
    now: datetime | None = None,
) -> None:
    db.add(
        AuditEvent(
            at=now or utcnow(),
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            actor_role=actor.role.value,
            partner_id=partner_id if partner_id is not None else actor.partner_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=jsonable(before),
            after=jsonable(after),
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    partner_id: int | None = None  # the events recorded for one partner (the partner 360)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    before: dict | None
    after: dict | None

    @property
    def changes(self) -> list[str]:
        return changes(self.before, self.after)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "—"
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[str]:
    """The fields an event changed, one line each, as people read them: "status: submitted
    -> approved" for a change, "tier: Gold" for a value set (nothing before, as at a
    creation), "note: x (removed)" for one that went. Fields in after's order."""
    before, after = before or {}, after or {}
    lines = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after:
            if old != new:
                lines.append(f"{key}: {_shown(old)} -> {_shown(new)}")
        elif key in after:
            lines.append(f"{key}: {_shown(new)}")
        else:
            lines.append(f"{key}: {_shown(old)} (removed)")
    return lines


def list_events(
    db: Session, actor: Actor, filt: AuditFilter = AuditFilter(), *, limit: int = 500,
    offset: int = 0,
) -> tuple[list[AuditRow], int]:
    """Newest first, with the total count that matches the filter."""
    require(actor, "audit.view")
    q = select(AuditEvent)
    if filt.actor:
        q = q.where(AuditEvent.actor_label.icontains(filt.actor, autoescape=True))
    if filt.action:
        q = q.where(AuditEvent.action.istartswith(filt.action, autoescape=True))
    if filt.entity:
        q = q.where(AuditEvent.entity == filt.entity)
    if filt.start:
        q = q.where(AuditEvent.at >= filt.start)
    if filt.end:
        q = q.where(AuditEvent.at < filt.end)
    if filt.partner_id is not None:
        q = q.where(AuditEvent.partner_id == filt.partner_id)
    total = db.scalar(select(func.count()).select_from(q.subquery()))
    rows = db.scalars(
        q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return [_row(e) for e in rows], total or 0


def entities(db: Session, actor: Actor) -> list[str]:
    require(actor, "audit.view")
    return list(db.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))


def _row(e: AuditEvent) -> AuditRow:
    return AuditRow(e.at, e.actor_label, e.actor_role, e.action, e.entity, e.entity_id,
                    e.before, e.after)
