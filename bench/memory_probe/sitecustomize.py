"""Memory probe for a tvdbd worker: SIGUSR1 dumps a tracemalloc snapshot into WL_PROBE_DIR.

Python imports ``sitecustomize`` at start in every process whose path holds this folder,
spawned workers included. With bench/workload.py:

    --server-env PYTHONPATH=bench/memory_probe --server-env PYTHONTRACEMALLOC=6 \
    --server-env WL_PROBE_DIR=/tmp/snaps

then ``kill -USR1 <worker pid>`` twice, minutes apart, and
``python bench/memory_probe/compare.py A.snap B.snap`` lists what grew in between.
"""

import os
import signal
import time
import tracemalloc

_DIR = os.environ.get("WL_PROBE_DIR")
if _DIR and tracemalloc.is_tracing():

    def _dump(signum: int, frame: object) -> None:
        snapshot = tracemalloc.take_snapshot()
        snapshot.dump(os.path.join(_DIR, f"{os.getpid()}-{time.time():.0f}.snap"))

    signal.signal(signal.SIGUSR1, _dump)
