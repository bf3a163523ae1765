"""Deal registration: a partner claims an opportunity at a named end customer and, once
approved, is protected from other partners and direct sales for its tier's protection period.

    schemas    inputs (pydantic) and results (frozen dataclasses)
    status     the status enum and its one transition table
    conflicts  fuzzy multi-signal matching (core.customers.matching) and first come, first served
    routing    what a match does to a registration (review, or auto-approval if clear)
    end_customers  merging end-customer records and re-filing a registration
    workflow   register, My deals, the partner's actions
    desk       the deal desk's queue and decisions
    direct     the direct-opportunity import
    revenue    won revenue and the won-deals export
    jobs       protection expiry and reminders (job "deal-protection")"""

from core.deals.desk import (
    EXTENSION_DAYS,
    approve_deal,
    bulk_approve,
    change_final_amount,
    decide_extension,
    desk_detail,
    desk_queue,
    merge_deal,
    reject_deal,
    request_more_info,
    start_review,
)
from core.deals.direct import (
    COLUMNS as DIRECT_COLUMNS,
)
from core.deals.direct import (
    DirectImportReport,
    DirectOpportunityOut,
    RowError,
    import_direct_file,
    import_direct_opportunities,
    list_direct_opportunities,
)
from core.deals.end_customers import (
    CustomerClaim,
    CustomerMerge,
    EndCustomerRecord,
    EndCustomerRow,
    end_customer_record,
    list_end_customers,
    merge_end_customers,
    reassign_end_customer,
)
from core.deals.jobs import JOB_NAME as PROTECTION_JOB
from core.deals.jobs import run_deal_protection
from core.deals.revenue import (
    export_won_csv,
    export_won_xlsx,
    won_deals,
    won_revenue,
    won_summary,
)
from core.deals.schemas import (
    DESK_SORTS,
    STAGE_LABELS,
    BulkApproveResult,
    DealDetail,
    DealEventOut,
    DealFilter,
    DealIn,
    DealOut,
    DealStage,
    DealUpdateIn,
    DeskDetail,
    DeskFilter,
    DeskRow,
    Match,
    WonDealRow,
    WonSummary,
)
from core.deals.status import (
    EXTENSION_LABELS,
    OPEN,
    PENDING,
    STATUS_LABELS,
    TRANSITIONS,
    DealStatus,
)
from core.deals.workflow import (
    add_note,
    answer_info_request,
    assignable_users,
    export_deals_csv,
    get_deal,
    list_deals,
    mark_lost,
    mark_won,
    reassign_deal,
    register_deal,
    request_extension,
    update_deal,
    withdraw_deal,
)

__all__ = [
    "DIRECT_COLUMNS", "EXTENSION_DAYS", "OPEN", "PENDING", "PROTECTION_JOB", "STAGE_LABELS",
    "STATUS_LABELS",
    "TRANSITIONS", "BulkApproveResult", "DealDetail", "DealEventOut", "DealFilter", "DealIn",
    "DealOut", "DealStage", "DealStatus", "DealUpdateIn", "DeskDetail", "DESK_SORTS",
    "EXTENSION_LABELS", "DeskFilter", "DeskRow",
    "DirectImportReport", "DirectOpportunityOut", "Match", "RowError", "WonDealRow",
    "add_note", "answer_info_request", "approve_deal", "assignable_users", "bulk_approve",
    "change_final_amount", "decide_extension", "desk_detail", "desk_queue", "export_deals_csv",
    "export_won_csv", "export_won_xlsx", "get_deal", "import_direct_file",
    "import_direct_opportunities",
    "list_deals", "list_direct_opportunities", "mark_lost", "mark_won", "merge_deal",
    "reassign_deal", "register_deal", "reject_deal", "request_extension", "request_more_info",
    "run_deal_protection", "CustomerClaim", "CustomerMerge", "EndCustomerRecord",
    "EndCustomerRow", "end_customer_record", "list_end_customers",
    "merge_end_customers", "reassign_end_customer",
    "start_review", "update_deal", "won_deals", "won_revenue", "won_summary", "WonSummary",
    "withdraw_deal",
]
