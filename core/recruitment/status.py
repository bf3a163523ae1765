"""The application lifecycle: one status enum, its labels (the channel team's and the
applicant's) and its one transition table.

    submitted -> under_review -> approved / rejected / more_info
    more_info -> under_review (the applicant answers, or a reviewer resumes the review)

As with deal registrations, a clear application may be decided straight from "submitted"
(a reviewer need not press "start review" first), and one waiting for an answer may be
rejected. Approved and rejected are final."""

from enum import StrEnum

from core.transitions import TransitionTable


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO = "more_info"
    APPROVED = "approved"
    REJECTED = "rejected"


S = ApplicationStatus

# What the channel team sees.
STATUS_LABELS: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Submitted",
    S.UNDER_REVIEW: "Under review",
    S.MORE_INFO: "More information requested",
    S.APPROVED: "Approved",
    S.REJECTED: "Rejected",
}

# What the applicant sees.
PUBLIC_LABELS: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Received",
    S.UNDER_REVIEW: "Under review",
    S.MORE_INFO: "Waiting for your answer",
    S.APPROVED: "Approved",
    S.REJECTED: "Closed",
}
PUBLIC_MESSAGES: dict[ApplicationStatus, str] = {
    S.SUBMITTED: "Thank you; we have received your application and will review it shortly.",
    S.UNDER_REVIEW: "Our channel team is reviewing your application.",
    S.MORE_INFO: "We need a little more information before we can decide. Please answer the "
                 "question below.",
    S.APPROVED: "Welcome to the partner program! Your partner account has been created; your "
                "channel manager will share the sign-in details with you.",
    S.REJECTED: "Thank you for your interest; we are not able to offer a partnership at this "
                "time.",
}

TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.MORE_INFO, S.APPROVED, S.REJECTED}),
    S.UNDER_REVIEW: frozenset({S.MORE_INFO, S.APPROVED, S.REJECTED}),
    S.MORE_INFO: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
}

# Waiting for the channel team (or for the applicant's answer).
OPEN = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO})

# Reviewer action name -> the status it moves to; ApplicationOut.actions lists the ones the
# transition table allows now.
ACTIONS: dict[str, ApplicationStatus] = {
    "start_review": S.UNDER_REVIEW,
    "request_info": S.MORE_INFO,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
}

_VERBS = {
    S.UNDER_REVIEW: "put under review",
    S.MORE_INFO: "sent back for more information",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.SUBMITTED: "submitted",
}


TABLE = TransitionTable("application", TRANSITIONS, STATUS_LABELS, _VERBS)
can_move = TABLE.can_move
check_move = TABLE.check_move

