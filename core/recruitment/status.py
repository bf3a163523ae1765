"""The application lifecycle: one status enum, each status declared once with its label (the
channel team's), the verb of moving there and where it may move; the applicant's labels.

    submitted -> under_review -> approved / rejected / more_info
    more_info -> under_review (the applicant answers, or a reviewer resumes the review)

As with deal registrations, a clear application may be decided straight from "submitted"
(a reviewer need not press "start review" first), and one waiting for an answer may be
rejected. Approved and rejected are final."""

from core.transitions import Lifecycle, TransitionTable, state


class ApplicationStatus(Lifecycle):
    # The labels are the channel team's; PUBLIC_LABELS below are the applicant's.
    SUBMITTED = state("submitted", "Submitted",
                      to=("under_review", "more_info", "approved", "rejected"))
    UNDER_REVIEW = state("under_review", "Under review", verb="put under review",
                         to=("more_info", "approved", "rejected"))
    MORE_INFO = state("more_info", "More information requested",
                      verb="sent back for more information", to=("under_review", "rejected"))
    APPROVED = state("approved", "Approved")
    REJECTED = state("rejected", "Rejected")


S = ApplicationStatus
TABLE = TransitionTable.of(ApplicationStatus, "application")
STATUS_LABELS: dict[ApplicationStatus, str] = TABLE.labels  # what the channel team sees
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = TABLE.moves
can_move = TABLE.can_move
check_move = TABLE.check_move

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
