"""Limits: request rates per IP and per API key, the login guard, body size and time, and
the deadline for a request's headers. Every refusal is JSON with the right status."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db import apikeys
from tvdbd.db.engine import make_engine

LIMITED = {
    "TVDBD_RATE_LIMIT_PER_IP": "10 per 2 seconds",
    "TVDBD_LOGIN_FAILURES_PER_USER": "3 per minute",
    "TVDBD_LOGIN_FAILURES_PER_IP": "6 per minute",
    "TVDBD_MAX_BODY_BYTES": "2048",
    "TVDBD_REQUEST_BODY_TIMEOUT_SECONDS": "1",
    "TVDBD_REQUEST_HEAD_TIMEOUT_SECONDS": "1",
}


def _limited_server(databases: Databases, tmp_path: Path, **settings: str) -> LiveServer:
    url, engine = databases.new_engine("sqlite")
    assert import_file(engine, DEMO_BUNDLE).ok
    engine.dispose()
    return LiveServer(url, tmp_path / "limited", **{**LIMITED, **settings})


@pytest.fixture
def limited(databases: Databases, tmp_path: Path) -> Iterator[LiveServer]:
    server = _limited_server(databases, tmp_path)
    yield server
    server.stop()


@pytest.fixture
def rate_limited(databases: Databases, tmp_path: Path) -> Iterator[LiveServer]:
    # A window wide enough that twelve requests fit in it even on a loaded machine (with
    # 2 seconds, a slow run let the first answers leave the window before the last came).
    server = _limited_server(databases, tmp_path, TVDBD_RATE_LIMIT_PER_IP="10 per 5 seconds")
    yield server
    server.stop()


def test_a_client_over_its_rate_gets_429_json_with_retry_after(rate_limited: LiveServer) -> None:
    limited = rate_limited
    headers = {"Authorization": f"Bearer {limited.token()}"}
    time.sleep(5.1)  # the start-up probe and the login leave the window
    answers = [httpx.get(f"{limited.base_url}/series/76156", headers=headers) for _ in range(12)]
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 10 + [429] * 2
    refused = answers[-1]
    assert refused.json() == {"Error": "Too many requests"}
    assert refused.headers["content-type"] == "application/json; charset=utf-8"
    assert 1 <= int(refused.headers["retry-after"]) <= 5
    # Stored answers, /banners and the docs count too: the limit is before everything.
    assert httpx.get(f"{limited.base_url}/openapi.json").status_code == 429
    time.sleep(int(refused.headers["retry-after"]) + 0.2)
    assert httpx.get(f"{limited.base_url}/series/76156", headers=headers).status_code == 200


def test_the_login_guard_stops_guessing_a_user_key(limited: LiveServer) -> None:
    from tests.api.accounts import login

    engine = make_engine(limited.database_url)
    from tvdbd.db import users

    with engine.begin() as conn:
        key = users.create_user(conn, "alice")
    engine.dispose()
    time.sleep(2.1)  # the start-up probe leaves the request-rate window
    for guess in ("a" * 16, "b" * 16, "c" * 16):
        answer = login(limited, {"apikey": "k", "username": "alice", "userkey": guess})
        assert answer.status_code == 401
    time.sleep(2.1)  # the request-rate window passes; the login window does not
    blocked = login(limited, {"apikey": "k", "username": "alice", "userkey": key})
    assert blocked.status_code == 429
    assert blocked.json() == {"Error": "Too many failed logins; try again later"}
    assert int(blocked.headers["retry-after"]) > 30
    # Another name from the same client is not blocked (its IP has 3 failures of 6).
    other = login(limited, {"apikey": "k", "username": "bob", "userkey": "x" * 16})
    assert other.status_code == 401


def test_the_login_guard_counts_failures_per_client_too(limited: LiveServer) -> None:
    from tests.api.accounts import login

    time.sleep(2.1)
    for n in range(6):
        assert (
            login(limited, {"apikey": "k", "username": f"u{n}", "userkey": "x"}).status_code == 401
        )
        if n == 4:
            time.sleep(2.1)  # stay under the request rate
    assert login(limited, {"apikey": "k"}).status_code == 429  # even a good API-key login


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(limited: LiveServer) -> None:
    big = b'{"apikey": "' + b"x" * 4000 + b'"}'
    announced = httpx.post(f"{limited.base_url}/login", content=big)
    assert announced.status_code == 413
    assert announced.json() == {"Error": "Request body too large"}

    def chunks() -> Iterator[bytes]:
        yield big[:1000]
        yield big[1000:]

    streamed = httpx.post(f"{limited.base_url}/login", content=chunks())
    assert streamed.status_code == 413 and streamed.json() == {"Error": "Request body too large"}


def raw(server: LiveServer, data: bytes, wait: float) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait + 5) as sock:
        sock.sendall(data)
        time.sleep(wait)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_body_that_does_not_arrive_in_time_is_408(limited: LiveServer) -> None:
    answer = raw(limited, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 50\r\n\r\n{\"api", wait=1.6)  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b'{"Error":"Request timeout"}')


def test_headers_that_do_not_arrive_in_time_are_408_and_the_connection_closes(
    limited: LiveServer,
) -> None:
    started = time.monotonic()
    answer = raw(limited, b"GET /languages HTTP/1.1\r\nHost: x\r\nX-Slow: ", wait=1.5)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout")
    assert answer.endswith(b'{"Error":"Request timeout"}')
    assert time.monotonic() - started < 4
    # Meanwhile the server answers others.
    assert httpx.get(f"{limited.base_url}/health").status_code == 200


def test_the_per_key_rate_counts_each_registered_key_alone(
    databases: Databases, tmp_path: Path
) -> None:
    url, engine = databases.new_engine("sqlite")
    with engine.begin() as conn:
        first, second = apikeys.create(conn, "first"), apikeys.create(conn, "second")
    engine.dispose()
    server = LiveServer(url, tmp_path / "keys", TVDBD_API_KEY_POLICY="registered",
                        TVDBD_RATE_LIMIT_PER_KEY="5 per 10 seconds")  # fmt: skip
    try:
        one = {"Authorization": f"Bearer {server.token(first)}"}
        two = {"Authorization": f"Bearer {server.token(second)}"}
        statuses = [httpx.get(f"{server.base_url}/languages", headers=one).status_code
                    for _ in range(7)]  # fmt: skip
        assert statuses == [200] * 5 + [429] * 2
        assert httpx.get(f"{server.base_url}/languages", headers=two).status_code == 200
    finally:
        server.stop()


def test_the_cheap_guards_are_on_by_default_and_request_rates_off() -> None:
    from tvdbd.settings import Settings

    settings = Settings.from_env({})
    assert settings.rate_limit_per_ip == "off" and settings.rate_limit_per_key == "off"
    assert settings.login_failures_per_user == "10 per 15 minutes"
    assert settings.max_body_bytes == 65536
