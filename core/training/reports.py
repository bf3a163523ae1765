"""Who learned what: a partner admin's team (its own users only), and the channel team's views
across partners: completion per course, certified users per partner and product line,
certifications expiring soon, and the partners whose tier an expiry will leave short of its
certified users."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.errors import NotFound
from core.permissions import require, scope
from core.training.certifications import certified_per_line
from db.models import (
    Certification,
    CertificationTrack,
    Course,
    CourseCompletion,
    CourseModule,
    ModuleProgress,
    Partner,
    ProductLine,
    QuizAttempt,
    Tier,
    User,
)
from db.types import utcnow


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    learner: str
    partner_id: int
    course_id: int
    course: str
    version: int
    modules_done: int
    modules: int
    attempts: int
    best_score: int | None
    completed_at: datetime | None


def team_progress(db: Session, actor: Actor, partner_id: int | None = None) -> list[LearnerRow]:
    """Each of the partner's users' courses begun: modules read, attempts, best score, when
    completed. A partner admin gets its own partner's whatever it asks; the vendor names one."""
    require(actor, "training.team")
    if actor.role == Role.PARTNER_ADMIN:
        partner_id = actor.partner_id
    if partner_id is None or db.get(Partner, partner_id) is None:
        raise NotFound("partner")
    users = dict(db.execute(select(User.id, User.display_name)
                            .where(User.partner_id == partner_id)).tuples().all())
    if not users:
        return []
    read = dict(((u, c), n) for u, c, n in db.execute(
        select(ModuleProgress.user_id, CourseModule.course_id, func.count())
        .join(CourseModule, CourseModule.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id.in_(users))
        .group_by(ModuleProgress.user_id, CourseModule.course_id)).tuples())
    tried = {(u, c): (n, best) for u, c, n, best in db.execute(
        select(QuizAttempt.user_id, QuizAttempt.course_id, func.count(),
               func.max(QuizAttempt.score))
        .where(QuizAttempt.user_id.in_(users))
        .group_by(QuizAttempt.user_id, QuizAttempt.course_id)).tuples()}
    done = {(u, c): at for u, c, at in db.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_id,
               CourseCompletion.completed_at)
        .where(CourseCompletion.user_id.in_(users))).tuples()}
    pairs = read.keys() | tried.keys() | done.keys()
    courses = {c.id: c for c in db.scalars(select(Course).where(
        Course.id.in_({c for _, c in pairs})))} if pairs else {}
    sizes = dict(db.execute(select(CourseModule.course_id, func.count())
                            .where(CourseModule.course_id.in_(courses))
                            .group_by(CourseModule.course_id)).tuples().all()) if courses else {}
    rows = [LearnerRow(u, users[u], partner_id, c, courses[c].title, courses[c].version,
                       read.get((u, c), 0), sizes.get(c, 0), tried.get((u, c), (0, None))[0],
                       tried.get((u, c), (0, None))[1], done.get((u, c)))
            for u, c in pairs]
    return sorted(rows, key=lambda r: (r.learner, r.course, r.version))


@dataclass(frozen=True)
class ExpiringRow:
    certification_id: int
    holder: str
    partner_id: int
    partner: str
    track: str
    expires_at: datetime


def expiring(db: Session, actor: Actor, days: int, *, now: datetime | None = None,
             limit: int = 500) -> list[ExpiringRow]:
    """Current certifications that expire within `days` days, soonest first: the vendor's
    across partners, a partner admin's own team's."""
    require(actor, "training.team")
    now = now or utcnow()
    q = (select(Certification.id, User.display_name, Partner.id, Partner.name,
                CertificationTrack.name, Certification.expires_at)
         .join(User, User.id == Certification.user_id)
         .join(Partner, Partner.id == Certification.partner_id)
         .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
         .where(Certification.expires_at > now,
                Certification.expires_at <= now + timedelta(days=days),
                Certification.revoked_at.is_(None))
         .order_by(Certification.expires_at, Certification.id).limit(limit))
    return [ExpiringRow(*row) for row in db.execute(scope(actor, q, Certification)).tuples()]


@dataclass(frozen=True)
class CourseCompletionRow:
    course: str
    version: int
    status: str
    learners: int  # began it: read a module or tried its quiz
    completed: int


def completion_by_course(db: Session, actor: Actor) -> list[CourseCompletionRow]:
    """Per course version: how many partner users began it and how many completed it."""
    require(actor, "training.author")
    began: dict[int, set[int]] = defaultdict(set)
    for course_id, user_id in db.execute(
            select(CourseModule.course_id, ModuleProgress.user_id).distinct()
            .join(ModuleProgress, ModuleProgress.module_id == CourseModule.id)):
        began[course_id].add(user_id)
    for course_id, user_id in db.execute(
            select(QuizAttempt.course_id, QuizAttempt.user_id).distinct()):
        began[course_id].add(user_id)
    completed = dict(db.execute(select(CourseCompletion.course_id, func.count())
                                .group_by(CourseCompletion.course_id)).tuples().all())
    return [CourseCompletionRow(c.title, c.version, c.status, len(began[c.id]),
                                completed.get(c.id, 0))
            for c in db.scalars(select(Course).where(Course.status != "draft")
                                .order_by(Course.title, Course.version))]


@dataclass(frozen=True)
class CertifiedRow:
    partner_id: int
    partner: str
    product_line: str
    certified_users: int


def certified_by_partner(db: Session, actor: Actor, *,
                         now: datetime | None = None) -> list[CertifiedRow]:
    """Users with a current certification, per partner and product line certified."""
    require(actor, "training.author")
    lines = dict(db.execute(select(ProductLine.id, ProductLine.name)).tuples().all())
    partners = dict(db.execute(select(Partner.id, Partner.name)).tuples().all())
    return sorted((CertifiedRow(p, partners[p], lines.get(line, "?"), users)
                   for (p, line), users in certified_per_line(db, now=now).items()),
                  key=lambda r: (r.partner, r.product_line))


@dataclass(frozen=True)
class TierRisk:
    partner_id: int
    partner: str
    tier: str
    needed: int
    certified: int
    after_expiries: int
    first_expiry: datetime


def tier_risks(db: Session, actor: Actor, days: int = 90, *,
               now: datetime | None = None) -> list[TierRisk]:
    """Partners that meet their tier's certified-user minimum today and will not once the
    certifications expiring within `days` days lapse (unless renewed)."""
    require(actor, "training.author")
    now = now or utcnow()
    soon = now + timedelta(days=days)
    current: dict[int, set[int]] = defaultdict(set)
    lasting: dict[int, set[int]] = defaultdict(set)
    first: dict[int, datetime] = {}
    for partner_id, user_id, expires in db.execute(
            select(Certification.partner_id, Certification.user_id, Certification.expires_at)
            .join(User, User.id == Certification.user_id)
            .where(Certification.expires_at > now, Certification.revoked_at.is_(None),
                   User.is_active)):
        current[partner_id].add(user_id)
        if expires > soon:
            lasting[partner_id].add(user_id)
        else:
            first[partner_id] = min(first.get(partner_id, expires), expires)
    out = []
    for partner_id, name, tier, needed in db.execute(
            select(Partner.id, Partner.name, Tier.name, Tier.min_certified_users)
            .join(Tier, Tier.id == Partner.tier_id)
            .where(Tier.min_certified_users > 0, Partner.id.in_(first))):
        have, keep = len(current[partner_id]), len(lasting[partner_id])
        if have >= needed > keep:
            out.append(TierRisk(partner_id, name, tier, needed, have, keep, first[partner_id]))
    return sorted(out, key=lambda r: (r.first_expiry, r.partner))
