"""Courses from folders (`python -m core.training load PATH [--publish]`): the demo's courses
load as written; any broken file is named with what is wrong, and nothing is written."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.settings import get_settings
from core.training.__main__ import main as training_cli
from core.training.loader import FolderErrors, load_folder
from db.models import Course, CourseModule, QuizQuestion

COURSES = Path(__file__).resolve().parents[2] / "seed" / "courses"
LOADER = Actor.system("training-load")


def counts(db) -> tuple[int, int, int]:
    return tuple(db.scalar(select(func.count()).select_from(m))
                 for m in (Course, CourseModule, QuizQuestion))


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "course"
    shutil.copytree(COURSES / "analytics-fundamentals", copy)
    return copy


def test_a_folder_loads_as_a_draft_with_its_modules_in_name_order(seeded_db):
    course = load_folder(seeded_db, LOADER, COURSES / "partner-onboarding")
    assert (course.status, course.onboarding, course.questions) == ("draft", True, 3)
    assert [m.title for m in course.modules] == [
        "Welcome to the partner program", "Register your deals", "Getting help"]
    assert course.modules[1].body.startswith("A **deal registration**")  # no front matter


def test_loading_again_with_the_family_publishes_the_next_version(seeded_db, folder):
    first = load_folder(seeded_db, LOADER, folder, publish=True)
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text()
                                        + f"family: {first.family}\n")
    (folder / "03-more.md").write_text("# More\n\nA third module.\n")
    second = load_folder(seeded_db, LOADER, folder, publish=True)
    assert (second.family, second.version, len(second.modules)) == (first.family, 2, 3)
    assert seeded_db.get(Course, first.id).status == "superseded"


@pytest.mark.parametrize("breakage, file, says", [
    ("quiz.yaml", "quiz.yaml", "not valid YAML"),
    ("01-what-it-does.md", "01-what-it-does.md", "front matter is not valid YAML"),
    ("course.yaml", "course.yaml", "pass_mark"),
    ("no quiz", "quiz.yaml", "missing"),
    ("wrong option", "quiz.yaml question 1", "Mark at least one answer as right"),
    ("unknown key", "course.yaml", "unknown field: pass_marks"),
    ("empty module", "03-empty.yaml", "holds title, body and video_url"),
    ("listed front matter", "01-what-it-does.md", "front matter holds title"),
])
def test_a_broken_file_is_named_and_nothing_is_written(seeded_db, folder, breakage, file,
                                                       says):
    if breakage == "quiz.yaml":
        (folder / "quiz.yaml").write_text("questions:\n  - text: [unclosed\n")
    elif breakage.endswith(".md"):
        (folder / breakage).write_text("---\ntitle: [broken\n---\nBody\n")
    elif breakage == "course.yaml":
        (folder / "course.yaml").write_text("title: Analytics\npass_mark: 250\n")
    elif breakage == "unknown key":
        (folder / "course.yaml").write_text("title: Analytics\npass_marks: 80\n")
    elif breakage == "empty module":
        (folder / "03-empty.yaml").write_text("")
    elif breakage == "listed front matter":
        (folder / "01-what-it-does.md").write_text("---\n- a\n- b\n---\nBody\n")
    elif breakage == "no quiz":
        (folder / "quiz.yaml").unlink()
    else:
        (folder / "quiz.yaml").write_text(
            "questions:\n  - text: Q\n    options:\n      - text: A\n      - text: B\n")
    before = counts(seeded_db)
    with pytest.raises(FolderErrors) as raised:
        load_folder(seeded_db, LOADER, folder, publish=True)
    assert any(name == file and says in message for name, message in raised.value.errors), \
        raised.value.errors
    assert counts(seeded_db) == before


def test_an_unknown_product_line_is_refused_before_anything_is_written(seeded_db, folder):
    (folder / "course.yaml").write_text("title: X\nproduct_line: Toasters\n")
    before = counts(seeded_db)
    with pytest.raises(FolderErrors, match="no product line 'Toasters'"):
        load_folder(seeded_db, LOADER, folder)
    assert counts(seeded_db) == before


def test_the_command_prints_one_json_line_or_each_error(seeded, capsys, monkeypatch, folder):
    monkeypatch.setenv("PRM_DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert training_cli(["load", str(COURSES / "analytics-selling"), "--publish"]) == 0
        line = json.loads(capsys.readouterr().out.strip())
        assert (line["status"], line["modules"], line["questions"]) == ("published", 2, 2)
        (folder / "quiz.yaml").write_text("questions: [")
        assert training_cli(["load", str(folder)]) == 2
        assert "quiz.yaml: is not valid YAML" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    with Session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 1
