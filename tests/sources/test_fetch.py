"""The upstream machinery against a real HTTP server: retries, backoff, Retry-After, timeouts,
malformed answers, bounded concurrency and request rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from tests.sources.fixture_server import FixtureServer
from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused, SourceUnavailable
from tvdbd.sources.fetch import FetchPolicy, Upstream

T = TypeVar("T")
FAST = FetchPolicy(timeout=2, retries=3, concurrency=2, backoff_base=0.05, backoff_max=0.2)


def run(server: FixtureServer, policy: FetchPolicy, work: Callable[[Upstream], Awaitable[T]]) -> T:
    async def main() -> T:
        upstream = Upstream("test-source", server.base_url, policy)
        try:
            return await work(upstream)
        finally:
            await upstream.aclose()

    return asyncio.run(main())


def get(path: str) -> Callable[[Upstream], Awaitable[Any]]:
    return lambda upstream: upstream.get_json(path)


def test_a_json_answer_is_decoded(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1, "name": "one"})
    assert run(blank, FAST, get("things/1")) == {"id": 1, "name": "one"}


def test_server_errors_are_retried_until_the_answer_comes(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1})
    blank.fault("/things/1", "500", times=2)
    assert run(blank, FAST, get("things/1")) == {"id": 1}
    assert [s.status for s in blank.requests_to("/things/1")] == [500, 500, 200]


def test_errors_after_every_retry_are_source_unavailable(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1})
    blank.fault("/things/1", "500", times=10)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        run(blank, FAST, get("things/1"))
    assert len(blank.requests_to("/things/1")) == FAST.retries + 1


def test_429_waits_as_long_as_retry_after_says(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1})
    blank.fault("/things/1", "429", times=1, retry_after="1")
    started = time.monotonic()
    assert run(blank, FAST, get("things/1")) == {"id": 1}
    first, second = blank.requests_to("/things/1")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # the backoff alone would have been 0.2 s at most
    assert time.monotonic() - started < 5


def test_a_retry_after_beyond_ten_minutes_gives_up_at_once(blank: FixtureServer) -> None:
    blank.fault("/things/1", "429", times=1, retry_after="86400")
    with pytest.raises(SourceUnavailable, match="asked to wait 86400 s"):
        run(blank, FAST, get("things/1"))
    assert len(blank.requests_to("/things/1")) == 1


def test_an_answer_slower_than_the_timeout_is_given_up_after_the_retries(
    blank: FixtureServer,
) -> None:
    blank.add("GET /things/1", {"id": 1})
    blank.fault("/things/1", "slow", times=10, delay=5)
    policy = FetchPolicy(timeout=0.3, retries=1, concurrency=2, backoff_base=0.05)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"no answer within 0.3 s"):
        run(blank, policy, get("things/1"))
    assert time.monotonic() - started < 2


def test_a_slow_answer_once_then_a_quick_one_succeeds(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1})
    blank.fault("/things/1", "slow", times=1, delay=5)
    policy = FetchPolicy(timeout=0.3, retries=2, concurrency=2, backoff_base=0.05)
    assert run(blank, policy, get("things/1")) == {"id": 1}


def test_malformed_json_is_a_data_error_naming_the_url(blank: FixtureServer) -> None:
    blank.fault("/things/1", "malformed", times=5)
    with pytest.raises(SourceDataError, match=r"/things/1 answered with invalid JSON"):
        run(blank, FAST, get("things/1"))
    assert len(blank.requests_to("/things/1")) == 1  # not retried: it will not get better


def test_404_is_not_found_and_401_is_refused_without_retries(blank: FixtureServer) -> None:
    with pytest.raises(SourceNotFound):
        run(blank, FAST, get("nothing/here"))
    blank.add("GET /secret", {"message": "Unauthorized"}, 401)
    with pytest.raises(SourceRefused):
        run(blank, FAST, get("secret"))
    assert len(blank.requests_to("/nothing")) == len(blank.requests_to("/secret")) == 1


def test_a_closed_port_is_unavailable() -> None:
    server = FixtureServer()  # never started: nothing listens on its port
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        run(server, FAST, get("things/1"))


def test_no_more_requests_are_in_flight_than_the_concurrency(blank: FixtureServer) -> None:
    for i in range(12):
        blank.add(f"GET /things/{i}", {"id": i})
        blank.fault(f"/things/{i}", "slow", times=1, delay=0.2)
    policy = FetchPolicy(timeout=5, retries=0, concurrency=3)

    async def many(upstream: Upstream) -> list[Any]:
        return await asyncio.gather(*(upstream.get_json(f"things/{i}") for i in range(12)))

    assert [r["id"] for r in run(blank, policy, many)] == list(range(12))
    assert blank.most_in_flight == 3


def test_the_request_rate_is_capped(blank: FixtureServer) -> None:
    blank.add("GET /things/1", {"id": 1})
    policy = FetchPolicy(timeout=5, retries=0, concurrency=8, rate_per_second=10)

    async def many(upstream: Upstream) -> None:
        await asyncio.gather(*(upstream.get_json("things/1") for _ in range(30)))

    started = time.monotonic()
    run(blank, policy, many)
    # 10 a second (the first second's worth at once): 30 requests take about 2 s.
    assert time.monotonic() - started >= 1.5
