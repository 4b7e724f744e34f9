"""Limits that keep one client from taking the server: request rates per IP and per API key,
a request-body size limit and a deadline for reading a whole body (the login guard is in
tvdbd.http.login_guard). Every refusal is a JSON `{"Error": ...}` with the right status.

Rates are counted with the `limits` library (moving windows): in each worker's memory, or
in Redis when `TVDBD_REDIS_URL` is set, so that every worker and host shares one count.
While Redis does not answer, each worker counts alone (one warning when it goes, one when it
is back; it is tried again every few seconds), so requests are never refused for it.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from limits import RateLimitItem
from limits import storage as sync_storage
from limits.aio import strategies as aio_strategies
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvdbd.errors import PayloadTooLarge, RequestTimeout, TooManyRequests
from tvdbd.http.answers import send_api_error
from tvdbd.http.login_guard import REDIS_RETRY_SECONDS
from tvdbd.outages import Outage
from tvdbd.settings import Settings, rate


def _retry_after(reset: float) -> str:
    return str(max(1, math.ceil(reset - time.time())))


class RequestRates:
    """Requests per client IP and per API key (the token's `id`), checked before anything
    else runs, cached answers included."""

    def __init__(self, settings: Settings):
        self.per_ip = rate("rate_limit_per_ip", settings.rate_limit_per_ip)
        self.per_key = rate("rate_limit_per_key", settings.rate_limit_per_key)
        self.enabled = self.per_ip is not None or self.per_key is not None
        self._memory = aio_strategies.MovingWindowRateLimiter(
            sync_storage.storage_from_string("async+memory://")
        )
        self._redis = None
        if settings.redis_url and self.enabled:
            storage = sync_storage.storage_from_string(
                f"async+{settings.redis_url}", implementation="redispy",
                socket_connect_timeout=0.5, socket_timeout=1,
            )  # fmt: skip
            self._redis = aio_strategies.MovingWindowRateLimiter(storage)
        self._outage = Outage("Redis (request rates)", "requests are counted per worker")
        self._retry_at = 0.0

    async def refusal(self, scope: Scope, claims: dict[str, Any] | None) -> float | None:
        """When the client may ask again (epoch s) if this request is over a limit, else None."""
        checks: list[tuple[RateLimitItem, str]] = []
        if self.per_ip is not None:
            client = scope.get("client")
            checks.append((self.per_ip, f"ip:{client[0] if client else '-'}"))
        if self.per_key is not None and claims is not None:
            checks.append((self.per_key, f"key:{claims.get('id')}"))
        if self._redis is not None and time.monotonic() >= self._retry_at:
            try:
                reset = await self._check(self._redis, checks)
            except Exception as exc:  # redis errors, OSError: count here until it is back
                self._outage.failed(exc)
                self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            else:
                self._outage.answered()
                return reset
        return await self._check(self._memory, checks)

    @staticmethod
    async def _check(
        limiter: aio_strategies.MovingWindowRateLimiter, checks: list[tuple[RateLimitItem, str]]
    ) -> float | None:
        for item, key in checks:
            if not await limiter.hit(item, "tvdbd-rate", key):
                stats = await limiter.get_window_stats(item, "tvdbd-rate", key)
                return stats.reset_time
        return None


def too_many(reset: float, message: str | None = None) -> TooManyRequests:
    return TooManyRequests(message, {"Retry-After": _retry_after(reset)})


# A refused body is left unread: the connection cannot carry another request after it.
_CLOSE = {"Connection": "close"}


class BodyLimits:
    """Middleware: bodies over `max_bytes` get 413, bodies not sent whole within `timeout`
    seconds of the end of the headers get 408 (one deadline for the whole body, however it is
    chunked: a client sending a byte a second cannot hold a request open)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float, max_age: int):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await send_api_error(send, PayloadTooLarge(headers=_CLOSE), self.max_age)
                return
        received = 0
        deadline = time.monotonic() + self.timeout

        async def guarded_receive() -> Message:
            nonlocal received
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise RequestTimeout(headers=_CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(headers=_CLOSE)
            return message

        await self.app(scope, guarded_receive, send)
