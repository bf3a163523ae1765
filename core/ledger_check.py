"""What a money ledger's invariant check returns (funds, incentives): how many entries it read
and the rules it found broken, each in words."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LedgerCheck:
    entries: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems
