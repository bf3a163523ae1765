"""MDF and co-op funds (issue #18): programs and the money put into them, requests held
against a partner's balance, claims with proof of performance, payments, ROI, and an
append-only ledger that never overdraws. See each module's docstring."""

from core.funds.activities import activity_choices, check_activity, funded_ids
from core.funds.claims import (
    add_proof,
    approve_claim,
    ask_claim_proof,
    record_payment,
    reject_claim,
    share_of,
    submit_claim,
)
from core.funds.files import claim_file, file_by_hash
from core.funds.ledger import KIND_LABELS, Balance, LedgerCheck, check
from core.funds.programs import (
    accrue_coop,
    allocate,
    allocate_by_tier,
    create_program,
    eligible_partners,
    get_program,
    list_programs,
    period_bounds,
    update_program,
)
from core.funds.records import (
    get_request,
    history,
    list_allocations,
    list_requests,
    partner_choices_for_funds,
)
from core.funds.reports import (
    claims_rows,
    export_claims,
    export_ledger,
    ledger_rows,
    period_totals,
    roi,
)
from core.funds.requests import (
    answer_request,
    approve_request,
    ask_request_info,
    reject_request,
    submit_request,
    withdraw_request,
)
from core.funds.schemas import (
    AllocationOut,
    ClaimIn,
    ClaimOut,
    PaymentIn,
    ProgramIn,
    ProgramOut,
    RequestIn,
    RequestOut,
    RoiRow,
)
from core.funds.status import (
    ACTIVITY_TYPES,
    CLAIM_LABELS,
    KINDS,
    PERIODS,
    REQUEST_LABELS,
    ClaimStatus,
    RequestStatus,
)

__all__ = [
    "ACTIVITY_TYPES", "CLAIM_LABELS", "KINDS", "KIND_LABELS", "PERIODS", "REQUEST_LABELS",
    "AllocationOut", "Balance", "ClaimIn", "ClaimOut", "ClaimStatus", "LedgerCheck",
    "PaymentIn", "ProgramIn", "ProgramOut", "RequestIn", "RequestOut", "RequestStatus",
    "RoiRow", "accrue_coop", "activity_choices", "add_proof", "allocate", "allocate_by_tier",
    "answer_request", "approve_claim", "approve_request", "ask_claim_proof",
    "ask_request_info", "check", "check_activity", "claim_file", "claims_rows",
    "create_program", "eligible_partners", "export_claims", "export_ledger", "file_by_hash",
    "funded_ids", "get_program", "get_request", "history", "ledger_rows", "list_allocations",
    "list_programs", "list_requests", "partner_choices_for_funds", "period_bounds",
    "period_totals", "record_payment", "reject_claim", "reject_request", "roi", "share_of",
    "submit_claim", "submit_request", "update_program", "withdraw_request",
]
