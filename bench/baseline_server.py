"""The minimal ASGI app (bench/baseline_app.py) served exactly as `tvdbd serve` serves tvdbd:
the same sockets (IPPROTO_TCP, one SO_REUSEPORT socket per worker), the same worker
supervisor and asyncio's event loop (tvdbd.serving). Only the app and tvdbd's protocol edge
differ, so a ratio against it is what tvdbd's own code costs.

    BASELINE_BODY_DIR=DIR python -m bench.baseline_server PORT WORKERS

uvicorn's own `--loop asyncio --workers N` is no such baseline: it binds its socket without
IPPROTO_TCP, so asyncio leaves Nagle's algorithm on and every answer waits for the client's
delayed ACK (1,450 req/s at p50 44 ms, measured).
"""

from __future__ import annotations

import sys

import uvicorn

from tvdbd.serving import Listener, ListenersServer, Workers, bind


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    config = uvicorn.Config(
        "bench.baseline_app:app",
        loop="asyncio",
        ws="none",
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    listeners = [Listener("127.0.0.1", port)]
    sockets = bind(listeners)
    if workers <= 1:
        ListenersServer(config, listeners).run(sockets)
    else:
        raise SystemExit(Workers(config, listeners, sockets, workers).run())


if __name__ == "__main__":
    main()
