"""Incentive programs: created and edited as drafts (the working terms), published for a
quarter onward, retired. Calculations read only published terms, so a change never reaches a
quarter before the one it was published for."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.incentives.periods import Quarter, quarter_of
from core.incentives.schemas import ProgramIn, ProgramOut, Terms, TermsVersion
from core.incentives.status import BASES, KINDS, PROGRAM_TRANSITIONS
from core.money import base_money
from core.permissions import can, require
from core.validation import as_model
from db.models import IncentiveProgram, IncentiveTerms, Product, ProductLine, Tier
from db.types import utcnow


def _percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:g}%"


def _money(cents: int) -> str:
    return base_money(Decimal(cents) / 100, symbol=False)


def describe(kind: str, terms: Terms, names: dict[str, dict[int, str]] | None = None) -> str:
    """The terms in words, as the program page and the statement say them."""
    names = names or {}
    if kind == "volume":
        bands = "; ".join(f"{_percent(bp)} from {_money(t)}" for t, bp in terms.brackets)
        rule = f"{bands} ({BASES[terms.basis].lower()})"
    elif kind == "growth":
        rule = f"{_percent(terms.rate_bp)} of the growth over the same quarter a year earlier"
        if terms.min_growth_bp:
            rule += f", when it is {_percent(terms.min_growth_bp)} or more"
    else:
        skus = ", ".join(names.get("products", {}).get(p, str(p)) for p in terms.product_ids)
        who = "the named rep" if terms.payee == "rep" else "the partner"
        rule = f"{_money(terms.amount_cents)} per unit of {skus}, paid to {who}"
    if kind != "spiff" and terms.product_line_ids:
        rule += " on " + ", ".join(names.get("lines", {}).get(i, str(i))
                                   for i in terms.product_line_ids)
    if terms.eligible_tier_ids:
        rule += "; tiers " + ", ".join(names.get("tiers", {}).get(i, str(i))
                                       for i in terms.eligible_tier_ids)
    if terms.min_certified_users:
        where = (f" in {names.get('lines', {}).get(terms.certified_line_id, '')}"
                 if terms.certified_line_id else "")
        rule += f"; {terms.min_certified_users} certified user(s){where} at the quarter's end"
    return rule


def names(db: Session) -> dict[str, dict[int, str]]:
    return {"tiers": dict(db.execute(select(Tier.id, Tier.name)).tuples().all()),
            "lines": dict(db.execute(select(ProductLine.id, ProductLine.name)).tuples().all()),
            "products": dict(db.execute(select(Product.id, Product.sku)).tuples().all())}


def form_values(p: IncentiveProgram) -> dict:
    t = Terms.from_json(p.terms)
    return {"name": p.name, "kind": p.kind, "description": p.description,
            "starts_on": p.starts_on, "ends_on": p.ends_on,
            "eligible_tier_ids": list(t.eligible_tier_ids),
            "min_certified_users": t.min_certified_users,
            "certified_line_id": t.certified_line_id,
            "product_line_ids": list(t.product_line_ids),
            "brackets": [{"threshold": Decimal(c) / 100, "rate_percent": Decimal(bp) / 100}
                         for c, bp in t.brackets],
            "basis": t.basis, "rate_percent": Decimal(t.rate_bp) / 100,
            "min_growth_percent": Decimal(t.min_growth_bp) / 100,
            "product_ids": list(t.product_ids),
            "amount_per_unit": Decimal(t.amount_cents) / 100, "payee": t.payee}


def published(db: Session, program_ids: list[int] | None = None
              ) -> dict[int, list[tuple[date, Terms]]]:
    """{program id: [(effective from, terms)] oldest first}."""
    q = select(IncentiveTerms).order_by(IncentiveTerms.program_id, IncentiveTerms.effective_from)
    if program_ids is not None:
        q = q.where(IncentiveTerms.program_id.in_(program_ids))
    out: dict[int, list[tuple[date, Terms]]] = {}
    for v in db.scalars(q):
        out.setdefault(v.program_id, []).append((v.effective_from, Terms.from_json(v.terms)))
    return out


def in_force(versions: list[tuple[date, Terms]], quarter: Quarter) -> Terms | None:
    found = [t for start, t in versions if start <= quarter.starts_on]
    return found[-1] if found else None


@dataclass(frozen=True)
class Window:
    """What a calculation reads of a program under some terms: its kind and the days its
    sales count in (from the published terms; a retirement closes it on its last day)."""

    id: int
    kind: str
    starts_on: date
    ends_on: date | None

    def runs_in(self, quarter: Quarter) -> bool:
        return self.starts_on <= quarter.ends_on and (self.ends_on is None
                                                      or self.ends_on >= quarter.starts_on)

    def days_in(self, quarter: Quarter) -> tuple[date, date]:
        """The quarter's days inside the window (the caller checked it `runs_in`)."""
        return (max(self.starts_on, quarter.starts_on),
                min(self.ends_on or quarter.ends_on, quarter.ends_on))


def window_of(program: IncentiveProgram, terms: Terms) -> Window:
    end = terms.ends_on
    if program.status == "retired" and program.ends_on is not None:
        end = program.ends_on if end is None else min(end, program.ends_on)
    return Window(program.id, program.kind, terms.starts_on or program.starts_on, end)


def _may_read(actor: Actor) -> None:
    """Programs are read by those who keep them and those who replay them (what-if)."""
    if not (can(actor, "incentive.programs") or can(actor, "incentive.whatif")):
        raise PermissionDenied()


def load_program(db: Session, program_id: int) -> IncentiveProgram:
    program = db.get(IncentiveProgram, program_id)
    if program is None:
        raise NotFound("incentive program")
    return program


def program_out(db: Session, p: IncentiveProgram, found: dict | None = None,
                versions: list[tuple[date, Terms]] | None = None) -> ProgramOut:
    found = found or names(db)
    versions = versions if versions is not None else published(db, [p.id]).get(p.id, [])
    terms = Terms.from_json(p.terms)
    latest = versions[-1] if versions else None
    return ProgramOut(p.id, p.name, p.kind, KINDS[p.kind], p.status, p.starts_on, p.ends_on,
                      p.description, terms, latest[1] if latest else None,
                      latest[0] if latest else None, describe(p.kind, terms, found),
                      form_values(p))


def list_programs(db: Session, actor: Actor) -> list[ProgramOut]:
    """Every program: the vendor's roles (partners see theirs on their statements)."""
    _may_read(actor)
    found, versions = names(db), published(db)
    rows = db.scalars(select(IncentiveProgram).order_by(IncentiveProgram.status,
                                                        IncentiveProgram.name))
    return [program_out(db, p, found, versions.get(p.id, [])) for p in rows]


def get_program(db: Session, actor: Actor, program_id: int) -> ProgramOut:
    _may_read(actor)
    return program_out(db, load_program(db, program_id))


def history(db: Session, actor: Actor, program_id: int) -> list[TermsVersion]:
    _may_read(actor)
    program, found = load_program(db, program_id), names(db)
    return [TermsVersion(v.effective_from, describe(program.kind, Terms.from_json(v.terms),
                                                    found),
                         v.note, v.published_by_label, v.published_at)
            for v in db.scalars(select(IncentiveTerms).where(
                IncentiveTerms.program_id == program_id).order_by(
                IncentiveTerms.effective_from.desc()))]


def _check_refs(db: Session, data: ProgramIn) -> None:
    for field, model, ids in (("eligible_tier_ids", Tier, data.eligible_tier_ids),
                              ("product_line_ids", ProductLine, data.product_line_ids),
                              ("product_ids", Product, data.product_ids)):
        if ids and len(set(db.scalars(select(model.id).where(model.id.in_(ids))))) != len(
                set(ids)):
            raise RuleViolation("Choose from the list.", field=field)
    if data.certified_line_id is not None and db.get(ProductLine,
                                                     data.certified_line_id) is None:
        raise RuleViolation("Choose the product line from the list.", field="certified_line_id")


def _unique_name(db: Session, name: str, program_id: int | None = None) -> None:
    other = db.scalar(select(IncentiveProgram.id).where(IncentiveProgram.name == name))
    if other is not None and other != program_id:
        raise RuleViolation("Another program has this name.", field="name")


def _snapshot(p: IncentiveProgram) -> dict:
    return audit.snapshot(p, ["name", "kind", "status", "starts_on", "ends_on", "terms"])


def create_program(db: Session, actor: Actor, data: ProgramIn | dict, *,
                   now: datetime | None = None) -> ProgramOut:
    require(actor, "incentive.programs")
    now = now or utcnow()
    data = as_model(ProgramIn, data)
    _check_refs(db, data)
    _unique_name(db, data.name)
    program = IncentiveProgram(name=data.name, kind=data.kind, status="draft",
                               starts_on=data.starts_on, ends_on=data.ends_on,
                               terms=Terms.of(data).as_json(), description=data.description,
                               created_by_user_id=actor.user_id, created_at=now,
                               updated_at=now)
    db.add(program)
    db.flush()
    audit.record(db, actor, "incentive.program_create", "incentive_program", program.id,
                 after=_snapshot(program), now=now)
    return program_out(db, program)


def update_program(db: Session, actor: Actor, program_id: int, data: ProgramIn | dict, *,
                   now: datetime | None = None) -> ProgramOut:
    """New working terms (not in force until published). The kind stays once published."""
    require(actor, "incentive.programs")
    now = now or utcnow()
    data = as_model(ProgramIn, data)
    program = load_program(db, program_id)
    if program.status == "retired":
        raise RuleViolation("A retired program is not edited.")
    if program.status != "draft" and data.kind != program.kind:
        raise RuleViolation("A published program keeps its kind: create another program.",
                            field="kind")
    _check_refs(db, data)
    _unique_name(db, data.name, program.id)
    before = _snapshot(program)
    program.name, program.kind, program.description = data.name, data.kind, data.description
    program.starts_on, program.ends_on = data.starts_on, data.ends_on
    program.terms, program.updated_at = Terms.of(data).as_json(), now
    db.flush()
    audit.record(db, actor, "incentive.program_update", "incentive_program", program.id,
                 before=before, after=_snapshot(program), now=now)
    return program_out(db, program)


def publishable_quarters(today: date, count: int = 4) -> list[Quarter]:
    """The quarters a change may take effect from: this one (its figures are not final yet)
    and the next ones; never a quarter already over."""
    out, q = [], quarter_of(today)
    for _ in range(count):
        out.append(q)
        q = q.next()
    return out


def publish(db: Session, actor: Actor, program_id: int, effective_from: date, *,
            note: str = "", now: datetime | None = None) -> ProgramOut:
    """Put the working terms in force from a quarter: this one or a later one."""
    require(actor, "incentive.programs")
    now = now or utcnow()
    program = load_program(db, program_id)
    if program.status == "retired":
        raise RuleViolation("A retired program is not published again.")
    quarter = quarter_of(effective_from)
    if quarter.starts_on < quarter_of(now.date()).starts_on:
        raise RuleViolation("A change takes effect from this quarter or a later one: a "
                            "quarter already over keeps its terms.", field="effective_from")
    # Terms checked again as a whole: the working copy was valid when saved.
    as_model(ProgramIn, form_values(program))
    later = db.scalars(select(IncentiveTerms).where(
        IncentiveTerms.program_id == program.id,
        IncentiveTerms.effective_from >= quarter.starts_on)).all()
    if any(v.effective_from > quarter.starts_on for v in later):
        raise RuleViolation("Terms are already published for a later quarter: publish from "
                            "that quarter or later.", field="effective_from")
    version = next((v for v in later if v.effective_from == quarter.starts_on), None)
    if version is None:
        version = IncentiveTerms(program_id=program.id, effective_from=quarter.starts_on)
        db.add(version)
    # Re-publishing for the same quarter replaces that quarter's terms (not yet final).
    version.terms, version.note = program.terms, note[:500]
    version.published_by_user_id, version.published_by_label = actor.user_id, actor.label
    version.published_at = now
    before = program.status
    if program.status == "draft":
        program.status = "published"
    db.flush()
    audit.record(db, actor, "incentive.program_publish", "incentive_program", program.id,
                 before={"status": before},
                 after={"status": program.status, "effective_from": quarter.starts_on,
                        "terms": program.terms}, now=now)
    return program_out(db, program)


def retire(db: Session, actor: Actor, program_id: int, last_day: date, *,
           now: datetime | None = None) -> ProgramOut:
    """Stop a published program after `last_day` (today or later): its window closes there,
    past statements stay."""
    require(actor, "incentive.programs")
    now = now or utcnow()
    program = load_program(db, program_id)
    if "retired" not in PROGRAM_TRANSITIONS[program.status]:
        raise RuleViolation("Only a published program is retired; a draft is simply not "
                            "published.")
    if last_day < now.date():
        raise RuleViolation("The last day is today or later.", field="last_day")
    before = _snapshot(program)
    program.status = "retired"
    program.ends_on = last_day  # closes the published window (core.incentives.programs.window_of)
    db.flush()
    audit.record(db, actor, "incentive.program_retire", "incentive_program", program.id,
                 before=before, after=_snapshot(program), now=now)
    return program_out(db, program)


def choices(db: Session, actor: Actor) -> dict[str, dict[int, str]]:
    """{"tiers"|"lines"|"products": {id: name}} for the program form (SKUs as "SKU — name")."""
    _may_read(actor)
    found = names(db)
    found["products"] = {i: f"{sku} — {name}" for i, sku, name in db.execute(
        select(Product.id, Product.sku, Product.name).order_by(Product.sku))}
    return found
