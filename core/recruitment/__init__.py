"""Recruitment: the public "Become a partner" application, its public status page, and the
channel team's application queue (review, more information, reject, approve).

    status   the lifecycle: statuses, labels (internal and public), the transition table
    schemas  the public form's input model and the frozen results
    records  loading and scoping, history, references, duplicate and look-alike checks
    public   what a stranger does: apply, follow, answer a question
    limits   how many applications the form accepts per client address, e-mail and domain
    review   what the channel team does: queue, review, ask, reject, approve
    digest   one notification per interval to the channel managers of the new applications
    jobs     the digest job, and the purge of old rate-limit hits

What the applicant sees is never what the channel team sees: the public status has its own
labels and messages, and the internal rejection reason never leaves the reviewer's results."""

from core.recruitment.digest import send_application_digest
from core.recruitment.public import (
    NEUTRAL_REFUSAL,
    SESSION_LIMIT,
    SESSION_LIMIT_MESSAGE,
    SESSION_WINDOW,
    answer_info_request,
    application_status,
    confirmation_text,
    submit_application,
)
from core.recruitment.records import (
    ENTITY,
    QUEUE_PAGE,
    REFERENCE_ALPHABET,
    REFERENCE_PREFIX,
    STATUS_PAGE,
)
from core.recruitment.review import (
    application_detail,
    application_queue,
    approve_application,
    channel_managers,
    reject_application,
    request_information,
    start_review,
)
from core.recruitment.schemas import (
    LOOKUP_FAILED,
    MAX_TEXT,
    PARTNER_TYPE_LABELS,
    ApplicationDetail,
    ApplicationEventOut,
    ApplicationFilter,
    ApplicationIn,
    ApplicationMatch,
    ApplicationNotFound,
    ApplicationOut,
    ApplicationReceipt,
    ApplicationStatusOut,
    ApprovalResult,
    DuplicateApplication,
    ManagerChoice,
)
from core.recruitment.status import (
    ACTIONS,
    OPEN,
    PUBLIC_LABELS,
    PUBLIC_MESSAGES,
    STATUS_LABELS,
    TRANSITIONS,
    ApplicationStatus,
)

__all__ = [
    "ACTIONS", "ENTITY", "LOOKUP_FAILED", "MAX_TEXT", "NEUTRAL_REFUSAL", "OPEN",
    "PARTNER_TYPE_LABELS", "PUBLIC_LABELS", "PUBLIC_MESSAGES", "QUEUE_PAGE",
    "REFERENCE_ALPHABET", "REFERENCE_PREFIX", "SESSION_LIMIT", "SESSION_LIMIT_MESSAGE",
    "SESSION_WINDOW", "STATUS_LABELS", "STATUS_PAGE", "TRANSITIONS", "ApplicationDetail",
    "ApplicationEventOut", "ApplicationFilter", "ApplicationIn", "ApplicationMatch",
    "ApplicationNotFound", "ApplicationOut", "ApplicationReceipt", "ApplicationStatus",
    "ApplicationStatusOut", "ApprovalResult", "DuplicateApplication", "ManagerChoice",
    "answer_info_request", "application_detail", "application_queue", "application_status",
    "approve_application", "channel_managers", "confirmation_text", "reject_application",
    "request_information", "send_application_digest", "start_review", "submit_application",
]
