"""HTTP caching and compression for every response, as pure ASGI middleware.

Handlers give a body and its validators (JSON answers carry a strong ETag of their bytes, see
``envelope.json_response``; files carry ETag and Last-Modified). This layer then, in order:

1. picks a content coding (brotli or gzip) for compressible bodies of at least 1 KB that the
   client accepts, and gives that variant its own strong ETag (`"<hash>-gzip"`);
2. answers 304 Not Modified, with no body and the other headers kept, when If-None-Match
   matches that ETag or, without If-None-Match, If-Modified-Since is not older than
   Last-Modified (for series routes: the series' `lastUpdated`) — before compressing;
3. otherwise compresses the body and sends it.

Requests without Accept-Encoding, If-None-Match or If-Modified-Since pass straight through.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvdbd.http.compression import (
    MINIMUM_SIZE,
    CompressedBodies,
    choose_coding,
    is_compressible,
)
from tvdbd.http.conditional import etag_matches, http_date_seconds, with_coding

LastModifiedHook = Callable[[Scope], int | None]

_WATCHED = {b"accept-encoding", b"if-none-match", b"if-modified-since"}
# A 304 describes the representation without sending it (RFC 9110 §15.4.5).
_NOT_FOR_304 = ("content-length", "content-encoding", "content-range")


class HttpCache:
    """Content coding and conditional requests; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        last_modified_for: LastModifiedHook | None = None,
        bodies: CompressedBodies | None = None,
    ):
        self.app = app
        self.last_modified_for = last_modified_for
        self.bodies = bodies if bodies is not None else CompressedBodies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self.wrap(scope, send))

    def wrap(self, scope: Scope, send: Send) -> Send:
        """``send`` as this layer would send the response to ``scope``: compressed or 304
        where the request asks (the response cache's early path sends its hits through it)."""
        asked: dict[bytes, str] = {}
        for name, value in scope["headers"]:
            if name in _WATCHED:
                asked.setdefault(name, value.decode("latin-1"))
        if not asked:
            return send
        return _Exchange(self, scope, send, asked).send


class _Exchange:
    """One response on its way out: held back when it may be compressed or answered 304."""

    def __init__(self, cache: HttpCache, scope: Scope, send: Send, asked: dict[bytes, str]):
        self.cache = cache
        self.scope = scope
        self.downstream = send
        self.accept_encoding = asked.get(b"accept-encoding")
        self.if_none_match = asked.get(b"if-none-match")
        self.if_modified_since = asked.get(b"if-modified-since")
        self.conditional = scope["method"] in ("GET", "HEAD") and (
            self.if_none_match is not None or self.if_modified_since is not None
        )
        self.start: Message | None = None
        self.headers = MutableHeaders()
        self.chunks: list[bytes] = []
        self.buffering = False
        self.finished = False

    async def send(self, message: Message) -> None:
        if self.finished:  # the body of a response already answered 304
            return
        if message["type"] == "http.response.start":
            await self._started(message)
        elif message["type"] == "http.response.body" and self.buffering:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._complete(b"".join(self.chunks))
        else:
            await self.downstream(message)

    async def _started(self, message: Message) -> None:
        self.start = message
        self.headers = MutableHeaders(raw=list(message["headers"]))
        content_type = self.headers.get("content-type", "")
        if (
            is_compressible(content_type)
            and "content-encoding" not in self.headers
            and "content-range" not in self.headers  # a slice of the identity bytes
        ):
            self.buffering = True  # JSON and text: decided when the body is complete
            return
        # Images stream as they are (they are compressed already); 304 is decided now.
        if self._not_modified(message["status"]):
            await self._send_not_modified()
            return
        await self.downstream(message)

    async def _complete(self, body: bytes) -> None:
        assert self.start is not None
        coding = None
        # A HEAD answer built by hand has no body, only the GET's Content-Length.
        size = len(body) or int(self.headers.get("content-length") or 0)
        if size >= MINIMUM_SIZE:
            # The answer depends on Accept-Encoding from this size on, for every client.
            self.headers.add_vary_header("Accept-Encoding")
            if self.accept_encoding and body:
                coding = choose_coding(self.accept_encoding)
        etag = self.headers.get("etag")
        if coding and etag:
            self.headers["etag"] = with_coding(etag, coding)
        if self._not_modified(self.start["status"]):
            await self._send_not_modified()
            return
        if coding:
            body = self.cache.bodies.compressed(body, coding, etag)
            self.headers["content-encoding"] = coding
            self.headers["content-length"] = str(len(body))
        await self.downstream({**self.start, "headers": self.headers.raw})
        await self.downstream({"type": "http.response.body", "body": body, "more_body": False})

    def _not_modified(self, status: int) -> bool:
        """Preconditions apply to a successful GET or HEAD only (RFC 9110 §13.2.1)."""
        if not self.conditional or status not in (200, 206):
            return False
        if self.if_none_match is not None:
            etag = self.headers.get("etag")
            return etag is not None and etag_matches(self.if_none_match, etag)
        assert self.if_modified_since is not None
        since = http_date_seconds(self.if_modified_since)
        if since is None:
            return False
        last_modified = self._last_modified()
        return last_modified is not None and last_modified <= since

    def _last_modified(self) -> int | None:
        header = self.headers.get("last-modified")
        if header is not None:
            return http_date_seconds(header)
        if self.cache.last_modified_for is None:
            return None
        return self.cache.last_modified_for(self.scope)

    async def _send_not_modified(self) -> None:
        assert self.start is not None
        for name in _NOT_FOR_304:
            if name in self.headers:
                del self.headers[name]
        self.finished = True
        await self.downstream({**self.start, "status": 304, "headers": self.headers.raw})
        await self.downstream({"type": "http.response.body", "body": b"", "more_body": False})
