"""The load generator of bench/workload.py: persistent HTTP/1.1 connections on uvloop, the
responses parsed by httptools (both come with uvicorn[standard]; the test extra pins them).

Each of ``connections`` clients replays whole sessions one request at a time, as a client
library does, on a connection of its own per session (kept for the whole run with
``keep_connections``), taking the next session number from a shared counter until the time
is up. Per request it
costs a few microseconds of Python (the request bytes are built once per request, the
response is counted, not decoded, unless it is a login or it is being recorded), so one
process drives tens of thousands of requests a second; bench/workload.py prints its own
CPU time per request and the ceiling that makes.
"""

from __future__ import annotations

import asyncio
import gzip
import resource
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httptools
import orjson
import uvloop
from _workload_sessions import Request, Sessions  # type: ignore[import-not-found]

USER_AGENT = "python-requests/2.34.2"  # what tvdb_api's requests session sends
KEY_HEADER = "X-Workload-Key"  # names the recorded answer for the baseline; tvdbd ignores it
# Headers the baseline does not replay: its own server writes them (or they name the
# connection, not the answer).
NOT_REPLAYED = frozenset(
    (b"date", b"server", b"content-length", b"connection", b"keep-alive", b"transfer-encoding")
)
DRAIN_SECONDS = 30.0  # how long requests still in flight at the end may take
Recorded = tuple[int, list[tuple[bytes, bytes]], bytes]


class Connection(asyncio.Protocol):
    """One keep-alive connection; ``send`` writes a request and waits for its response."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[int] | None = None
        self.keep = False
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection closed"))

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.keep:
            self.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.keep:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(self.parser.get_status_code())

    async def send(self, data: bytes, keep: bool) -> int:
        self.keep, self.headers, self.chunks, self.size = keep, [], [], 0
        self.waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(data)
        return await self.waiter

    def body(self) -> bytes:
        body = b"".join(self.chunks)
        coding = dict(self.headers).get(b"content-encoding", b"")
        if coding == b"gzip":
            return gzip.decompress(body)
        if coding == b"deflate":
            return zlib.decompress(body)
        if coding == b"br":
            import brotli

            return bytes(brotli.decompress(body))
        return body


def encode(request: Request, host: str, token: str) -> bytes:
    """The request as tvdb_api (through requests) writes it, plus the baseline's key."""
    lines = [
        f"{request.method} {request.target} HTTP/1.1",
        f"Host: {host}",
        f"User-Agent: {USER_AGENT}",
    ]
    if request.encoding:
        lines.append(f"Accept-Encoding: {request.encoding}")
    lines += ["Accept: application/json", "Connection: keep-alive"]
    lines.append(f"Accept-Language: {request.language}")
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines.append(f"{KEY_HEADER}: {request.key}")
    if request.body or request.method in ("POST", "PUT", "DELETE"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(request.body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + request.body


@dataclass
class RunResult:
    """What one run of the generator saw."""

    duration: float
    cold_seconds: float
    latencies: dict[tuple[str, str], array] = field(default_factory=dict)  # ms, by phase, class
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: int = 0  # connection errors and unparsable answers
    in_time: int = 0  # requests answered before the time was up
    ended: set[int] = field(default_factory=set)  # numbers of sessions that ran to their end
    sessions: int = 0  # sessions that ran to their end (a number may come again)
    recorded: dict[str, Recorded] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # this process's CPU time during the run
    samples: list[Any] = field(default_factory=list)  # what ``sample`` returned, over time

    def completed_prefix(self) -> int:
        """How many sessions from number 0 on all ran to their end."""
        count = 0
        while count in self.ended:
            count += 1
        return count


async def _drive(
    port: int,
    sessions: Sessions,
    numbers: Iterator[int],
    *,
    connections: int,
    duration: float,
    cold_seconds: float,
    record: bool,
    sample: Callable[[], Any] | None,
    sample_every: float,
    keep_connections: bool,
) -> RunResult:
    host = f"127.0.0.1:{port}"
    result = RunResult(duration=duration, cold_seconds=cold_seconds)
    loop = asyncio.get_running_loop()
    # With --keep-connections each client opens its connection now and keeps it; otherwise a
    # client opens one per session, as a client library does (and new connections reach
    # every worker, not only those listening when the run began).
    opened: list[Connection | None] = (
        [(await loop.create_connection(Connection, "127.0.0.1", port))[1]
         for _ in range(connections)]
        if keep_connections
        else [None] * connections
    )  # fmt: skip
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    deadline = started + duration
    cold_until = started + cold_seconds
    latencies, statuses, recorded = result.latencies, result.statuses, result.recorded

    async def replay(connection: Connection | None) -> None:
        while time.perf_counter() < deadline:
            number = next(numbers)
            token = ""
            fresh = connection is None  # a client library opens one per session
            for request in sessions.session(number).requests:
                key = request.key
                is_login = request.route_class == "login"
                keep = is_login or (record and key not in recorded)
                data = encode(request, host, token)
                sent = time.perf_counter()  # a new connection's setup counts in its first
                try:
                    if connection is None:
                        connection = await _connect(loop, port)
                    status = await connection.send(data, keep)
                except (OSError, httptools.HttpParserError):
                    result.failures += 1
                    _close(connection)
                    connection = None if fresh else await _connect(loop, port)
                    break
                answered = time.perf_counter()
                phase = "cold" if sent < cold_until else "steady"
                bucket = latencies.get((phase, request.route_class))
                if bucket is None:
                    bucket = latencies[(phase, request.route_class)] = array("d")
                bucket.append((answered - sent) * 1000)
                if answered <= deadline:
                    result.in_time += 1
                counts = statuses.get(request.route_class)
                if counts is None:
                    counts = statuses[request.route_class] = Counter()
                counts[status] += 1
                if keep and record:
                    kept = [(k, v) for k, v in connection.headers if k not in NOT_REPLAYED]
                    recorded[key] = (status, kept, b"".join(connection.chunks))
                if is_login:
                    if status != 200:
                        break  # nothing else of the session can work
                    token = orjson.loads(connection.body())["token"]
            else:
                result.ended.add(number)
                result.sessions += 1
            if fresh:
                _close(connection)
                connection = None
        _close(connection)

    async def sampler() -> None:
        assert sample is not None
        while time.perf_counter() < deadline:
            result.samples.append((time.perf_counter() - started, sample()))
            await asyncio.sleep(min(sample_every, max(0.0, deadline - time.perf_counter())))
        result.samples.append((time.perf_counter() - started, sample()))

    tasks = [asyncio.ensure_future(replay(connection)) for connection in opened]
    if sample is not None:
        tasks.append(asyncio.ensure_future(sampler()))
    _, pending = await asyncio.wait(tasks, timeout=duration + DRAIN_SECONDS)
    for task in pending:
        task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception():
            raise task.exception()  # type: ignore[misc]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_seconds = usage.ru_utime + usage.ru_stime - cpu_before
    return result


async def _connect(loop: asyncio.AbstractEventLoop, port: int) -> Connection:
    return (await loop.create_connection(Connection, "127.0.0.1", port))[1]


def _close(connection: Connection | None) -> None:
    if connection is not None and connection.transport is not None:
        connection.transport.close()


def run(
    port: int,
    sessions: Sessions,
    numbers: Iterator[int],
    *,
    connections: int = 64,
    duration: float = 30,
    cold_seconds: float = 5,
    record: bool = False,
    sample: Callable[[], Any] | None = None,
    sample_every: float = 30,
    keep_connections: bool = False,
) -> RunResult:
    """Replay sessions ``numbers`` against 127.0.0.1:``port`` for ``duration`` seconds.

    ``record`` keeps the first answer to each request key (for the baseline); ``sample`` is
    called every ``sample_every`` seconds (RSS of the server's workers). Each session opens
    a connection of its own, as a client library does (and as the kernel then spreads
    connections over the workers); ``keep_connections`` keeps one per client instead."""
    return uvloop.run(
        _drive(
            port, sessions, numbers, connections=connections, duration=duration,
            cold_seconds=cold_seconds, record=record, sample=sample, sample_every=sample_every,
            keep_connections=keep_connections,
        )
    )  # fmt: skip


def percentile(values: array, share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank on sorted values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
