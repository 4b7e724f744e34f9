"""Limits that keep one client from taking the server: request rates per IP and per API key,
a guard against guessing user keys at /login, a request-body size limit and a deadline for
reading a body. Every refusal is a JSON `{"Error": ...}` with the right status.

Rates are counted with the `limits` library (moving windows): in each worker's memory, or
in Redis when `TVDBD_REDIS_URL` is set, so that every worker and host shares one count.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from limits import RateLimitItem
from limits import storage as sync_storage
from limits import strategies as sync_strategies
from limits.aio import strategies as aio_strategies
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvdbd.errors import PayloadTooLarge, RequestTimeout, TooManyRequests
from tvdbd.http.answers import send_api_error
from tvdbd.settings import Settings, rate

LOGIN_GUARDED = "Too many failed logins; try again later"


def _retry_after(reset: float) -> str:
    return str(max(1, math.ceil(reset - time.time())))


class RequestRates:
    """Requests per client IP and per API key (the token's `id`), checked before anything
    else runs, cached answers included."""

    def __init__(self, settings: Settings):
        self.per_ip = rate("rate_limit_per_ip", settings.rate_limit_per_ip)
        self.per_key = rate("rate_limit_per_key", settings.rate_limit_per_key)
        self.enabled = self.per_ip is not None or self.per_key is not None
        uri = f"async+{settings.redis_url}" if settings.redis_url else "async+memory://"
        options = {"implementation": "redispy"} if settings.redis_url else {}
        self._limiter = aio_strategies.MovingWindowRateLimiter(
            sync_storage.storage_from_string(uri, **options)
        )

    async def refusal(self, scope: Scope, claims: dict[str, Any] | None) -> float | None:
        """When the client may ask again (epoch s) if this request is over a limit, else None."""
        checks: list[tuple[RateLimitItem, str]] = []
        if self.per_ip is not None:
            client = scope.get("client")
            checks.append((self.per_ip, f"ip:{client[0] if client else '-'}"))
        if self.per_key is not None and claims is not None:
            checks.append((self.per_key, f"key:{claims.get('id')}"))
        for item, key in checks:
            if not await self._limiter.hit(item, "tvdbd-rate", key):
                stats = await self._limiter.get_window_stats(item, "tvdbd-rate", key)
                return stats.reset_time
        return None


def too_many(reset: float, message: str | None = None) -> TooManyRequests:
    return TooManyRequests(message, {"Retry-After": _retry_after(reset)})


class LoginGuard:
    """Failed logins counted per user name and per client IP; past the limit, /login
    answers 429 for that name or IP (even with the right key) until the window moves."""

    def __init__(self, settings: Settings):
        self.per_user = rate("login_failures_per_user", settings.login_failures_per_user)
        self.per_ip = rate("login_failures_per_ip", settings.login_failures_per_ip)
        uri = settings.redis_url or "memory://"
        self._limiter = sync_strategies.MovingWindowRateLimiter(
            sync_storage.storage_from_string(uri)
        )

    def _checks(self, username: str | None, ip: str) -> list[tuple[RateLimitItem, str]]:
        checks = []
        if self.per_ip is not None:
            checks.append((self.per_ip, f"ip:{ip}"))
        if self.per_user is not None and username:
            checks.append((self.per_user, f"user:{username.lower()}"))
        return checks

    def check(self, username: str | None, ip: str) -> None:
        """Raise TooManyRequests when this name or IP failed too often lately."""
        for item, key in self._checks(username, ip):
            if not self._limiter.test(item, "tvdbd-login", key):
                reset = self._limiter.get_window_stats(item, "tvdbd-login", key).reset_time
                raise too_many(reset, LOGIN_GUARDED)

    def failed(self, username: str | None, ip: str) -> None:
        for item, key in self._checks(username, ip):
            self._limiter.hit(item, "tvdbd-login", key)


class BodyLimits:
    """Middleware: bodies over `max_bytes` get 413, bodies not sent within `timeout` seconds
    get 408 (a slow client cannot hold a request open)."""

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
                await send_api_error(send, PayloadTooLarge(), self.max_age)
                return
        received = 0

        async def guarded_receive() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise RequestTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge()
            return message

        await self.app(scope, guarded_receive, send)
