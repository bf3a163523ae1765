"""Process memory settings shared by the app and the benches."""

import gc

# Collect the youngest objects after this many allocations, not Python's 700: a page that
# reads 5,000 partners allocates hundreds of thousands of short-lived objects, and each
# collection walked them again (the partner performance page, cold: 264 -> 189 ms in
# AppTest). Garbage in cycles waits a little longer; everything else is freed as before.
YOUNG_THRESHOLD = 50_000


def settle_memory() -> None:
    """Once per process, when its modules are loaded: move every object alive now out of the
    garbage collector's sight (they live as long as the process, and a full collection that
    walked them all made a dashboard 70 ms slower every other run), and collect less often.
    Python's gc.freeze and thresholds, as large Python servers set them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
