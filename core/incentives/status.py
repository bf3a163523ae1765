"""Program kinds, statuses and what a statement's figures say about it."""

KINDS = {"volume": "Volume rebate", "growth": "Growth rebate", "spiff": "SPIFF"}
PROGRAM_STATUSES = {"draft": "Draft", "published": "Published", "retired": "Retired"}
# A program moves draft -> published (its first terms published) -> retired; a retired
# program's past statements stay, it accrues nothing for quarters after it was retired.
PROGRAM_TRANSITIONS = {"draft": {"published"}, "published": {"retired"}, "retired": set()}
BASES = {"above": "Only the sales above each threshold, at that band's rate",
         "all": "All sales, at the rate of the highest threshold reached"}
PAYEES = {"partner": "The partner", "rep": "The named sales rep"}
ENTRY_KINDS = {"accrue": "Accrued", "approve": "Approved", "pay": "Paid"}


def statement_status(earned, approved, paid) -> str:
    """What a statement waits for, from its sums."""
    if earned != approved:
        return "to review"
    if approved != paid:
        return "to pay"
    return "settled" if earned else "nothing earned"


STATEMENT_STATUS_LABELS = {"to review": "To review", "to pay": "Approved, to pay",
                           "settled": "Paid", "nothing earned": "Nothing earned"}
