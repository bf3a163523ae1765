"""Training in core (issue #16): authoring and versions, grading with attempts and waits on an
injected clock, completion, certifications issued, expired, reminded and renewed, the code
check, certified users for tiers, and who may do and see what."""

import io
import threading
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.deals.schemas import add_months
from core.errors import NotFound, PermissionDenied, RuleViolation
from core.onboarding import checklist
from core.settings import get_settings
from core.tiers import (
    RULE_FIELDS,
    certified_user_counts,
    list_tier_rules,
    tier_progress,
    update_tier_rules,
)
from core.training import (
    catalog,
    certificate_file,
    certifications,
    complete_module,
    create_course,
    expire_and_remind,
    open_course,
    publish_course,
    quiz_for,
    revise_course,
    save_track,
    set_modules,
    set_quiz,
    submit_attempt,
    tier_risks,
    verify,
)
from core.training.files import attach_module_file, module_file
from db.models import (
    Certification,
    CourseCompletion,
    CourseModule,
    Notification,
    OnboardingStep,
    QuizAttempt,
    User,
)
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUESTIONS = [
    {"text": "Which tier protects deals longest?", "options": [
        {"text": "Registered"}, {"text": "Platinum", "correct": True}]},
    {"text": "Which of these are partner types?", "multiple": True, "options": [
        {"text": "Reseller", "correct": True}, {"text": "Distributor", "correct": True},
        {"text": "Competitor"}]},
]


def make_course(db, title="Selling Analytics", *, onboarding=False, kind="course",
                modules=("Why analytics", "Pricing"), wait=60, attempts=3, now=T0):
    author = actor_for(db, "marketing")
    course = create_course(db, author, {"title": title, "onboarding": onboarding,
                                        "wait_minutes": wait, "attempts_allowed": attempts,
                                        "pass_mark": 100}, kind=kind, now=now)
    if modules:
        set_modules(db, author, course.id, [{"title": m, "body": f"About {m}."}
                                            for m in modules], now=now)
    set_quiz(db, author, course.id, QUESTIONS, now=now)
    return publish_course(db, author, course.id, now=now)


def right_answers(db, learner, course_id, now=T0) -> dict[int, list[int]]:
    """What a person who read the modules answers: by the options' texts."""
    right = {"Platinum", "Reseller", "Distributor"}
    quiz = quiz_for(db, learner, course_id, now=now)
    return {q.id: [o.id for o in q.options if o.text in right] for q in quiz.questions}


def read_all(db, learner, course, now=T0):
    for m in course.modules:
        complete_module(db, learner, m.id, now=now)


# ---------------------------------------------------------------- authoring


@pytest.mark.parametrize("username", ["p01.admin", "p01.rep1", "exec", "analyst", "finance"])
def test_only_the_channel_and_marketing_teams_write_courses(seeded_db, username):
    with pytest.raises(PermissionDenied):
        create_course(seeded_db, actor_for(seeded_db, username), {"title": "X"})


def test_a_quiz_question_needs_two_answers_and_the_right_ones_marked(seeded_db):
    author = actor_for(seeded_db, "channel")
    draft = create_course(seeded_db, author, {"title": "Draft"})
    for bad, says in [
        ({"text": "Q", "options": [{"text": "A", "correct": True}]}, "at least two answers"),
        ({"text": "Q", "options": [{"text": "A"}, {"text": "B"}]}, "Mark at least one"),
        ({"text": "Q", "options": [{"text": "A", "correct": True},
                                   {"text": "B", "correct": True}]}, "exactly one right"),
    ]:
        with pytest.raises(ValidationError, match=says):
            set_quiz(seeded_db, author, draft.id, [bad])


def test_publishing_needs_modules_and_a_quiz_and_only_a_draft_is_edited(seeded_db):
    author = actor_for(seeded_db, "admin")
    draft = create_course(seeded_db, author, {"title": "Empty"})
    with pytest.raises(RuleViolation, match="at least one module"):
        publish_course(seeded_db, author, draft.id)
    set_modules(seeded_db, author, draft.id, [{"title": "One"}])
    with pytest.raises(RuleViolation, match="quiz"):
        publish_course(seeded_db, author, draft.id)
    published = make_course(seeded_db)
    with pytest.raises(RuleViolation, match="Only a draft"):
        set_modules(seeded_db, author, published.id, [{"title": "Changed"}])


def test_a_revision_is_a_new_version_and_learners_keep_what_they_took(seeded_db):
    db = seeded_db
    author, learner = actor_for(db, "marketing"), actor_for(db, "p01.rep1")
    v1 = make_course(db)
    complete_module(db, learner, v1.modules[0].id, now=T0)
    draft = revise_course(db, author, v1.id, now=T0)
    assert (draft.family, draft.version, len(draft.modules), draft.questions) == (
        v1.family, 2, 2, 2)
    with pytest.raises(RuleViolation, match="has a draft already"):
        revise_course(db, author, v1.id)
    set_modules(db, author, draft.id, [{"title": "New module"}])
    v2 = publish_course(db, author, draft.id, now=T0)
    # The learner who began version 1 finds it listed still; a new learner gets version 2.
    assert [e.course.id for e in catalog(db, learner) if e.course.family == v1.family] == [v1.id]
    newcomer = actor_for(db, "p01.rep2")
    assert [e.course.id for e in catalog(db, newcomer) if e.course.family == v1.family] == [
        v2.id]
    # The learner's progress on version 1 stays, and version 1 stays open to it...
    assert [m.done for m in open_course(db, learner, v1.id).modules] == [True, False]
    # ...but not to a learner who never started it.
    with pytest.raises(NotFound):
        open_course(db, actor_for(db, "p01.rep2"), v1.id)


# ---------------------------------------------------------------- grading


def test_the_quiz_a_learner_sees_says_nothing_of_the_right_answers(seeded_db):
    course = make_course(seeded_db)
    quiz = quiz_for(seeded_db, actor_for(seeded_db, "p01.rep1"), course.id)
    assert "correct" not in repr(quiz)
    assert [len(q.options) for q in quiz.questions] == [2, 3]


def test_attempts_are_graded_and_wait_their_turn_on_the_clock(seeded_db):
    db = seeded_db
    learner = actor_for(db, "p01.rep1")
    course = make_course(db, wait=60, attempts=3)
    right = right_answers(db, learner, course.id)
    q1, q2 = list(right)
    half = {q1: right[q1], q2: right[q2][:1]}  # the second misses one right option
    first = submit_attempt(db, learner, course.id, half, now=T0)
    assert (first.score, first.passed, first.attempts_left) == (50, False, 2)
    assert first.next_attempt_at == T0 + timedelta(minutes=60)
    with pytest.raises(RuleViolation, match="next attempt opens at 2026-03-02 10:00 UTC"):
        submit_attempt(db, learner, course.id, right, now=T0 + timedelta(minutes=59))
    second = submit_attempt(db, learner, course.id, right, now=T0 + timedelta(minutes=60))
    assert (second.score, second.passed) == (100, True)
    with pytest.raises(RuleViolation, match="passed this quiz already"):
        submit_attempt(db, learner, course.id, right, now=T0 + timedelta(hours=5))


def test_no_attempt_beyond_the_limit(seeded_db):
    db = seeded_db
    learner = actor_for(db, "p01.rep1")
    course = make_course(db, wait=0, attempts=2)
    wrong = {q: [] for q in right_answers(db, learner, course.id)}
    wrong = {q: [quiz_opt] for q, quiz_opt in zip(
        wrong, [o.id for q in quiz_for(db, learner, course.id).questions
                for o in q.options if o.text in ("Registered", "Competitor")], strict=True)}
    for minute in (0, 1):
        assert not submit_attempt(db, learner, course.id, wrong,
                                  now=T0 + timedelta(minutes=minute)).passed
    with pytest.raises(RuleViolation, match="No attempts are left"):
        submit_attempt(db, learner, course.id, right_answers(db, learner, course.id),
                       now=T0 + timedelta(minutes=2))


@pytest.mark.parametrize("spoil", ["unknown question", "foreign option", "unanswered",
                                   "two for one"])
def test_bad_answers_are_refused_and_nothing_is_written(seeded_db, spoil):
    db = seeded_db
    learner = actor_for(db, "p01.rep1")
    course = make_course(db)
    other = make_course(db, "Another course")
    answers = right_answers(db, learner, course.id)
    q1, q2 = list(answers)
    if spoil == "unknown question":
        answers[999_999] = [1]
    elif spoil == "foreign option":
        answers[q1] = [next(iter(right_answers(db, learner, other.id).values()))[0]]
    elif spoil == "unanswered":
        answers[q2] = []
    else:
        answers[q1] = [o.id for o in quiz_for(db, learner, course.id).questions[0].options]
    with pytest.raises(RuleViolation):
        submit_attempt(db, learner, course.id, answers, now=T0)
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_vendor_roles_do_not_take_quizzes(seeded_db):
    course = make_course(seeded_db)
    with pytest.raises(PermissionDenied):
        submit_attempt(seeded_db, actor_for(seeded_db, "channel"), course.id, {})


# ---------------------------------------------------------------- completion


def test_the_onboarding_course_completed_ticks_the_partners_checklist(seeded_db):
    db = seeded_db
    step = db.scalar(select(OnboardingStep).where(OnboardingStep.event == "course_completed"))
    step.active = True
    learner = actor_for(db, "p01.rep1")
    course = make_course(db, "Welcome", onboarding=True)
    admin = actor_for(db, "p01.admin")
    before = {s.event: s.done for s in checklist(db, admin).steps}
    assert before["course_completed"] is False
    first = submit_attempt(db, learner, course.id, right_answers(db, learner, course.id),
                           now=T0)
    assert first.passed and not first.completed  # the modules are not read yet
    read_all(db, learner, course)
    assert db.scalar(select(func.count()).select_from(CourseCompletion)) == 1
    after = {s.event: s.done for s in checklist(db, admin).steps}
    assert after["course_completed"] is True


# ---------------------------------------------------------------- certifications


@pytest.fixture
def track(seeded_db):
    return make_track(seeded_db)


def make_track(db):
    """Two courses that certify for 12 months, and a renewal quiz."""
    author = actor_for(db, "marketing")
    one, two = make_course(db, "Analytics 1"), make_course(db, "Analytics 2")
    renewal = make_course(db, "Analytics renewal", kind="renewal", modules=())
    made = save_track(db, author, {"name": "Certified Analytics Seller", "validity_months": 12,
                                   "course_families": [one.family, two.family],
                                   "renewal_family": renewal.family,
                                   "renewal_grace_days": 30}, now=T0)
    return made, one, two, renewal


def complete(db, learner, course, now):
    read_all(db, learner, course, now)
    return submit_attempt(db, learner, course.id, right_answers(db, learner, course.id, now),
                          now=now)


def certify(db, track, username: str = "p01.rep1", now=T0):
    """The user completes the track's two courses at `now`: its learner and certification."""
    _, one, two, _ = track
    learner = actor_for(db, username)
    complete(db, learner, one, now)
    complete(db, learner, two, now)
    return learner, db.scalar(select(Certification).where(
        Certification.user_id == learner.user_id))


def test_completing_every_course_of_a_track_certifies_for_its_validity(seeded_db, track):
    db = seeded_db
    made, one, two, _ = track
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    assert certifications(db, learner) == []
    complete(db, learner, two, T0 + timedelta(days=1))
    [cert] = certifications(db, learner, now=T0 + timedelta(days=1))
    assert (cert.track_name, cert.current) == ("Certified Analytics Seller", True)
    assert cert.expires_at == datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
    assert len(cert.code) == 29 and cert.code.count("-") == 5
    assert certified_user_counts(db, now=T0 + timedelta(days=2))[learner.partner_id] >= 1


def test_expiry_reminds_once_then_expires_and_renewal_within_the_grace_restores(seeded_db,
                                                                                track):
    db = seeded_db
    renewal = track[3]
    learner, cert = certify(db, track)
    expires = cert.expires_at
    month_before = expires - timedelta(days=29)
    assert expire_and_remind(db, now=month_before).reminded == 1
    assert expire_and_remind(db, now=month_before + timedelta(hours=6)).reminded == 0
    partner = learner.partner_id
    counted = certified_user_counts(db, now=expires - timedelta(days=1)).get(partner, 0)
    report = expire_and_remind(db, now=expires + timedelta(days=1))
    assert report.expired == 1
    assert certified_user_counts(db, now=expires + timedelta(days=1)).get(partner, 0) == \
        counted - 1
    subjects = list(db.scalars(select(Notification.subject).where(
        Notification.user_id == learner.user_id, Notification.subject.like("Certification%"))))
    assert any("expires in 30 days" in s for s in subjects) and any(
        "expired" in s for s in subjects)
    complete(db, learner, renewal, expires + timedelta(days=10))
    db.refresh(cert)
    assert cert.expires_at == expires + timedelta(days=10) + (
        datetime(2028, 3, 12, 9, tzinfo=UTC) - datetime(2027, 3, 12, 9, tzinfo=UTC))
    assert cert.expired_at is None and cert.renewed_at is not None


def test_a_renewal_after_the_grace_renews_nothing(seeded_db, track):
    db = seeded_db
    renewal = track[3]
    learner, cert = certify(db, track)
    expires = cert.expires_at
    with pytest.raises(RuleViolation, match="not open"):
        complete(db, learner, renewal, expires + timedelta(days=31))
    db.refresh(cert)
    assert cert.expires_at == expires


def test_who_sees_which_certifications(seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    for username in ("p01.rep1", "p01.rep2", "p02.rep1"):
        learner = actor_for(db, username)
        complete(db, learner, one, T0)
        complete(db, learner, two, T0)
    holders = {u: {c.holder for c in certifications(db, actor_for(db, u), now=T0)}
               for u in ("p01.rep1", "p01.admin", "p02.admin", "channel")}
    rep1 = actor_for(db, "p01.rep1")
    assert len(holders["p01.rep1"]) == 1 and len(holders["p01.admin"]) == 2
    assert len(holders["p02.admin"]) == 1 and holders["p02.admin"].isdisjoint(holders["p01.admin"])
    assert holders["channel"] >= holders["p01.admin"] | holders["p02.admin"]
    assert len(certifications(db, rep1, now=T0)) == 1


def test_anyone_checks_a_code_and_learns_only_holder_track_and_validity(seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    complete(db, learner, two, T0)
    [cert] = certifications(db, learner, now=T0)
    found = verify(db, cert.code.lower(), "203.0.113.9", now=T0)
    assert (found.valid, found.holder, found.track) == (True, cert.holder, cert.track_name)
    assert set(vars(found)) == {"valid", "holder", "track", "expires_at"}
    assert verify(db, "0000-0000-0000-0000-0000-0000", "203.0.113.9", now=T0).valid is False
    assert verify(db, cert.code, "203.0.113.9", now=cert.expires_at).valid is False


def test_code_checks_are_limited_per_client_address(seeded_db):
    for _ in range(30):
        verify(seeded_db, "nothing", "198.51.100.7", now=T0)
    with pytest.raises(RuleViolation, match="Too many checks"):
        verify(seeded_db, "nothing", "198.51.100.7", now=T0)
    assert verify(seeded_db, "nothing", "198.51.100.8", now=T0).valid is False


def test_tier_rules_on_certified_users_count_real_certifications(seeded_db, track):
    """'Our tier' says how many more certified users the next tier needs, from the
    certifications training issued (the evaluation reads the same GROUP BY)."""
    db = seeded_db
    _, one, two, _ = track
    admin = actor_for(db, "admin")
    for name in ("Platinum", "Gold", "Silver"):
        rules = next(t for t in list_tier_rules(db, admin) if t.name == name)
        values = {f: getattr(rules, f) for f in RULE_FIELDS} | {"min_certified_users": 3}
        update_tier_rules(db, admin, rules.id, values)
    learner = actor_for(db, "p01.rep1")
    partner = learner.partner_id
    now = datetime.now(UTC)

    def wanted() -> tuple[str, ...]:
        return tier_progress(db, actor_for(db, "p01.admin"), partner, now=now).missing

    before = certified_user_counts(db).get(partner, 0)
    complete(db, learner, one, now)
    complete(db, learner, two, now)
    after = certified_user_counts(db).get(partner, 0)
    assert after == before + 1
    more = 3 - after
    said = [w for w in wanted() if "certified" in w]
    assert said == ([f"{more} more certified user{'' if more == 1 else 's'}"] if more > 0
                    else [])


def test_the_certificate_pdf_names_the_holder_track_and_code(seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    complete(db, learner, two, T0)
    [cert] = certifications(db, learner, now=T0)
    name, pdf = certificate_file(db, learner, cert.id, now=T0)
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for shown in (cert.holder, cert.partner_name, cert.track_name, cert.code):
        assert shown in text
    with pytest.raises(NotFound):  # another partner's user
        certificate_file(db, actor_for(db, "p02.rep1"), cert.id, now=T0)


# ---------------------------------------------------------------- module files


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("PRM_UPLOAD_DIR", str(tmp_path))
    monkeypatch.setenv("PRM_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    yield tmp_path / "training"
    get_settings.cache_clear()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def draft_module(db):
    author = actor_for(db, "marketing")
    draft = create_course(db, author, {"title": "With a handout"})
    return author, set_modules(db, author, draft.id, [{"title": "Handout"}]).modules[0]


def test_a_module_file_is_kept_by_its_content_and_read_back_by_learners(seeded_db, uploads):
    author, module = draft_module(seeded_db)
    assert attach_module_file(seeded_db, author, module.id, "handout.pdf", PDF) == \
        "PDF document"
    assert [p.suffix for p in uploads.iterdir()] == [".pdf"]
    stored = module_file(seeded_db, author, module.id)
    assert (stored.name, stored.data) == ("handout.pdf", PDF)


@pytest.mark.parametrize("name, data, says", [
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
     "not accepted"),
    ("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "not accepted"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is a PNG image, not what its name"),
    ("big.pdf", PDF + b"\x00" * (1024 * 1024), "larger than 1 MB"),
    ("empty.pdf", b"", "empty"),
])
def test_a_refused_file_says_why_and_nothing_is_stored(seeded_db, uploads, name, data, says):
    author, module = draft_module(seeded_db)
    with pytest.raises(RuleViolation, match=says):
        attach_module_file(seeded_db, author, module.id, name, data)
    assert not uploads.exists() or not any(uploads.iterdir())
    assert seeded_db.get(CourseModule, module.id).file_key is None


# ---------------------------------------------------------------- the demo


def test_the_demo_has_a_catalog_learners_and_certifications_some_expiring(demo_db):
    db = demo_db
    rep = actor_for(db, "p01.rep1")
    titles = [e.course.title for e in catalog(db, rep, now=NOW)]
    assert titles[0] == "Partner onboarding" and "Analytics fundamentals" in titles
    half = next(e for e in catalog(db, rep, now=NOW) if e.course.title ==
                "Analytics fundamentals")
    assert (half.standing.modules_done, half.standing.modules, half.standing.attempts,
            half.standing.passed) == (1, 2, 1, False)
    certs = certifications(db, actor_for(db, "channel"), now=NOW)
    tracks = {c.track_name for c in certs}
    assert tracks == {"Certified Analytics Seller", "Certified Security Implementer",
                      "Certified Partner Associate"}
    assert any(c.current and c.expires_at - NOW < timedelta(days=30) for c in certs)
    assert certified_user_counts(db, now=NOW)
    steps = {s.event: s.done for s in checklist(db, actor_for(db, "p02.admin")).steps}
    assert steps["course_completed"] is True
    steps = {s.event: s.done for s in checklist(db, actor_for(db, "p01.admin")).steps}
    assert steps["course_completed"] is False  # p01's rep takes it in the browser journey


def test_a_partner_whose_tier_an_expiry_leaves_short_is_named(seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    admin = actor_for(db, "admin")
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    complete(db, learner, two, T0)
    for name in ("Platinum", "Gold", "Silver", "Registered"):  # from the top: order holds
        rules = next(t for t in list_tier_rules(db, admin) if t.name == name)
        update_tier_rules(db, admin, rules.id, {f: getattr(rules, f) for f in RULE_FIELDS}
                          | {"min_certified_users": 1})
    expires = db.scalar(select(Certification.expires_at).where(
        Certification.user_id == learner.user_id))
    risks = tier_risks(db, actor_for(db, "channel"), 30, now=expires - timedelta(days=10))
    assert [(r.partner_id, r.certified, r.after_expiries, r.needed) for r in risks] == [
        (learner.partner_id, 1, 0, 1)]
    assert tier_risks(db, actor_for(db, "channel"), 30,
                      now=expires - timedelta(days=60)) == []


def test_two_submissions_at_once_take_turns_and_the_limit_holds(seeded):
    """The learner's lock serializes its attempts on a course: with one attempt allowed, two
    submitted at the same moment save one and refuse the other."""
    with Session(seeded) as db:
        course = make_course(db, "One try", attempts=1, wait=0)
        learner = actor_for(db, "p01.rep1")
        answers = right_answers(db, learner, course.id)
        db.commit()
    start = threading.Barrier(2)
    saved, refused = [], []

    def attempt():
        start.wait(timeout=30)
        try:
            with unit_of_work(seeded, immediate=True) as db:
                saved.append(submit_attempt(db, learner, course.id, answers, now=T0))
        except RuleViolation as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(saved) == 1 and len(refused) == 1, (saved, refused)
    assert "passed this quiz already" in refused[0] or "No attempts" in refused[0]
    with Session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_a_renewal_is_offered_when_due_and_taken_afresh_each_cycle(seeded_db, track):
    db = seeded_db
    renewal = track[3]
    learner, cert = certify(db, track)
    first = cert.expires_at

    def offered(now) -> bool:
        return renewal.id in {e.course.id for e in catalog(db, learner, now=now)}

    assert not offered(first - timedelta(days=90)) and offered(first - timedelta(days=30))
    complete(db, learner, renewal, first - timedelta(days=30))
    db.refresh(cert)
    second = cert.expires_at
    assert second == add_months(first, 12) and not offered(first - timedelta(days=29))
    # Not due again for a year: neither offered nor taken (it would renew nothing).
    with pytest.raises(RuleViolation, match="not open"):
        complete(db, learner, renewal, first - timedelta(days=29))
    # A year on, the next renewal is due and taken afresh.
    assert offered(second - timedelta(days=10))
    complete(db, learner, renewal, second - timedelta(days=10))
    db.refresh(cert)
    assert cert.expires_at == add_months(second, 12)


def office(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_office_document_is_told_from_any_zip(seeded_db, uploads):
    author, module = draft_module(seeded_db)
    slides = office({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
    assert attach_module_file(seeded_db, author, module.id, "deck.pptx", slides) == \
        "office document"
    smuggled = office({"[Content_Types].xml": b"<Types/>", "evil.exe": b"MZ" + b"\x00" * 64})
    with pytest.raises(RuleViolation, match="not accepted"):
        attach_module_file(seeded_db, author, module.id, "notes.docx", smuggled)


def test_saving_modules_again_keeps_their_files_and_a_revision_shares_them(seeded_db, uploads):
    db = seeded_db
    author, module = draft_module(db)
    attach_module_file(db, author, module.id, "handout.pdf", PDF)
    course = set_modules(db, author, db.get(CourseModule, module.id).course_id,
                         [{"title": "Handout, renamed"}, {"title": "Another"}])
    assert [m.file_name for m in course.modules] == ["handout.pdf", None]
    set_quiz(db, author, course.id, QUESTIONS)
    published = publish_course(db, author, course.id)
    draft = revise_course(db, author, published.id)
    attach_module_file(db, author, draft.modules[0].id, "newer.pdf", PDF + b"%")
    assert module_file(db, author, published.modules[0].id).data == PDF  # still there


def test_a_departed_user_no_longer_counts_for_the_tier_and_codes_read_without_dashes(
        seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    learner = actor_for(db, "p01.rep1")
    complete(db, learner, one, T0)
    complete(db, learner, two, T0)
    [cert] = certifications(db, learner, now=T0)
    assert verify(db, cert.code.replace("-", "").lower(), "", now=T0).valid
    counted = certified_user_counts(db, now=T0)[learner.partner_id]
    db.get(User, learner.user_id).is_active = False
    db.flush()
    assert certified_user_counts(db, now=T0).get(learner.partner_id, 0) == counted - 1


def test_a_certification_lapsed_past_its_grace_is_earned_again_by_retaking_the_courses(
        seeded_db, track):
    db = seeded_db
    _, one, two, _ = track
    learner, cert = certify(db, track)
    later = cert.expires_at + timedelta(days=45)  # past the 30 grace days
    expire_and_remind(db, now=later)
    entries = {e.course.id: e.standing for e in catalog(db, learner, now=later)}
    assert not entries[one.id].completed and entries[one.id].attempts == 0  # afresh
    complete(db, learner, one, later)
    db.refresh(cert)
    assert cert.expired_at is not None  # one course of two is not the track
    complete(db, learner, two, later + timedelta(hours=3))
    db.refresh(cert)
    assert cert.expired_at is None and cert.expires_at > later + timedelta(days=300)
