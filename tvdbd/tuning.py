"""The Python runtime of a serving worker, tuned once after start-up (`tvdbd serve`).

What the garbage collector costs a worker (docs/performance.md, issue 20): a full
collection walks every tracked object, and start-up leaves some 110,000 of them (the
modules of Starlette, SQLAlchemy, Jinja2, the routes, the app) that never become garbage.
A full collection then took 90-120 ms on the bench machine, and every answer queued behind
it. In steady state on a few URLs collections are rare (the objects of a request die by
reference counting, so the young generation hardly fills), but while the response cache
fills, every stored answer survives: 3 full collections in 8 s and p99 100 ms, where p50 is
15 ms. After start-up those objects go to the permanent generation (`gc.freeze()`), which no
collection walks: same load, no full collection, p99 35 ms.

The young generation's threshold is raised from CPython's 700 to 10,000 net allocations:
fewer, larger young collections (3-6 ms each while the cache fills); the older generations
keep CPython's ratios (10 and 10), so reference cycles are still collected and reach the
old generation no slower than before.

In-process apps (tests, create_app) are left alone: only the factory `tvdbd serve` runs in
its workers calls tune_worker.
"""

from __future__ import annotations

import gc

# Net container allocations between young collections (CPython: 700), and young collections
# per middle one, middle ones per full one (CPython's 10 and 10).
YOUNG_THRESHOLD = 10_000
MIDDLE_THRESHOLD = 10
OLD_THRESHOLD = 10


def tune_worker() -> None:
    """Collect start-up's garbage, move every surviving object out of the collector's reach
    and make collections rarer. Once per worker process, when its app is built."""
    gc.disable()  # nothing collects between the collection below and the freeze
    try:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    finally:
        gc.enable()
