"""`python -m bench.matching`: quality of the fuzzy name matcher on each labeled file (the
frozen yardstick, tests/data/name_pairs.csv, and the look-alikes found since,
tests/data/name_lookalikes.csv): recall, false alarms, "possible" noise, the confusion
table; then the time of one name_similarity call beside rapidfuzz.fuzz.ratio alone. Name
only: same country, no shared domain."""

import csv
import statistics
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

from core.customers.matching import name_key, name_similarity, verdict

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PAIRS = DATA / "name_pairs.csv"
FILES = (PAIRS, DATA / "name_lookalikes.csv")
ROUNDS = 200


def _load(path: Path = PAIRS) -> list[tuple[str, str, bool]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [(r["a"], r["b"], r["same"] == "1") for r in csv.DictReader(f)]


def _quality(pairs: list[tuple[str, str, bool]]) -> None:
    table: Counter[tuple[bool, str]] = Counter()
    wrong = []
    for a, b, same in pairs:
        score = name_similarity(a, b).score
        outcome = verdict(score, same_domain=False, same_country=True)
        table[same, outcome] += 1
        if (same and outcome == "clear") or (not same and outcome == "conflict"):
            wrong.append(f"{'missed' if same else 'false alarm'}: {a} / {b} ({score})")
    n_same = sum(1 for *_, s in pairs if s)
    n_diff = len(pairs) - n_same
    recall = (table[True, "possible"] + table[True, "conflict"]) / n_same
    false_alarm = table[False, "conflict"] / n_diff
    noise = table[False, "possible"] / n_diff
    print(f"  {len(pairs)} pairs ({n_same} same company, {n_diff} different)")
    print(f"  recall (same judged possible or conflict): {recall:.3f}")
    print(f"  false-alarm rate (different judged conflict): {false_alarm:.3f}")
    print(f"  possible noise (different judged possible): {noise:.3f}")
    print(f"  {'':<12}{'clear':>8}{'possible':>10}{'conflict':>10}")
    for label, same in (("same", True), ("different", False)):
        row = "".join(f"{table[same, v]:>{w}}" for v, w in
                      (("clear", 8), ("possible", 10), ("conflict", 10)))
        print(f"  {label:<12}{row}")
    for line in wrong:
        print(f"  {line}")


def _per_call_us(fn, pairs) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        for a, b, _same in pairs:
            start = time.perf_counter_ns()
            fn(a, b)
            times.append((time.perf_counter_ns() - start) / 1000)
    return times


def _report(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"  {label:<44} median {statistics.median(times):7.2f} us   p95 {p95:7.2f} us")


def _timing(pairs: list[tuple[str, str, bool]]) -> None:
    print(f"time of one call ({ROUNDS} rounds over the labeled pairs):")
    _report("rapidfuzz.fuzz.ratio (baseline)", _per_call_us(fuzz.ratio, pairs))
    build = name_key.__wrapped__  # the uncached function: both keys built on every call
    _report("name_similarity, keys built each call",
            _per_call_us(lambda a, b: name_similarity(build(a), build(b)), pairs))
    _report("name_similarity, keys cached", _per_call_us(name_similarity, pairs))
    keys = [(name_key(a), name_key(b), s) for a, b, s in pairs]
    # __wrapped__: the comparison itself, not a hit in name_similarity's own cache.
    _report("name_similarity on prebuilt NameKeys", _per_call_us(name_similarity.__wrapped__,
                                                                  keys))


def main() -> None:
    for path in FILES:
        print(f"labeled pairs, {path.name}:")
        _quality(_load(path))
    _timing(_load())


if __name__ == "__main__":
    main()
