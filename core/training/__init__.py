"""Training and certification: courses with modules and quizzes (versioned), learning with
quizzes graded here, certification tracks, certifications that expire and renew, and
certificates anyone can check by their code.

    schemas         inputs and frozen results (a learner's quiz view holds no answer)
    status          a course version's life and its transition table
    records         loading and shaping rows
    authoring       courses, their versions, modules, quizzes; tracks (the vendor's authors)
    learning        the catalog, modules read, quiz attempts, completion (partner users)
    certifications  issue, renew, expire and remind, read, verify a code
    reports         a partner's team, and the channel team's views across partners
    files           a module's downloadable file (by content, under PRM_UPLOAD_DIR)
    loader          a course from a folder (`python -m core.training load`)
    events          CourseCompleted, CertificationChanged (onboarding, scorecards, CRM)
    subscribers     a completed course issues or renews certifications
    jobs            "training-expiry"
"""

from core.training.authoring import (
    course_editor,
    create_course,
    list_courses,
    list_tracks,
    publish_course,
    retire_course,
    revise_course,
    save_track,
    set_modules,
    set_quiz,
    update_course,
)
from core.training.certifications import (
    Verification,
    certificate,
    certificate_file,
    certifications,
    current_counts,
    expire_and_remind,
    verify,
)
from core.training.events import CertificationChanged, CourseCompleted
from core.training.learning import (
    CatalogEntry,
    catalog,
    complete_module,
    my_standing,
    open_course,
    quiz_for,
    standing,
    submit_attempt,
)
from core.training.reports import (
    CertifiedRow,
    CourseCompletionRow,
    ExpiringRow,
    LearnerRow,
    TierRisk,
    certified_by_partner,
    completion_by_course,
    expiring,
    team_progress,
    tier_risks,
)
from core.training.schemas import (
    LEVELS,
    AttemptOut,
    CertificationOut,
    CourseIn,
    CourseOut,
    ModuleIn,
    QuestionIn,
    QuizView,
    Standing,
    TrackIn,
    TrackOut,
)
from core.training.status import STATUS_LABELS, CourseStatus

__all__ = [
    "course_editor", "list_tracks", "create_course", "list_courses", "publish_course",
    "retire_course", "revise_course",
    "save_track", "set_modules", "set_quiz", "update_course",
    "Verification", "certificate", "certificate_file", "certifications", "current_counts",
    "expire_and_remind",
    "verify", "CertificationChanged", "CourseCompleted",
    "CatalogEntry", "catalog", "complete_module", "my_standing", "open_course", "quiz_for",
    "standing",
    "submit_attempt",
    "CertifiedRow", "CourseCompletionRow", "ExpiringRow", "LearnerRow", "TierRisk",
    "certified_by_partner", "completion_by_course", "expiring", "team_progress", "tier_risks",
    "LEVELS", "AttemptOut", "CertificationOut", "CourseIn", "CourseOut", "ModuleIn",
    "QuestionIn", "QuizView", "Standing", "TrackIn", "TrackOut", "STATUS_LABELS", "CourseStatus",
]
