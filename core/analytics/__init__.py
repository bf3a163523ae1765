"""Measuring partners: facts kept as the work happens (facts), KPIs over them (kpis), a
partner's scorecard (scorecard), and the queries the dashboard pages read."""

from core.analytics.dashboard import (
    GROUPINGS,
    Cohort,
    Concentration,
    DashboardFilter,
    Funnel,
    RevenueCell,
    RevenueDashboard,
    cohorts,
    concentration,
    funnel,
    revenue_by_month,
    revenue_dashboard,
)
from core.analytics.facts import (
    MEASURES,
    MonthTally,
    RebuildReport,
    month_of,
    months_touched,
    rebuild,
    rebuild_partners,
    refresh_partner,
    tally,
)
from core.analytics.health import (
    DEFAULT_WEIGHTS,
    Health,
    benchmarks,
    health,
    health_weights,
    kpi_score,
    partner_health,
    score_all,
    set_health_weights,
    shown,
)
from core.analytics.kpis import (
    KPI_BY_KEY,
    KPIS,
    Kpi,
    Totals,
    frame_of,
    kpi_frame,
    totals,
    totals_frame,
)
from core.analytics.performance import (
    AT_RISK_FALL,
    QUIET_MONTHS,
    PartnerPerformance,
    Performance,
    PerformanceFilter,
    partner_performance,
)
from core.analytics.periods import Period, period_choices
from core.analytics.scorecard import (
    MIN_PEERS,
    KpiValue,
    MonthFigures,
    Scorecard,
    analytics_stamp,
    analytics_version,
    scorecard,
    scorecard_months,
)

__all__ = [
    "GROUPINGS", "Cohort", "Concentration", "DashboardFilter", "Funnel", "RevenueCell",
    "cohorts", "concentration", "funnel", "revenue_by_month", "RevenueDashboard",
    "revenue_dashboard",
    "MonthFigures", "period_choices", "scorecard_months", "shown",
    "AT_RISK_FALL", "QUIET_MONTHS", "PartnerPerformance", "Performance", "PerformanceFilter",
    "partner_performance",
    "DEFAULT_WEIGHTS", "Health", "health_weights", "set_health_weights", "benchmarks",
    "health", "kpi_score", "partner_health", "score_all", "frame_of", "kpi_frame",
    "totals_frame",
    "KPIS", "KPI_BY_KEY", "MEASURES", "MIN_PEERS", "Kpi", "KpiValue", "MonthTally", "Period",
    "RebuildReport", "Scorecard", "Totals", "analytics_stamp", "analytics_version", "month_of",
    "months_touched",
    "rebuild", "rebuild_partners", "refresh_partner", "scorecard", "tally", "totals",
]
