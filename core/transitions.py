"""Lifecycles: a status enum whose every member is declared once, with its label, the verb of
moving there and the statuses it may move to; and the transition table built from it, the one
place each entity's allowed moves are written.

    class ApplicationStatus(Lifecycle):
        SUBMITTED = state("submitted", "Submitted", to=("under_review", "rejected"))
        UNDER_REVIEW = state("under_review", "Under review", verb="put under review",
                             to=("rejected",))
        REJECTED = state("rejected", "Rejected")  # final: it moves nowhere

    TABLE = TransitionTable.of(ApplicationStatus, "application")
    STATUS_LABELS, TRANSITIONS = TABLE.labels, TABLE.moves
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from core.errors import RuleViolation


def state(value: str, label: str, *, verb: str | None = None,
          to: tuple[str, ...] = ()) -> tuple[str, str, str, tuple[str, ...]]:
    """One status of a Lifecycle: its value, its label, the verb of moving there (past
    participle, for refusals: the label in lower case unless given) and the values of the
    statuses it may move to (none: a final status)."""
    return value, label, verb or label.lower(), tuple(to)


class Lifecycle(StrEnum):
    """A str enum whose members, declared with `state`, carry their label, verb and next
    statuses."""

    label: str
    verb: str
    next_values: tuple[str, ...]

    def __new__(cls, value: str, label: str, verb: str, moves: tuple[str, ...]) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.verb, member.next_values = label, verb, moves
        return member


@dataclass(frozen=True)
class TransitionTable:
    noun: str  # "registration", "application": the thing in the refusal message
    moves: dict[StrEnum, frozenset[StrEnum]]
    labels: dict[StrEnum, str]
    verbs: dict[StrEnum, str]  # past participle of moving there: "approved", "put under review"

    @classmethod
    def of(cls, lifecycle: type[Lifecycle], noun: str) -> "TransitionTable":
        """The table a lifecycle declares; a move to a value it does not have fails here, at
        import."""
        return cls(noun, {s: frozenset(lifecycle(v) for v in s.next_values) for s in lifecycle},
                   {s: s.label for s in lifecycle}, {s: s.verb for s in lifecycle})

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
