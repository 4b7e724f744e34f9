"""The protocol edge: uvicorn's httptools protocol with a deadline for each request's line
and headers (uvicorn has none: a client that sends a header a minute would hold its
connection for ever)."""

from __future__ import annotations

import asyncio
import os

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT_ENV = "TVDBD_REQUEST_HEAD_TIMEOUT_SECONDS"


def _head_timeout() -> float:
    try:
        return float(os.environ.get(HEAD_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline from a connection's (or a request's)
    first byte to the end of its headers; past it: 408 `{"Error": "Request timeout"}` and the
    connection closes. Idle keep-alive connections are uvicorn's own timeout's business."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(_head_timeout(), self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        body = orjson.dumps({"Error": "Request timeout"})
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json; charset=utf-8\r\n"
            b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        self.transport.close()
