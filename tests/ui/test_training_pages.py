"""The training pages through AppTest (issue #16): a learner's catalog and certificates, a
course read and its quiz graded and waited on, the public certificate check, an author's
draft."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.training import certifications, quiz_for
from core.training.loader import load_folder
from db.models import Course, QuizAttempt
from db.session import make_engine
from tests.conftest import actor_for
from tests.pages import button, open_page, table_frame, texts, use_database, widget

COURSES = Path(__file__).resolve().parents[2] / "seed" / "courses"


@pytest.fixture
def demo(demo_database_url):
    use_database(demo_database_url)
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


def test_a_learner_sees_the_catalog_and_a_certified_rep_its_certificate(demo):
    at = open_page("pages/training.py", "p01.rep1")
    courses = table_frame(at, "title")
    assert courses["title"].iloc[0] == "Partner onboarding"
    assert "Analytics fundamentals" in set(courses["title"])
    assert "No certification yet" in texts(at)
    certified = open_page("pages/training.py", "p02.rep1")
    with Session(demo) as db:
        [cert] = certifications(db, actor_for(db, "p02.rep1"))
    assert cert.code in texts(certified)
    assert any(b.label == "Certificate (PDF)" for b in certified.get("download_button"))


def test_a_partner_admin_sees_its_team(demo):
    at = open_page("pages/training.py", "p01.admin")
    team = table_frame(at, "learner")
    assert "Analytics fundamentals" in set(team["course"])
    assert "Our team" in texts(at)


@pytest.mark.parametrize("code_of, says", [("valid", "Valid: "), ("bogus", "Not valid")])
def test_anyone_checks_a_certificate_code(demo, code_of, says):
    with Session(demo) as db:
        cert = next(c for c in certifications(db, actor_for(db, "channel")) if c.current)
    code = cert.code if code_of == "valid" else "ABCD-0000-0000-0000-0000-0000"
    at = open_page("pages/certificate_check.py", None, code=code)
    shown = texts(at)
    assert says in shown
    if code_of == "valid":
        assert cert.holder in shown and cert.track_name in shown
        assert cert.partner_name not in shown  # holder, track and validity only


@pytest.fixture
def course_db(seeded, database_url):
    with Session(seeded) as db:
        course = load_folder(db, Actor.system("test"), COURSES / "partner-onboarding",
                             publish=True)
        db.commit()
    use_database(database_url)
    return seeded, course


def test_a_learner_reads_a_module_and_a_failed_quiz_makes_it_wait(course_db):
    engine, course = course_db
    at = open_page("pages/course.py", "p01.rep1", id=str(course.id))
    assert [t.value for t in at.title] == ["Partner onboarding"]
    at.button(key=f"read-{course.modules[0].id}").click().run()
    assert "Module marked as read." in texts(at)
    with Session(engine) as db:
        quiz = quiz_for(db, actor_for(db, "p01.rep1"), course.id)
    ids = {(n, o.text): o.id for n, q in enumerate(quiz.questions, start=1) for o in q.options}
    label = {n: f"{n}. {q.text}" for n, q in enumerate(quiz.questions, start=1)}
    widget(at.radio, label[1]).set_value(ids[(1, "A phone call to the end customer")])
    widget(at.multiselect, label[2]).select(ids[(2, "The number of sign-ins")])
    widget(at.radio, label[3]).set_value(ids[(3, "The end customer")])
    button(at, "Submit answers").click().run()
    assert "0%: not passed (pass mark 67%)." in texts(at)
    assert "The next attempt opens at" in texts(at)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_an_author_creates_a_draft(seeded, database_url):
    use_database(database_url)
    at = open_page("pages/courses.py", "marketing")
    widget(at.text_input, "Title *").set_value("Cloud Backup basics")
    button(at, "Create draft").click().run()
    assert "Draft “Cloud Backup basics” created" in texts(at)
    with Session(seeded) as db:
        assert db.scalar(select(Course.status).where(Course.title == "Cloud Backup basics")) \
            == "draft"
