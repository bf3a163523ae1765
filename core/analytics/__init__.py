"""Measuring partners: facts kept as the work happens (facts), KPIs and health over them, and
the queries the scorecard and dashboard pages read."""

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

__all__ = [
    "MEASURES", "MonthTally", "RebuildReport", "month_of", "months_touched", "rebuild",
    "rebuild_partners", "refresh_partner", "tally",
]
