"""A status transition table, the one place each entity's allowed moves are written."""

from dataclasses import dataclass
from enum import StrEnum

from core.errors import RuleViolation


@dataclass(frozen=True)
class TransitionTable:
    noun: str  # "registration", "application": the thing in the refusal message
    moves: dict[StrEnum, frozenset[StrEnum]]
    labels: dict[StrEnum, str]
    verbs: dict[StrEnum, str]  # past participle of moving there: "approved", "put under review"

    def can_move(self, current: str, to: StrEnum) -> bool:
        return to in self.moves[self._status(current)]

    def check_move(self, current: str, to: StrEnum) -> None:
        """Refuse any transition that is not in the table, with a message the user can act on."""
        if not self.can_move(current, to):
            label = self.labels[self._status(current)].lower()
            raise RuleViolation(f"This {self.noun} is {label}; it cannot be {self.verbs[to]}.",
                                field="status")

    def _status(self, value: str) -> StrEnum:
        return type(next(iter(self.moves)))(value)
