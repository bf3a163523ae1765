"""A course version's life: draft -> published -> superseded (a later version was published)
or retired (taken out of the catalog). Learners keep what they did on any version."""

from enum import StrEnum

from core.errors import RuleViolation


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


STATUS_LABELS = {CourseStatus.DRAFT: "Draft", CourseStatus.PUBLISHED: "Published",
                 CourseStatus.SUPERSEDED: "Replaced by a later version",
                 CourseStatus.RETIRED: "Retired"}

TRANSITIONS: dict[CourseStatus, frozenset[CourseStatus]] = {
    CourseStatus.DRAFT: frozenset({CourseStatus.PUBLISHED}),
    CourseStatus.PUBLISHED: frozenset({CourseStatus.SUPERSEDED, CourseStatus.RETIRED}),
    CourseStatus.SUPERSEDED: frozenset(),
    CourseStatus.RETIRED: frozenset(),
}


def move(current: str, to: CourseStatus) -> CourseStatus:
    """The new status, or a RuleViolation saying why the course cannot go there."""
    here = CourseStatus(current)
    if to not in TRANSITIONS[here]:
        raise RuleViolation(f"A course that is {STATUS_LABELS[here].lower()} cannot become "
                            f"{STATUS_LABELS[to].lower()}.", field="status")
    return to
