"""All tables. Import from here so that Alembic and the app see the same metadata."""

from db.models.analytics import (
    AnalyticsPeriod,
    AnalyticsVersion,
    HealthWeight,
    PartnerMonthFact,
    PartnerPeriodTotal,
    PartnerUserMonth,
)
from db.models.audit import AuditEvent
from db.models.base import Base
from db.models.crm import (
    ApiKey,
    CrmFieldMapping,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from db.models.deals import (
    DealEvent,
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
    ProductLine,
)
from db.models.funds import (
    FundAllocation,
    FundClaim,
    FundClaimFile,
    FundEvent,
    FundLedgerEntry,
    FundProgram,
    FundRequest,
)
from db.models.incentives import (
    IncentiveEntry,
    IncentiveProgram,
    IncentiveRun,
    IncentiveStatement,
    IncentiveTerms,
)
from db.models.jobs import JobState, KeyedLock
from db.models.leads import Lead, LeadOffer, LeadRoutingWeight, LeadSetting
from db.models.notifications import Notification, OutboxMail
from db.models.onboarding import (
    Agreement,
    AgreementAcceptance,
    OnboardingProgress,
    OnboardingStep,
)
from db.models.partners import (
    Partner,
    PartnerIndustry,
    PartnerRegion,
    PartnerTerritory,
    Tier,
    partner_product_lines,
)
from db.models.portal import (
    Announcement,
    AnnouncementRead,
    Asset,
    AssetDownload,
    AssetVersion,
    BusinessPlan,
    PartnerRequest,
    PlanGoal,
    PlanReview,
    RequestFile,
    RequestMessage,
)
from db.models.pos import (
    CurrencyRate,
    PosException,
    PosFile,
    PosLine,
    PosTemplate,
    Product,
)
from db.models.recruitment import ApplicationEvent, PartnerApplication
from db.models.security import (
    AccountLink,
    RateLimitHit,
    RecoveryCode,
    SecondFactor,
    UserIdentity,
    UserSession,
)
from db.models.tiers import TierChange, TierProposal
from db.models.training import (
    Certification,
    CertificationTrack,
    Course,
    CourseCompletion,
    CourseModule,
    ModuleProgress,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
)
from db.models.users import User

__all__ = [
    "AnalyticsPeriod", "AnalyticsVersion", "HealthWeight", "PartnerMonthFact",
    "PartnerPeriodTotal", "PartnerUserMonth",
    "AccountLink", "RateLimitHit", "RecoveryCode", "SecondFactor", "UserIdentity", "UserSession",
    "Agreement", "AgreementAcceptance", "ApplicationEvent", "AuditEvent", "Base", "DealEvent",
    "DealRegistration",
    "DirectOpportunity", "EndCustomer", "EndCustomerKey", "JobState", "KeyedLock", "Notification",
    "OnboardingProgress", "OnboardingStep", "OutboxMail", "Partner", "PartnerApplication",
    "PartnerIndustry", "PartnerRegion", "PartnerTerritory", "ProductLine", "Tier", "User",
    "partner_product_lines",
    "TierChange", "TierProposal",
    "Certification", "CertificationTrack", "Course", "CourseCompletion", "CourseModule",
    "ModuleProgress", "QuizAttempt", "QuizOption", "QuizQuestion",
    "Lead", "LeadOffer", "LeadRoutingWeight", "LeadSetting",
    "FundAllocation", "FundClaim", "FundClaimFile", "FundEvent", "FundLedgerEntry",
    "FundProgram", "FundRequest",
    "CurrencyRate", "PosException", "PosFile", "PosLine", "PosTemplate", "Product",
    "IncentiveEntry", "IncentiveProgram", "IncentiveRun", "IncentiveStatement", "IncentiveTerms",
    "ApiKey", "CrmFieldMapping", "WebhookAttempt", "WebhookDelivery", "WebhookEvent",
    "WebhookSubscription",
    "Announcement", "AnnouncementRead", "Asset", "AssetDownload", "AssetVersion",
    "BusinessPlan", "PartnerRequest", "PlanGoal", "PlanReview", "RequestFile",
    "RequestMessage",
]
