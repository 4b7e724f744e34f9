"""What the operator sees of each request: Prometheus metrics (`GET /metrics`, behind a
setting) and a structured access log (one JSON line per request on standard error).

Both wrap `send` around everything the app does, stored answers included, so the numbers
count every request. Labels are route templates (`/series/{id}`), never raw paths, so the
number of series cannot grow the metrics.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from sqlalchemy import Engine, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Message, Scope, Send

from tvdbd.settings import Settings

log = logging.getLogger("tvdbd.access")

CACHED = "tvdbd.cached"  # scope key: the answer came from the response cache
# Query parameters some clients send that hold secrets (client-for-tvdb sends its keys to
# /refresh_token): the value of any parameter whose name contains one of these words, in any
# case (`apikey`, `api_key`, `userKey`, `access_token`, `client_secret`, `pin`, `password`),
# never reaches the log.
SECRET_WORDS = ("key", "token", "secret", "pin", "password")
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)


class Observer:
    """Counts and logs requests for one worker."""

    def __init__(self, settings: Settings, routes: Iterable[BaseRoute]):
        self.metrics = settings.metrics
        self.access_log = settings.access_log
        self.routes = list(routes)
        if self.metrics:
            from prometheus_client import CollectorRegistry, Counter, Histogram

            # One registry per app (tests build many apps in one process); with several
            # workers the values go to prometheus_client's multiprocess folder anyway.
            self.registry = CollectorRegistry()
            self.requests = Counter(
                "tvdbd_requests", "Requests answered", ["route", "method", "status"],
                registry=self.registry,
            )  # fmt: skip
            self.latency = Histogram(
                "tvdbd_request_duration_seconds", "Time to answer", ["route"], buckets=BUCKETS,
                registry=self.registry,
            )  # fmt: skip
            self.cache = Counter(
                "tvdbd_response_cache", "Catalogue answers from the cache or not", ["result"],
                registry=self.registry,
            )  # fmt: skip

    @property
    def active(self) -> bool:
        return self.metrics or self.access_log

    def wrap(self, scope: Scope, send: Send) -> Send:
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0, "bytes": 0}

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    self._record(scope, state, time.perf_counter() - started)
            await send(message)

        return observed

    def route_of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and hasattr(route, "path"):
            return str(route.path)
        for candidate in self.routes:  # a stored answer skipped the router
            match, _ = candidate.matches({**scope, "type": "http"})
            if match is Match.FULL and hasattr(candidate, "path"):
                return str(candidate.path)
        return "unmatched"

    def _record(self, scope: Scope, state: dict[str, Any], seconds: float) -> None:
        route = self.route_of(scope)
        if self.metrics:
            self.requests.labels(route, scope["method"], str(state["status"])).inc()
            self.latency.labels(route).observe(seconds)
            if route.startswith(("/series", "/episodes", "/search", "/updated", "/languages",
                                 "/movies")):  # fmt: skip
                self.cache.labels("hit" if scope.get(CACHED) else "miss").inc()
        if self.access_log:
            client = scope.get("client")
            line = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "client": client[0] if client else None,
                "method": scope["method"],
                "path": scope["path"],
                "query": _redacted(scope.get("query_string", b"")),
                "route": route,
                "status": state["status"],
                "bytes": state["bytes"],
                "ms": round(seconds * 1000, 3),
                "cached": bool(scope.get(CACHED)),
            }
            sys.stderr.write(orjson.dumps(line).decode() + "\n")


def _redacted(raw: bytes) -> str:
    if not raw:
        return ""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, "***" if _secret(k) else v) for k, v in pairs])


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


class FeedLag:
    """A collector of how far behind each followed feed is (`tvdbd sync`, `tvdbd mirror`)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        from tvdbd.db.schema import source_checkpoints

        gauge = GaugeMetricFamily(
            "tvdbd_feed_lag_seconds", "Seconds since the last change a feed has reached",
            labels=["feed"],
        )  # fmt: skip
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(source_checkpoints.c.name, source_checkpoints.c.position)
                ).all()
        except Exception:  # the database is down: /health says so; no lag figures
            rows = []
        now = time.time()
        for name, position in rows:
            gauge.add_metric([name], max(0.0, now - position))
        yield gauge


def metrics_response(request: Request) -> Response:
    """GET /metrics: this process's metrics, or all workers' when `tvdbd serve` set up
    prometheus_client's multiprocess folder; 404 when metrics are off."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    from tvdbd.errors import NotFound

    observer: Observer = request.app.state.observer
    if not observer.metrics:
        raise NotFound()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = observer.registry
    body = generate_latest(registry)
    lag = CollectorRegistry()
    lag.register(FeedLag(request.app.state.engine))
    body += generate_latest(lag)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
