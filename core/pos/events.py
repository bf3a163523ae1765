"""What POS tells the rest of the system (core.events): clean lines added (by an import or an
exception fixed), for the scorecard facts, co-op accrual and incentives."""

from dataclasses import dataclass
from datetime import date

from core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PosLinesAdded(DomainEvent):
    partner_ids: tuple[int, ...]  # the reporters and the sellers
    months: tuple[date, ...]  # the invoice months touched
    file_id: int
