"""Demo training: the course folders of seed/courses loaded and published as a content owner
would (`python -m core.training load`), two certification tracks, the onboarding checklist's
course step active again, and learners who did the work through the services at past
moments: partner admins through the onboarding course, reps certified on Analytics, some on
Security Suite whose certification expires within a month, and p01.rep1 half-way through
Analytics fundamentals. The onboarding course alone certifies a Partner Associate.
The tiers above Registered ask for a certified user, so tier rules bite: partners without one
fall short, and the first Silver partner's only certification expires within the month (a
tier at risk on the training report). Deterministic."""

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import onboarding
from core.accounts.records import actor_of
from core.actor import Actor
from core.errors import DomainError
from core.tiers import update_tier_rules
from core.training import complete_module, open_course, save_track, submit_attempt
from core.training.loader import load_folder
from db.models import OnboardingStep, ProductLine, QuizOption, QuizQuestion, Tier, User
from seed.demo import PARTNER_COUNT, TIER_MIX

COURSES = Path(__file__).resolve().parent / "courses"
FOLDERS = ("partner-onboarding", "analytics-fundamentals", "analytics-selling",
           "analytics-renewal", "security-fundamentals", "security-renewal")

ANALYTICS_TRACK = "Certified Analytics Seller"
SECURITY_TRACK = "Certified Security Implementer"
PARTNER_TRACK = "Certified Partner Associate"  # the onboarding course alone
# Its admin took the onboarding course two years ago less twelve days: its only certification
# (valid 24 months) lapses within the month, and with it its Silver tier's requirement.
AT_RISK = TIER_MIX.index("Silver") + 1
CERTIFIED_TIERS = ("Platinum", "Gold", "Silver")  # each asks for one (top down: a
# lower tier may not need more than a higher one)


def seed_training(db: Session, *, now: datetime) -> dict[str, int]:
    author = db.scalar(select(User).where(User.username == "marketing"))
    writer = actor_of(author)
    loaded = {name: load_folder(db, writer, COURSES / name, publish=True) for name in FOLDERS}
    lines = dict(db.execute(select(ProductLine.name, ProductLine.id)).tuples().all())
    save_track(db, writer, {
        "name": ANALYTICS_TRACK, "validity_months": 24,
        "course_families": [loaded["analytics-fundamentals"].family,
                            loaded["analytics-selling"].family],
        "product_line_ids": [lines["Analytics"]],
        "renewal_family": loaded["analytics-renewal"].family}, now=now - timedelta(days=800))
    save_track(db, writer, {
        "name": SECURITY_TRACK, "validity_months": 12,
        "course_families": [loaded["security-fundamentals"].family],
        "product_line_ids": [lines["Security Suite"]],
        "renewal_family": loaded["security-renewal"].family}, now=now - timedelta(days=800))
    save_track(db, writer, {
        "name": PARTNER_TRACK, "validity_months": 24,
        "course_families": [loaded["partner-onboarding"].family]},
        now=now - timedelta(days=800))
    _course_step_active(db, now)
    done = {"onboarding": 0, "analytics": 0, "security": 0}
    for index in range(1, PARTNER_COUNT + 1):
        stem = f"p{index:02d}"
        admin, rep1, rep2 = (_user(db, f"{stem}.{who}") for who in ("admin", "rep1", "rep2"))
        if admin is None or not _may_learn(db, admin):
            continue
        # Three partners in four took the onboarding course; p01 has not yet (its rep takes it
        # in the browser journey, and its checklist ticks then).
        if index % 4 != 1:
            days_ago = 718 if index == AT_RISK else 40 + index
            _complete(db, admin, loaded["partner-onboarding"].id, now - timedelta(days=days_ago))
            done["onboarding"] += 1
        if index in (2, 3, 5, 7, 11) and rep1 is not None:
            at = now - timedelta(days=20 * index)
            _complete(db, rep1, loaded["analytics-fundamentals"].id, at)
            _complete(db, rep1, loaded["analytics-selling"].id, at + timedelta(days=2))
            done["analytics"] += 1
        if index in (2, 5, 6, 8):  # certified on Security, expiring within the month
            _complete(db, rep2 or admin, loaded["security-fundamentals"].id,
                      now - timedelta(days=350 + index))
            done["security"] += 1
    _half_way(db, _user(db, "p01.rep1"), loaded["analytics-fundamentals"].id,
              now - timedelta(days=3))
    _certified_tiers(db, now)
    db.flush()
    return done


def _certified_tiers(db: Session, now: datetime) -> None:
    admin = actor_of(db.scalar(select(User).where(User.username == "admin")))
    for name in CERTIFIED_TIERS:
        tier_id = db.scalar(select(Tier.id).where(Tier.name == name))
        update_tier_rules(db, admin, tier_id, {"min_certified_users": 1},
                          now=now - timedelta(days=30))


def _course_step_active(db: Session, now: datetime) -> None:
    """The demo hid the course step until training existed; it ticks from real courses now."""
    step = db.scalar(select(OnboardingStep).where(OnboardingStep.event == "course_completed"))
    admin = db.scalar(select(User).where(User.username == "admin"))
    if step is not None and not step.active:
        onboarding.set_step_active(db, actor_of(admin), step.id, True,
                                   now=now - timedelta(days=60))


def _user(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username))


def _may_learn(db: Session, user: User) -> bool:
    try:
        onboarding.require_agreement(db, actor_of(user))
    except DomainError:  # p10 has not accepted the agreement: its users cannot learn yet
        return False
    return True


def _right(db: Session, course_id: int) -> dict[int, list[int]]:
    """The right answers, as someone who read the modules gives them."""
    answers: dict[int, list[int]] = {}
    for question_id, option_id in db.execute(
            select(QuizQuestion.id, QuizOption.id).join(
                QuizOption, QuizOption.question_id == QuizQuestion.id)
            .where(QuizQuestion.course_id == course_id, QuizOption.correct)):
        answers.setdefault(question_id, []).append(option_id)
    return answers


def _complete(db: Session, user: User, course_id: int, at: datetime) -> None:
    learner: Actor = actor_of(user)
    for i, module in enumerate(open_course(db, learner, course_id).modules):
        complete_module(db, learner, module.id, now=at + timedelta(minutes=10 * i))
    submit_attempt(db, learner, course_id, _right(db, course_id), now=at + timedelta(hours=1))


def _half_way(db: Session, user: User | None, course_id: int, at: datetime) -> None:
    """One module of two read and a first attempt failed: the quiz opens again after the
    wait."""
    if user is None:
        return
    learner = actor_of(user)
    first = open_course(db, learner, course_id).modules[0]
    complete_module(db, learner, first.id, now=at)
    wrong = {q: [] for q in _right(db, course_id)}
    for question_id, option_id in db.execute(
            select(QuizQuestion.id, QuizOption.id).join(
                QuizOption, QuizOption.question_id == QuizQuestion.id)
            .where(QuizQuestion.course_id == course_id, ~QuizOption.correct)):
        wrong[question_id] = [option_id]
    submit_attempt(db, learner, course_id,
                   {q: (o or _right(db, course_id)[q][:1]) for q, o in wrong.items()},
                   now=at + timedelta(minutes=30))
