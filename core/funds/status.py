"""The request and claim lifecycles (core.transitions builds their tables), and the words of
programs: kinds, periods, activity types.

    request: submitted -> approved (all or part) / rejected / more information asked
             more information asked -> submitted (the partner answers) ; submitted or more
             information asked -> withdrawn (by the partner)
             approved -> claimed (a claim submitted) / lapsed (no claim by the deadline)
    claim:   submitted -> approved (all or part) / rejected / more proof asked
             more proof asked -> submitted ; approved -> paid (once paid in full)"""

from core.transitions import Lifecycle, TransitionTable, state


class RequestStatus(Lifecycle):
    SUBMITTED = state("submitted", "Waiting for approval", verb="submitted",
                      to=("approved", "rejected", "info_requested", "withdrawn"))
    INFO_REQUESTED = state("info_requested", "More information asked",
                           verb="asked for more information",
                           to=("submitted", "withdrawn", "rejected"))
    APPROVED = state("approved", "Approved", to=("claimed", "lapsed"))
    REJECTED = state("rejected", "Rejected")
    WITHDRAWN = state("withdrawn", "Withdrawn")
    CLAIMED = state("claimed", "Claimed")
    LAPSED = state("lapsed", "Lapsed (not claimed in time)", verb="lapsed")


class ClaimStatus(Lifecycle):
    SUBMITTED = state("submitted", "Waiting for finance", verb="submitted",
                      to=("approved", "rejected", "proof_requested"))
    PROOF_REQUESTED = state("proof_requested", "More proof asked", verb="asked for more proof",
                            to=("submitted", "rejected"))
    APPROVED = state("approved", "Approved, to be paid", verb="approved", to=("paid",))
    REJECTED = state("rejected", "Rejected")
    PAID = state("paid", "Paid")


REQUEST_TABLE = TransitionTable.of(RequestStatus, "request")
CLAIM_TABLE = TransitionTable.of(ClaimStatus, "claim")
REQUEST_LABELS = REQUEST_TABLE.labels
CLAIM_LABELS = CLAIM_TABLE.labels

# A request's amount is held while it waits, committed once approved.
HOLDING = frozenset({RequestStatus.SUBMITTED, RequestStatus.INFO_REQUESTED})

KINDS = {"mdf": "MDF (granted)", "coop": "Co-op (accrued from sales)"}
PERIODS = {"quarter": "Quarter", "year": "Year"}
ACTIVITY_TYPES = {
    "event": "Event",
    "webinar": "Webinar",
    "digital_ads": "Digital ads",
    "content_syndication": "Content syndication",
    "trade_show": "Trade show",
    "training": "Training",
    "other": "Other",
}
