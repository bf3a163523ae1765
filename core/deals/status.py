"""The registration lifecycle: one status enum and its one transition table.

    submitted -> under_review -> approved / rejected / more_info
    more_info -> under_review (the partner answers)
    approved  -> won / lost / expired
    withdrawn from any open state; merged into another registration while pending."""

from enum import StrEnum

from core.transitions import TransitionTable


class DealStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO = "more_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


S = DealStatus

STATUS_LABELS: dict[DealStatus, str] = {
    S.SUBMITTED: "Submitted",
    S.UNDER_REVIEW: "Under review",
    S.MORE_INFO: "More information requested",
    S.APPROVED: "Approved",
    S.REJECTED: "Rejected",
    S.WON: "Won",
    S.LOST: "Lost",
    S.EXPIRED: "Expired",
    S.WITHDRAWN: "Withdrawn",
    S.MERGED: "Merged",
}

# Submitted deals may be decided straight away: a clear one needs no separate review step.
TRANSITIONS: dict[DealStatus, frozenset[DealStatus]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.APPROVED, S.REJECTED, S.MORE_INFO, S.WITHDRAWN,
                            S.MERGED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.MORE_INFO, S.WITHDRAWN, S.MERGED}),
    S.MORE_INFO: frozenset({S.UNDER_REVIEW, S.REJECTED, S.WITHDRAWN, S.MERGED}),
    S.APPROVED: frozenset({S.WON, S.LOST, S.EXPIRED, S.WITHDRAWN}),
    S.REJECTED: frozenset(),
    S.WON: frozenset(),
    S.LOST: frozenset(),
    S.EXPIRED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.MERGED: frozenset(),
}

# Waiting for the desk.
PENDING = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO})
# Open registrations claim their customer: first come, first served among these.
OPEN = PENDING | {S.APPROVED}
CLOSED = frozenset(S) - OPEN

_VERBS = {
    S.UNDER_REVIEW: "put under review",
    S.MORE_INFO: "sent back for more information",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.WON: "marked won",
    S.LOST: "marked lost",
    S.EXPIRED: "expired",
    S.WITHDRAWN: "withdrawn",
    S.MERGED: "merged",
    S.SUBMITTED: "submitted",
}


TABLE = TransitionTable("registration", TRANSITIONS, STATUS_LABELS, _VERBS)
can_move = TABLE.can_move
check_move = TABLE.check_move
