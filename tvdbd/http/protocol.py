"""The protocol edge: uvicorn's httptools protocol, made to answer every request it cannot
hand to the app as TheTVDB would answer anything, a JSON `{"Error": ...}` with its status:

- a malformed request (a garbage request line, a header without a colon, NUL or a space in
  the path, `Content-Length: abc`, Content-Length beside chunked, a bad chunk size): 400;
- the HTTP/2 preface (`PRI * HTTP/2.0`): 505, we speak HTTP/1.1 only;
- a URL over `max_url_bytes`: 414; headers over `max_header_bytes` together: 431 — at most
  one read (64 KiB) past the limits is ever held, where httptools alone read a 48 MiB
  header whole;
- no line and headers within `request_head_timeout_seconds` of a connection's (or a
  request's) first byte: 408 (uvicorn has no such deadline: a client that sends a header a
  minute would hold its connection for ever).

Each of these closes the connection, as it must after a message it could not frame
(RFC 9112 §2.2, §6.3). WebSocket (and h2c) upgrades are not negotiated (`ws="none"` in
tvdbd.serving): an upgrade request is answered as the plain HTTP/1.1 request it also is (a
JSON 4xx from the routes, which have no WebSocket endpoint), then the connection closes.
Each refusal is one debug line, never a warning a client can repeat to flood the log.
"""

from __future__ import annotations

import asyncio
import http
import logging
from dataclasses import dataclass
from functools import lru_cache

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tvdbd.http.answers import wire_headers
from tvdbd.http.conditional import strong_etag
from tvdbd.records.render import V3

log = logging.getLogger("tvdbd.http")

MALFORMED = "Malformed request"
URL_TOO_LONG = "Request URL too long"
HEADERS_TOO_LARGE = "Request headers too large"
HTTP2_UNSUPPORTED = "HTTP/2 is not supported; use HTTP/1.1"
TIMEOUT = "Request timeout"


@dataclass(frozen=True)
class EdgeLimits:
    head_timeout: float
    max_header_bytes: int
    max_url_bytes: int
    max_age: int


@lru_cache(maxsize=1)
def edge_limits() -> EdgeLimits:
    """This process's limits, from the same TVDBD_* environment the app's settings come from
    (`tvdbd serve` exports them for its workers; the app factory has checked them)."""
    from tvdbd.settings import Settings

    settings = Settings.from_env()
    return EdgeLimits(
        settings.request_head_timeout_seconds,
        settings.max_header_bytes,
        settings.max_url_bytes,
        settings.cache_max_age,
    )


class _Refused(Exception):
    """Raised from a parser callback: answer `status` and close."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message


def error_answer(status: int, message: str, max_age: int) -> bytes:
    """A complete HTTP/1.1 answer with TheTVDB's error body and headers (as every answer has,
    tvdbd.http.answers) that closes the connection."""
    body = orjson.dumps({"Error": message})
    headers = {**wire_headers(V3, max_age), "etag": strong_etag(body), "connection": "close",
               "content-length": str(len(body))}  # fmt: skip
    phrase = http.HTTPStatus(status).phrase
    head = f"HTTP/1.1 {status} {phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


class OneSendPerAnswer:
    """The connection's transport as uvicorn sees it, holding each write until the next one
    or the event loop's next turn, so that an answer's head and body leave in one send().

    uvicorn writes the head of an answer and its body with a write each, and asyncio's
    transport sends each at once: two system calls per answer, 34 % of a worker's samples
    serving stored answers (py-spy). Both writes of an answer happen in one step of its
    task, so the body finds the head held and both go together; a head alone (HEAD, 304)
    or the last part of a stream leaves at the end of the loop's turn. Copying an 82 KB
    episode page onto its head still beats a second send() (1.04x the req/s, 1.13x for a
    0.7 KB record, interleaved wrk rounds); a body over JOIN_LIMIT (artwork files) is sent
    after the head instead. Closing sends what is held first; everything else is the
    transport's own."""

    JOIN_LIMIT = 1024 * 1024
    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            self._held = data
            self._loop.call_soon(self._release)
            return
        self._held = None
        if len(data) > self.JOIN_LIMIT:
            self._transport.write(held)
            self._transport.write(data)
        else:
            self._transport.write(b"".join((held, data)))

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self._release()
        self._transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the JSON edge of the module docstring."""

    # One timer per connection, not one per request (arming and cancelling a timer for each
    # request of a keep-alive connection cost ~1 µs of a 25 µs cached answer): it fires at
    # the earliest moment a head could be too slow, refuses if one is, else waits again.
    _deadline: asyncio.TimerHandle | None = None
    _head_since: float | None = None  # loop time of the first byte of the head being read
    _in_head = True  # between a message's first byte and the end of its headers
    _head_bytes = 0
    _limits: EdgeLimits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._limits = edge_limits()
        super().connection_made(transport)
        # Every write of uvicorn's and of the edge goes through it, so their order holds.
        self.transport = OneSendPerAnswer(transport, self.loop)  # type: ignore[assignment]
        self._head_began()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            refused = exc.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.status, refused.message)
            else:
                self._refuse(400, MALFORMED)
            return
        except httptools.HttpParserUpgrade:
            # Not negotiated: the request runs as plain HTTP (see on_headers_complete); what
            # follows it on this connection is not HTTP/1.1 we could frame.
            if self.cycle is not None:
                self.cycle.keep_alive = False
            return
        except httptools.HttpParserError as exc:
            if bytes(data).startswith(b"PRI * HTTP/2.0"):
                self._refuse(505, HTTP2_UNSUPPORTED)
            else:
                self._refuse(400, f"{MALFORMED}: {exc}")
            return
        limits = self._limits
        if self._in_head and self._head_bytes > limits.max_header_bytes + limits.max_url_bytes:
            self._refuse(431, HEADERS_TOO_LARGE)

    def _should_upgrade_to_ws(self) -> bool:
        return False  # whatever uvicorn's `ws` option says

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_since is None:
            self._head_began()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self._limits.max_url_bytes:
            raise _Refused(414, URL_TOO_LONG)

    def on_headers_complete(self) -> None:
        self._head_since = None
        self._in_head = False
        # The bytes read since the head began bound its size; only past the limit is the
        # exact size of the headers parsed counted (a read may have ended inside the head).
        if self._head_bytes > self._limits.max_header_bytes:
            size = sum(len(k) + len(v) + 4 for k, v in self.headers)
            if size > self._limits.max_header_bytes:
                raise _Refused(431, HEADERS_TOO_LARGE)
        super().on_headers_complete()
        if self.parser.should_upgrade() and self.cycle is not None:
            self.cycle.keep_alive = False

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0
        self._head_since = None  # the next head's deadline runs from its first byte

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, MALFORMED)

    def _refuse(self, status: int, message: str) -> None:
        self._disarm()
        log.debug("refused at the protocol edge: %s %s", status, message)
        if self.transport.is_closing():
            return
        # A response the app began cannot be followed by another one (the fault is in its
        # body): just close. A new request's head follows a complete answer: answer it.
        answering = self.cycle is not None and not self._in_head
        if not answering or not self.cycle.response_started:
            self.transport.write(error_answer(status, message, self._limits.max_age))
        if answering:
            self.cycle.disconnected = True  # the app's later sends go nowhere
        self.transport.close()

    def _head_began(self) -> None:
        self._head_since = self.loop.time()
        if self._deadline is None:
            self._deadline = self.loop.call_later(self._limits.head_timeout, self._check_head)

    def _disarm(self) -> None:
        self._head_since = None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _check_head(self) -> None:
        """The timer: 408 if the head being read began head_timeout ago, else wait for the
        moment it would have (no head being read: the next one arms the timer again)."""
        self._deadline = None
        if self._head_since is None:
            return
        left = self._head_since + self._limits.head_timeout - self.loop.time()
        if left > 0:
            self._deadline = self.loop.call_later(left, self._check_head)
        else:
            self._refuse(408, TIMEOUT)
