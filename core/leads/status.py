"""The lead and offer lifecycles (core.transitions builds their tables).

    new -> offered (routed or assigned by hand) -> accepted -> converted / disqualified
    offered -> rejected / offered again (recycled to the next partner) / returned
    new, offered, rejected -> returned (to the vendor queue) -> offered again, or disqualified
A lead rejected or lapsed by one partner goes on to the next at once, so "rejected" is where
a lead rests only when nobody else is eligible."""

from core.transitions import Lifecycle, TransitionTable, state


class LeadStatus(Lifecycle):
    NEW = state("new", "New", to=("offered", "disqualified", "returned"))
    OFFERED = state("offered", "Offered", to=("offered", "accepted", "rejected", "returned",
                                              "new"))
    ACCEPTED = state("accepted", "Accepted", to=("converted", "disqualified", "returned"))
    REJECTED = state("rejected", "Rejected", to=("offered", "returned", "disqualified"))
    CONVERTED = state("converted", "Converted", verb="converted into a deal")
    DISQUALIFIED = state("disqualified", "Disqualified")
    RETURNED = state("returned", "Returned to the vendor queue", verb="returned",
                     to=("offered", "disqualified"))


class OfferStatus(Lifecycle):
    PENDING = state("pending", "Waiting for an answer", verb="offered",
                    to=("accepted", "rejected", "lapsed", "withdrawn"))
    ACCEPTED = state("accepted", "Accepted")
    REJECTED = state("rejected", "Rejected")
    LAPSED = state("lapsed", "Lapsed (no answer in time)", verb="lapsed")
    WITHDRAWN = state("withdrawn", "Withdrawn")


TABLE = TransitionTable.of(LeadStatus, "lead")
OFFER_TABLE = TransitionTable.of(OfferStatus, "offer")
STATUS_LABELS = TABLE.labels
OFFER_LABELS = OFFER_TABLE.labels
check_move = TABLE.check_move

# Waiting in the vendor's queue for routing.
UNASSIGNED = frozenset({LeadStatus.NEW, LeadStatus.REJECTED, LeadStatus.RETURNED})
# A partner holds it.
HELD = frozenset({LeadStatus.ACCEPTED, LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})

REJECT_REASONS = {
    "territory": "Not our territory",
    "capacity": "No capacity",
    "bad_data": "Bad data",
    "other": "Other",
}
DISQUALIFY_REASONS = {
    "no_need": "No need or budget",
    "no_response": "No response from the contact",
    "competitor": "Bought from a competitor",
    "duplicate": "Duplicate of a lead or deal we have",
    "bad_data": "Bad data",
    "other": "Other",
}
