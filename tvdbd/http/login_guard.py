"""The login guard: failed logins are counted per client address and user name, and per
client address, so that guessing user (or registered API) keys is slow, while nobody can
lock a user out from another address.

- Every attempt is counted *before* it is checked, atomically (Redis `INCR`, or a counter
  under a lock in this process): of 40 simultaneous guesses only the first `limit` are
  checked, on any number of workers sharing the Redis.
- A success takes its own counts back (and clears the address+name pair); a refusal before
  the check takes them back too, so only checked failures count.
- A count over the limit is refused only when checked *failures* fill it. When attempts still
  being checked fill it (64 clients behind one address logging in at once with the right key),
  the attempt waits for a free place (up to `ADMIT_WAIT_SECONDS`) instead: good logins are
  never refused for arriving together, and guesses still get at most `limit` checks.
- Per address and name (`login_failures_per_user`, default 10 per 15 minutes): after the
  third failure of a pair, each further one makes that pair wait 1, 2, 4, ... seconds
  (capped by the window) before its next check — backoff; at the limit, it waits for the
  window. Another address naming the same user is not affected: there is no per-name lock,
  since that is exactly what an attacker could turn against a user (user keys are 128-bit
  random secrets: guessing from many addresses at 10 per 15 minutes each is hopeless).
- Per address (`login_failures_per_ip`, default 30 per 15 minutes): one address guessing many
  names.

Refusals are 429 `{"Error": "Too many failed logins; try again later"}` with Retry-After.
Without Redis, or while it does not answer, each worker counts alone (one warning per outage;
Redis is tried again every few seconds and used again once it answers): with W workers and no
Redis, an address may get up to W times the limits.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tvdbd.errors import TooManyRequests
from tvdbd.outages import Outage
from tvdbd.settings import Settings, rate

LOGIN_GUARDED = "Too many failed logins; try again later"
FREE_FAILURES = 3  # failures of a pair before backoff starts
REDIS_RETRY_SECONDS = 5.0
_T = TypeVar("_T")
ADMIT_WAIT_SECONDS = 10.0  # how long an attempt waits for others being checked to finish
ADMIT_POLL_SECONDS = 0.05


class MemoryCounters:
    """Counters that expire, in this process (thread-safe: logins check in a thread pool)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, amount: int, window: float) -> tuple[int, float]:
        """Add ``amount``; (the count now, seconds until it resets)."""
        now = time.monotonic()
        with self._lock:
            count, expires = self._values.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
            count = max(0, count + amount)
            self._values[key] = (count, expires)
            if len(self._values) > 100_000:
                self._values = {k: v for k, v in self._values.items() if v[1] > now}
            return count, expires - now

    def set(self, key: str, value: int, seconds: float) -> None:
        with self._lock:
            self._values[key] = (value, time.monotonic() + seconds)

    def get(self, key: str) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, expires = self._values.get(key, (0, 0.0))
        return (count, expires - now) if expires > now else (0, 0.0)

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)


class RedisCounters:
    """The same counters in Redis, shared by every worker and host."""

    def __init__(self, url: str):
        import redis

        self._client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)

    def add(self, key: str, amount: int, window: float) -> tuple[int, float]:
        pipe = self._client.pipeline()
        pipe.incrby(key, amount)
        pipe.expire(key, math.ceil(window), nx=True)
        pipe.pttl(key)
        count, _, pttl = pipe.execute()
        if int(count) < 0:  # a take-back after a success cleared the key: never below zero
            self._client.set(key, 0, px=max(1, int(pttl)), xx=True)
            count = 0
        return int(count), max(0.0, int(pttl) / 1000)

    def set(self, key: str, value: int, seconds: float) -> None:
        self._client.set(key, value, px=max(1, int(seconds * 1000)))

    def get(self, key: str) -> tuple[int, float]:
        pipe = self._client.pipeline()
        pipe.get(key)
        pipe.pttl(key)
        value, pttl = pipe.execute()
        if value is None or int(pttl) <= 0:
            return 0, 0.0
        return int(value), int(pttl) / 1000

    def delete(self, key: str) -> None:
        self._client.delete(key)


class Counters:
    """Redis when configured and answering, else this process's memory."""

    def __init__(self, redis_url: str):
        self.memory = MemoryCounters()
        self.redis = RedisCounters(redis_url) if redis_url else None
        self.outage = Outage("Redis (login guard)", "failed logins are counted per worker")
        self._retry_at = 0.0

    def call(self, method: str, *args: Any) -> Any:
        if self.redis is not None and time.monotonic() >= self._retry_at:
            try:
                result = getattr(self.redis, method)(*args)
            except Exception as exc:  # redis.RedisError, OSError: fall back, try again later
                self.outage.failed(exc)
                self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            else:
                self.outage.answered()
                return result
        return getattr(self.memory, method)(*args)


@dataclass
class Attempt:
    """What one login attempt added, to take back or to keep."""

    ip_key: str
    pair_key: str | None
    counted: list[str] = field(default_factory=list)
    pair_count: int = 0


class LoginGuard:
    """See the module docstring."""

    def __init__(self, settings: Settings, namespace: str = "tvdbd"):
        # Per database: deployments sharing one Redis do not share their counts.
        self.namespace = namespace
        self.per_pair = rate("login_failures_per_user", settings.login_failures_per_user)
        self.per_ip = rate("login_failures_per_ip", settings.login_failures_per_ip)
        self.counters = Counters(settings.redis_url)

    async def admit(self, username: str | None, ip: str) -> Attempt:
        """Count this attempt; TooManyRequests if its address (and name) may not try now."""
        deadline = time.monotonic() + ADMIT_WAIT_SECONDS
        while True:
            try:
                return await self._run(self._admit, username, ip)
            except _Busy:
                if time.monotonic() >= deadline:
                    raise _refused(1) from None
                # Jittered, so that waiters do not all ask again in the same instant.
                await asyncio.sleep(ADMIT_POLL_SECONDS * (0.5 + random.random()))

    async def abandoned(self, attempt: Attempt) -> None:
        """The attempt was neither a success nor a failure (the database did not answer)."""
        await self._run(self._take_back, attempt)

    async def failed(self, attempt: Attempt) -> None:
        await self._run(self._failed, attempt)

    async def succeeded(self, attempt: Attempt) -> None:
        await self._run(self._succeeded, attempt)

    async def _run(self, work: Callable[..., _T], *args: Any) -> _T:
        # Redis is network I/O: off the event loop. Counters in memory are a few dict
        # operations under a lock, cheaper than the hop to a thread and back.
        if self.counters.redis is None:
            return work(*args)
        return await asyncio.to_thread(work, *args)

    def _admit(self, username: str | None, ip: str) -> Attempt:
        space = f"{self.namespace}:login"
        pair = f"{space}:pair:{ip}:{username.lower()}" if username else None
        attempt = Attempt(ip_key=f"{space}:ip:{ip}", pair_key=pair)
        counters = self.counters
        if pair is not None and self.per_pair is not None:
            _, pause = counters.call("get", pair + ":pause")
            if pause > 0:
                raise _refused(pause)
        checks = []
        if self.per_ip is not None:
            checks.append((attempt.ip_key, self.per_ip))
        if pair is not None and self.per_pair is not None:
            checks.append((pair, self.per_pair))
        for key, item in checks:
            count, reset = counters.call("add", key, 1, item.get_expiry())
            attempt.counted.append(key)
            if key == pair:
                attempt.pair_count = count
            if count > item.amount:
                self._take_back(attempt)
                failures, failures_reset = counters.call("get", key + ":failed")
                if failures >= item.amount:
                    raise _refused(failures_reset or reset)
                raise _Busy()  # the places are held by attempts being checked now
        return attempt

    def _failed(self, attempt: Attempt) -> None:
        windows = {attempt.ip_key: self.per_ip, attempt.pair_key: self.per_pair}
        for key in attempt.counted:
            item = windows.get(key)
            if item is not None:
                self.counters.call("add", key + ":failed", 1, item.get_expiry())
        if attempt.pair_key is None or self.per_pair is None:
            return
        excess = attempt.pair_count - FREE_FAILURES
        if excess >= 0:
            pause = min(2.0**excess, self.per_pair.get_expiry())
            self.counters.call("set", attempt.pair_key + ":pause", 1, pause)

    def _succeeded(self, attempt: Attempt) -> None:
        self._take_back(attempt)
        if attempt.pair_key is not None:
            self.counters.call("delete", attempt.pair_key)
            self.counters.call("delete", attempt.pair_key + ":failed")
            self.counters.call("delete", attempt.pair_key + ":pause")

    def _take_back(self, attempt: Attempt) -> None:
        for key in attempt.counted:
            self.counters.call("add", key, -1, 1)
        attempt.counted.clear()


class _Busy(Exception):
    """Over the limit only because of attempts still being checked: wait, then try again."""


def _refused(seconds: float) -> TooManyRequests:
    return TooManyRequests(LOGIN_GUARDED, {"Retry-After": str(max(1, math.ceil(seconds)))})
