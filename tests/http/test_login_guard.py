"""The login guard: every guess is counted before it is checked (under concurrency, across
workers through Redis, and in one process without it), per client address and name, with
backoff; failures from one address never refuse the right key from another."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.faults import ThrowawayRedis
from tests.support import Databases, LiveServer
from tvdbd.db import users

GUARDED = {"TVDBD_LOGIN_FAILURES_PER_USER": "10 per 15 minutes",
           "TVDBD_LOGIN_FAILURES_PER_IP": "off"}  # fmt: skip


def _login(server: LiveServer, source: str, body: dict[str, str]) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=20) as client:
        return client.post(f"{server.base_url}/login", json=body)


def _server(
    backend: str, databases: Databases, data: Path, workers: int = 1, **env: str
) -> tuple[LiveServer, str]:
    url, engine = databases.new_engine(backend)
    with engine.begin() as conn:
        key = users.create_user(conn, "alice")
    engine.dispose()
    return LiveServer(url, data, workers=workers, **{**GUARDED, **env}), key


@pytest.fixture(params=["one process", "two workers and redis"])
def guarded(
    request: pytest.FixtureRequest, backend: str, databases: Databases, tmp_path: Path,
    throwaway_redis: ThrowawayRedis,
) -> Iterator[tuple[LiveServer, str]]:  # fmt: skip
    if request.param == "one process":
        server, key = _server(backend, databases, tmp_path / "g")
    else:
        server, key = _server(backend, databases, tmp_path / "g", workers=2,
                              TVDBD_REDIS_URL=throwaway_redis.url)  # fmt: skip
    yield server, key
    server.stop()


def _guesses(server: LiveServer, source: str, count: int) -> list[int]:
    wrong = {"apikey": "k", "username": "alice", "userkey": "0" * 32}
    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(lambda _: _login(server, source, wrong), range(count)))
    return [a.status_code for a in answers]


def test_simultaneous_guesses_are_counted_before_they_are_checked(
    guarded: tuple[LiveServer, str],
) -> None:
    server, key = guarded
    found = _guesses(server, "127.0.0.2", 40)
    assert set(found) <= {401, 429}
    assert 1 <= found.count(401) <= 10, found  # the limit, not 40
    blocked = _login(server, "127.0.0.2", {"apikey": "k", "username": "alice", "userkey": key})
    assert blocked.status_code == 429
    assert blocked.json() == {"Error": "Too many failed logins; try again later"}
    assert int(blocked.headers["retry-after"]) >= 1


def test_failures_from_one_address_do_not_lock_the_user_out_of_another(
    guarded: tuple[LiveServer, str],
) -> None:
    server, key = guarded
    for source in ("127.0.0.4", "127.0.0.5"):
        _guesses(server, source, 15)
    right = {"apikey": "k", "username": "alice", "userkey": key}
    answer = _login(server, "127.0.0.6", right)
    assert answer.status_code == 200 and "token" in answer.json()


def test_each_failure_past_the_third_makes_the_pair_wait_longer(
    databases: Databases, tmp_path: Path
) -> None:
    server, key = _server("sqlite", databases, tmp_path / "b")
    try:
        wrong = {"apikey": "k", "username": "alice", "userkey": "1" * 32}
        assert [_login(server, "127.0.0.7", wrong).status_code for _ in range(3)] == [401] * 3
        paused = _login(server, "127.0.0.7", wrong)  # within a second of the third failure
        assert paused.status_code == 429 and paused.headers["retry-after"] == "1"
        # Other names from that address, and that name from others, are not paused.
        assert _login(server, "127.0.0.7", {**wrong, "username": "bob"}).status_code == 401
        right = {"apikey": "k", "username": "alice", "userkey": key}
        assert _login(server, "127.0.0.8", right).status_code == 200
    finally:
        server.stop()


def test_a_success_takes_its_counts_back(databases: Databases, tmp_path: Path) -> None:
    server, key = _server("sqlite", databases, tmp_path / "s",
                          TVDBD_LOGIN_FAILURES_PER_IP="5 per 15 minutes")  # fmt: skip
    try:
        right = {"apikey": "k", "username": "alice", "userkey": key}
        assert {_login(server, "127.0.0.9", right).status_code for _ in range(12)} == {200}
    finally:
        server.stop()


def test_simultaneous_right_keys_from_one_address_all_get_in(
    databases: Databases, tmp_path: Path, throwaway_redis: ThrowawayRedis
) -> None:
    # A household or an office behind one address, or a tool logging in on many threads:
    # attempts still being checked fill the places, not failures, so each waits its turn.
    server, key = _server("sqlite", databases, tmp_path / "together", workers=2,
                          TVDBD_LOGIN_FAILURES_PER_IP="5 per 15 minutes",
                          TVDBD_LOGIN_FAILURES_PER_USER="5 per 15 minutes",
                          TVDBD_REDIS_URL=throwaway_redis.url)  # fmt: skip
    try:
        right = {"apikey": "k", "username": "alice", "userkey": key}
        apikey_only = {"apikey": "k"}
        bodies = [right, apikey_only] * 20
        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            answers = list(pool.map(lambda b: _login(server, "127.0.0.10", b), bodies))
        assert [a.status_code for a in answers] == [200] * len(bodies)
        # The guard still holds: wrong keys from that address are checked at most 5 times.
        found = _guesses(server, "127.0.0.10", 20)
        assert set(found) <= {401, 429} and 1 <= found.count(401) <= 5, found
    finally:
        server.stop()
