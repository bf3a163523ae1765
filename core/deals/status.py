"""The registration lifecycle: one status enum, each status declared once with its label, the
verb of moving there and where it may move; core.transitions builds the table from it.

    submitted -> under_review -> approved / rejected / more_info
    more_info -> under_review (the partner answers)
    approved  -> won / lost / expired
    withdrawn from any open state; merged into another registration while pending.

Submitted deals may be decided straight away: a clear one needs no separate review step."""

from core.transitions import Lifecycle, TransitionTable, state


class DealStatus(Lifecycle):
    SUBMITTED = state("submitted", "Submitted", to=("under_review", "approved", "rejected",
                                                    "more_info", "withdrawn", "merged"))
    UNDER_REVIEW = state("under_review", "Under review", verb="put under review",
                         to=("approved", "rejected", "more_info", "withdrawn", "merged"))
    MORE_INFO = state("more_info", "More information requested",
                      verb="sent back for more information",
                      to=("under_review", "rejected", "withdrawn", "merged"))
    APPROVED = state("approved", "Approved", to=("won", "lost", "expired", "withdrawn"))
    REJECTED = state("rejected", "Rejected")
    WON = state("won", "Won", verb="marked won")
    LOST = state("lost", "Lost", verb="marked lost")
    EXPIRED = state("expired", "Expired")
    WITHDRAWN = state("withdrawn", "Withdrawn")
    MERGED = state("merged", "Merged")


S = DealStatus
TABLE = TransitionTable.of(DealStatus, "registration")
STATUS_LABELS: dict[DealStatus, str] = TABLE.labels
# A protection extension's state, as people say it (the column holds the key or NULL).
EXTENSION_LABELS = {"requested": "Asked", "granted": "Granted", "declined": "Declined"}
TRANSITIONS: dict[DealStatus, frozenset[DealStatus]] = TABLE.moves
can_move = TABLE.can_move
check_move = TABLE.check_move

# Waiting for the desk.
PENDING = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO})
# Open registrations claim their customer: first come, first served among these.
OPEN = PENDING | {S.APPROVED}
CLOSED = frozenset(S) - OPEN
