import statistics
import time
from collections.abc import Callable


def timed(label: str, fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time in milliseconds over `repeat` runs, printed with the label."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    median = statistics.median(runs)
    print(f"  {label:<48} {median:9.1f} ms (median of {repeat})")
    return median
