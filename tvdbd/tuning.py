"""The Python runtime of a serving worker, tuned once after start-up (`tvdbd serve`).

The garbage collector made the long tails of busy workers (docs/performance.md, issue 20):
every full collection walked all the objects start-up had made (the modules of Starlette,
SQLAlchemy, Jinja2, the routes, the app: some 300,000 objects, 60-120 ms a walk on the
bench machine), and answers queued behind it. None of those objects ever becomes garbage,
so after start-up they go to the permanent generation (`gc.freeze()`), which no collection
walks; what the collector still walks is what requests made since.

The young generation's threshold is raised too: a request allocates hundreds to thousands
of containers that are all dropped by reference counting before it ends, and CPython's
default (a young collection per 700 net allocations) ran several collections per request
for nothing. Reference cycles are still collected; only less often, in one pass over
more objects.

In-process apps (tests, create_app) are left alone: only the factory `tvdbd serve` runs in
its workers calls tune_worker.
"""

from __future__ import annotations

import gc

# Net container allocations between young collections (CPython: 700), and young collections
# per middle one, middle ones per full one (CPython: 10 and 10).
YOUNG_THRESHOLD = 50_000
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 100


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
