"""Tiers: the rules for earning each tier, the evaluation that proposes promotions and
demotions, the channel team's decisions on those proposals, the history of every partner's
tier, and a partner's progress to its next tier.

A partner belongs in the highest tier whose rules it meets: won revenue in the trailing 12
months (won registrations by close date, as core.deals.revenue.won_revenue counts it) and
currently certified users. The evaluation (job "tier-evaluation", or "Run evaluation now")
reads both as one SQL aggregate each over all partners, never a query per partner, and keeps
at most one open proposal per partner: a re-run refreshes it, retargets it or closes it.
Nothing changes a partner's tier but a person: confirming a proposal, overriding it with
another tier, or setting a tier by hand; each writes the history, the audit log and a
notification to the partner's users in the caller's transaction.

    rules       the rules and benefits of each tier, their editor and its checks
    proposals   the proposals queue, the channel team's decisions and the one tier change
    evaluation  the measures and the evaluation
    jobs        the daily "tier-evaluation" job
    events      what tiers publish (a partner's tier changed)
    progress    a partner's own view: its progress to the next tier and its tier history"""

from core.money import base_money as money  # the name pages know
from core.tiers.evaluation import (
    DISMISSAL_HOLD,
    EVALUATED_STATUSES,
    EVALUATION_LOCK,
    JOB_NAME,
    Assessment,
    EvaluationResult,
    assess_partners,
    certified_user_counts,
    run_evaluation,
    trailing_won_revenue,
)
from core.tiers.jobs import run_tier_evaluation
from core.tiers.progress import TierProgress, tier_history, tier_progress
from core.tiers.proposals import (
    CHANGE_SOURCE_LABELS,
    MY_TIER_PAGE,
    PROPOSAL_FIELDS,
    PROPOSAL_STATUS_LABELS,
    PROPOSAL_TRANSITIONS,
    REASON_MAX,
    BulkConfirmResult,
    ChangeSource,
    ProposalOut,
    ProposalStatus,
    TierChangeOut,
    confirm_proposal,
    confirm_proposals,
    dismiss_proposal,
    list_proposals,
    override_proposal,
    set_partner_tier,
)
from core.tiers.rules import (
    RULE_FIELDS,
    TierRulesIn,
    TierRulesOut,
    benefits,
    list_tier_rules,
    update_tier_rules,
)

__all__ = [
    "CHANGE_SOURCE_LABELS", "DISMISSAL_HOLD", "EVALUATED_STATUSES", "EVALUATION_LOCK",
    "JOB_NAME", "MY_TIER_PAGE", "PROPOSAL_FIELDS", "PROPOSAL_STATUS_LABELS",
    "PROPOSAL_TRANSITIONS", "REASON_MAX", "RULE_FIELDS",
    "Assessment", "BulkConfirmResult", "ChangeSource", "EvaluationResult", "ProposalOut",
    "ProposalStatus", "TierChangeOut", "TierProgress", "TierRulesIn", "TierRulesOut",
    "assess_partners", "benefits", "certified_user_counts", "confirm_proposal",
    "confirm_proposals", "dismiss_proposal", "list_proposals", "list_tier_rules", "money",
    "override_proposal", "run_evaluation", "run_tier_evaluation",
    "set_partner_tier", "tier_history", "tier_progress", "trailing_won_revenue",
    "update_tier_rules",
]
