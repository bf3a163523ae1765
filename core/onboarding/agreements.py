"""Partner agreements, versioned: the admin publishes, a partner's admin accepts the current
version for the whole partner, and until then the partner's users are held at the agreement."""

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.notifications import notify_role
from core.onboarding.checklist import record_event
from core.onboarding.schemas import (
    AGREEMENT_PAGE,
    AgreementHistoryRow,
    AgreementIn,
    AgreementOut,
    AgreementStatus,
)
from core.permissions import can, require, scope
from core.standing import require_open_partner
from core.validation import as_model
from db.models import (
    Agreement,
    AgreementAcceptance,
    Partner,
    User,
)
from db.types import utcnow

# ---------------------------------------------------------------- agreements


def current_agreement(db: Session) -> AgreementOut | None:
    """The highest published version, or None when none was ever published."""
    row = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    return _agreement_out(db, row) if row else None


def has_accepted_current(db: Session, partner_id: int) -> bool:
    """One indexed query: has the partner accepted the highest version? True when there is
    no agreement at all. Called on every page load of a partner user."""
    row = db.execute(
        select(Agreement.id, AgreementAcceptance.id)
        .outerjoin(AgreementAcceptance,
                   and_(AgreementAcceptance.agreement_id == Agreement.id,
                        AgreementAcceptance.partner_id == partner_id))
        .order_by(Agreement.version.desc())
        .limit(1)
    ).first()
    return row is None or row[1] is not None


AGREEMENT_PENDING = ("Your company has not accepted the current partner agreement yet. A "
                     "partner admin accepts it on the Partner agreement page.")


def require_agreement(db: Session, actor: Actor) -> None:
    """Partner users work (deals, their team) only once their company has accepted the
    current agreement, and while their company is neither suspended nor terminated. The menu
    hides those pages; this refuses the service calls."""
    require_open_partner(db, actor)
    if (actor.is_partner and actor.partner_id is not None
            and not has_accepted_current(db, actor.partner_id)):
        raise PermissionDenied(AGREEMENT_PENDING)


def get_agreement_for(db: Session, actor: Actor) -> AgreementStatus:
    """The current agreement and whether the actor's partner has accepted it. Vendor users
    see the text with accepted=False and can_accept=False."""
    require(actor, "agreement.view")
    require_open_partner(db, actor)
    current = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    if current is None:
        return AgreementStatus(None, True, None, None, False)
    return _status(db, actor, current)


def accept_agreement(db: Session, actor: Actor, version: int, *,
                     now: datetime | None = None) -> AgreementStatus:
    """The partner admin accepts `version` for its partner. Only the current version can be
    accepted (the page passes the version it showed, so a version published meanwhile is not
    accepted unread). Accepting again is a no-op."""
    require(actor, "agreement.accept")
    require_open_partner(db, actor)
    now = now or utcnow()
    partner = db.get(Partner, actor.partner_id)
    if partner is None:
        raise NotFound("partner")
    current = db.scalar(select(Agreement).order_by(Agreement.version.desc()).limit(1))
    if current is None:
        raise NotFound("agreement")
    if int(version) > current.version:
        raise RuleViolation(f"There is no version {version} of the agreement; the current one "
                            f"is version {current.version}.", field="version")
    if int(version) != current.version:
        raise RuleViolation(
            f"Version {version} is not the current agreement: version {current.version} has "
            "been published since. Read it and accept that one.", field="version")
    done = db.scalar(select(AgreementAcceptance).where(
        AgreementAcceptance.agreement_id == current.id,
        AgreementAcceptance.partner_id == partner.id))
    if done is None:
        acceptance = AgreementAcceptance(agreement_id=current.id, partner_id=partner.id,
                                         user_id=actor.user_id, accepted_at=now)
        try:
            with db.begin_nested():  # another admin of the partner may accept at this moment
                db.add(acceptance)
                db.flush()
        except IntegrityError:
            return _status(db, actor, current)
        audit.record(db, actor, "agreement.accept", "agreement_acceptance", acceptance.id,
                     after={"agreement_id": current.id, "version": current.version,
                            "partner_id": partner.id, "user_id": actor.user_id,
                            "accepted_at": now}, partner_id=partner.id, now=now)
        record_event(db, partner.id, "agreement_accepted", now=now, actor=actor)
    return _status(db, actor, current)


def publish_agreement(db: Session, actor: Actor, title: str, body_markdown: str, *,
                      now: datetime | None = None) -> AgreementOut:
    """A new version (the highest + 1). Every partner must accept it; their admins are
    notified once per version. On SQLite call it in unit_of_work(engine, immediate=True)."""
    require(actor, "agreement.publish")
    now = now or utcnow()
    data = as_model(AgreementIn, {"title": title, "body_markdown": body_markdown})
    version = (db.scalar(select(func.max(Agreement.version))) or 0) + 1
    row = Agreement(version=version, title=data.title, body_markdown=data.body_markdown,
                    published_at=now, published_by_user_id=actor.user_id)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise RuleViolation("Another version was published at the same moment; reload the "
                            "page and check it before publishing.") from None
    audit.record(db, actor, "agreement.publish", "agreement", row.id,
                 after={"version": version, "title": data.title, "published_at": now},
                 now=now)
    notify_role(db, Role.PARTNER_ADMIN.value,
                f"New partner agreement (version {version}) awaits your acceptance",
                f"Version {version} of the partner agreement, \"{data.title}\", was published. "
                "Until you accept it, your team sees only the agreement and their profile.",
                dedupe_key=f"agreement:v{version}", link=AGREEMENT_PAGE, now=now)
    return _agreement_out(db, row)


def list_agreements(db: Session, actor: Actor) -> list[AgreementHistoryRow]:
    """Every version, newest first, with how many partners accepted each (vendor roles)."""
    require(actor, "agreement.view")
    if actor.is_partner:
        raise PermissionDenied()
    counts = (select(AgreementAcceptance.agreement_id, func.count().label("n"))
              .group_by(AgreementAcceptance.agreement_id).subquery())
    rows = db.execute(select(Agreement, func.coalesce(counts.c.n, 0))
                      .outerjoin(counts, counts.c.agreement_id == Agreement.id)
                      .order_by(Agreement.version.desc())).all()
    partners = db.scalar(select(func.count()).select_from(Partner)
                         .where(Partner.status != "terminated")) or 0
    names = _user_names(db, {a.published_by_user_id for a, _ in rows})
    return [AgreementHistoryRow(_agreement_out(db, a, names), i == 0, int(n), partners)
            for i, (a, n) in enumerate(rows)]


def _status(db: Session, actor: Actor, current: Agreement) -> AgreementStatus:
    out = _agreement_out(db, current)
    if not actor.is_partner:
        return AgreementStatus(out, False, None, None, False)
    row = db.execute(scope(
        actor, select(AgreementAcceptance.accepted_at, User.display_name)
        .join(User, User.id == AgreementAcceptance.user_id)
        .where(AgreementAcceptance.agreement_id == current.id), AgreementAcceptance)
    ).first()
    if row is None:
        return AgreementStatus(out, False, None, None, can(actor, "agreement.accept"))
    return AgreementStatus(out, True, row[0], row[1], False)


def _agreement_out(db: Session, a: Agreement, names: dict[int, str] | None = None,
                   ) -> AgreementOut:
    if names is None:
        names = _user_names(db, {a.published_by_user_id})
    return AgreementOut(a.id, a.version, a.title, a.body_markdown, a.published_at,
                        names.get(a.published_by_user_id) if a.published_by_user_id else None)


def _user_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


