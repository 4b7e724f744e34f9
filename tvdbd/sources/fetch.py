"""Talking to an upstream API politely: bounded concurrency, a request rate, timeouts, and
retries with backoff that honour 429/Retry-After.

Every live source (TheTVDB v4, TVmaze, another v2 server) sends its requests through one
`Upstream`. Errors come out as the SourceError family of tvdbd.errors, never as httpx's.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused, SourceUnavailable
from tvdbd.settings import Settings

log = logging.getLogger("tvdbd.sources")

# A source that asks us to wait longer than this is treated as down for now.
MAX_RETRY_AFTER_SECONDS = 600.0
# Artwork larger than this is not an image we want in the store.
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
USER_AGENT = "tvdbd (self-hosted TheTVDB API v2 server; +https://github.com/tvdbd/tvdbd)"


@dataclass(frozen=True)
class FetchPolicy:
    """How hard we may push one upstream."""

    timeout: float = 10.0
    retries: int = 4
    concurrency: int = 4
    rate_per_second: float = 0.0  # 0: no cap besides concurrency
    backoff_base: float = 0.5
    backoff_max: float = 30.0


def policy_from(settings: Settings, *, rate_per_second: float = 0.0) -> FetchPolicy:
    return FetchPolicy(
        timeout=settings.source_timeout_seconds,
        retries=settings.source_retries,
        concurrency=settings.source_concurrency,
        rate_per_second=rate_per_second,
    )


class _Retryable(Exception):
    """An attempt that may succeed later: a timeout, a lost connection, a 5xx or a 429."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class UpstreamStats:
    requests: int = 0
    retries: int = 0
    in_flight: int = 0
    most_in_flight: int = 0


class Upstream:
    """One upstream API: an HTTP client shared by every request sent to it."""

    def __init__(
        self,
        name: str,
        base_url: str,
        policy: FetchPolicy,
        *,
        headers: Mapping[str, str] | None = None,
    ):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.stats = UpstreamStats()
        # True from an attempt that failed as a retry might mend (timeout, no connection,
        # 5xx, 429) until the next answer that is not such a failure: the source is in
        # trouble now, and the read-through starts no other fetch meanwhile.
        self.failing = False
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            follow_redirects=True,
        )
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._limiter = (
            AsyncLimiter(policy.rate_per_second, 1.0) if policy.rate_per_second > 0 else None
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET `path` (relative to the base URL) and decode its JSON body."""
        response = await self.request("GET", path, params=params, headers=headers)
        return self.decode(response)

    async def post_json(
        self, path: str, body: Any, *, headers: Mapping[str, str] | None = None
    ) -> Any:
        response = await self.request("POST", path, json=body, headers=headers)
        return self.decode(response)

    def decode(self, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceDataError(
                self.name, f"{_shown(response.request.url)} answered with invalid JSON ({exc})"
            ) from None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        absolute: bool = False,
    ) -> httpx.Response:
        """Send one request with retries; a 2xx response, or a SourceError.

        404 is SourceNotFound, 401/403 SourceRefused (the caller may log in again); other 4xx
        are SourceDataError (we asked for something the source does not understand).
        """
        url = path if absolute else f"{self.base_url}/{path.lstrip('/')}"
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(_Retryable),
                stop=stop_after_attempt(self.policy.retries + 1),
                wait=self._wait,
                before_sleep=self._before_sleep,
                reraise=True,
            ):
                with attempt:
                    return await self._attempt(method, url, params, json, headers)
        except _Retryable as exc:
            raise SourceUnavailable(self.name, f"{_shown(url)}: {exc.reason}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def download(self, url: str) -> bytes | None:
        """The bytes of an image at an absolute URL; None when the source has no such file."""
        try:
            response = await self.request("GET", url, absolute=True, headers={"Accept": "*/*"})
        except SourceNotFound:
            return None
        if len(response.content) > MAX_DOWNLOAD_BYTES:
            raise SourceDataError(self.name, f"{_shown(url)} is over {MAX_DOWNLOAD_BYTES} bytes")
        return response.content

    async def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        if self._limiter is not None:
            await self._limiter.acquire()
        async with self._slots:
            self.stats.requests += 1
            self.stats.in_flight += 1
            self.stats.most_in_flight = max(self.stats.most_in_flight, self.stats.in_flight)
            try:
                response = await self._client.request(
                    method, url, params=params, json=json, headers=headers
                )
            except httpx.TimeoutException:
                self.failing = True
                raise _Retryable(f"no answer within {self.policy.timeout:g} s") from None
            except httpx.TransportError as exc:
                self.failing = True
                raise _Retryable(f"cannot connect ({type(exc).__name__}: {exc})") from None
            finally:
                self.stats.in_flight -= 1
        status = response.status_code
        self.failing = status == 429 or status >= 500
        if status == 429 or status >= 500:
            retry_after = _retry_after(response.headers.get("retry-after"))
            if retry_after is not None and retry_after > MAX_RETRY_AFTER_SECONDS:
                raise SourceUnavailable(
                    self.name, f"{_shown(url)}: asked to wait {retry_after:.0f} s (HTTP {status})"
                )
            raise _Retryable(f"HTTP {status}", retry_after)
        if status == 404:
            raise SourceNotFound(self.name, f"{_shown(url)} is not there (HTTP 404)")
        if status in (401, 403):
            raise SourceRefused(
                self.name,
                f"{_shown(url)} refused our credentials (HTTP {status}{_said(response)})",
            )
        if status >= 400:
            raise SourceDataError(
                self.name, f"{_shown(url)} answered HTTP {status}{_said(response)}"
            )
        return response

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the source gave one, else exponential backoff with full jitter."""
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2**state.attempt_number)
        return random.uniform(ceiling / 2, ceiling)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = state.next_action.sleep if state.next_action else 0
        log.warning("%s: %s; retrying in %.1f s", self.name, error, wait)


class BearerSession:
    """GETs with a bearer token from `login()`: logged in on first use, and when the source
    refuses the token mid-session (expired, revoked), logged in again once."""

    def __init__(self, upstream: Upstream, login: Callable[[], Awaitable[str]]):
        self.upstream = upstream
        self._login = login
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None:
                self._token = await self._login()
            return self._token

    async def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        for attempt in (1, 2):
            token = await self.token()
            try:
                return await self.upstream.get_json(
                    path, params, headers={**(headers or {}), "Authorization": f"Bearer {token}"}
                )
            except SourceRefused:
                if attempt == 2:
                    raise
                if self._token == token:
                    self._token = None
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _said(response: httpx.Response) -> str:
    """`: <message>` from an error body like v4's `{"message": "pin required"}`, if any."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f": {message[:200]}" if isinstance(message, str) and message else ""


def _shown(url: Any) -> str:
    """A URL for messages, without its query (which may carry keys on some sources)."""
    text = str(url)
    return text.split("?", 1)[0]
