"""A token dies with its key: `tvdbd apikey revoke`, a user's key reset or deletion refuse
every token issued for it from its next request on, on every worker and host."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import tvdbd_on
from tests.support import Databases, LiveServer
from tvdbd.db import apikeys, users


def _statuses(server: LiveServer, token: str, count: int = 6) -> set[int]:
    """Answers over fresh connections, so that each worker is asked."""
    return {
        httpx.get(f"{server.base_url}/languages", headers={"Authorization": f"Bearer {token}"},
                  timeout=10).status_code
        for _ in range(count)
    }  # fmt: skip


def _refresh(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}/refresh_token",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


def _until_refused(server: LiveServer, token: str, within: float) -> float:
    """Seconds from now to the start of the first request refused (the machine is shared:
    a request's own time is not the server's delay in learning of the revoke)."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
        while time.monotonic() - started < within + 5:
            sent = time.monotonic()
            if client.get("/languages").status_code == 401:
                assert _statuses(server, token) == {401}  # and from then on, on every worker
                return sent - started
            time.sleep(0.02)
    raise AssertionError("still accepted 5 s after the revoke")


@pytest.fixture
def keys_db(backend: str, databases: Databases) -> Iterator[tuple[str, str, str]]:
    url, engine = databases.new_engine(backend)
    with engine.begin() as conn:
        one, two = apikeys.create(conn, "app1"), apikeys.create(conn, "app2")
    engine.dispose()
    yield url, one, two


def test_a_revoked_key_s_tokens_are_refused_on_every_worker_and_cannot_be_refreshed(
    keys_db: tuple[str, str, str], tmp_path: Path
) -> None:
    url, one, two = keys_db
    server = LiveServer(url, tmp_path / "a", workers=2, TVDBD_API_KEY_POLICY="registered")
    try:
        token, other = server.token(one), server.token(two)
        renewed = _refresh(server, token).json()["token"]
        assert _statuses(server, token) == {200} and _statuses(server, renewed) == {200}
        result = tvdbd_on(url, tmp_path / "cli", "apikey", "revoke", "app1")
        assert result.exit_code == 0, result.output
        assert _until_refused(server, token, within=1.0) < 1.0
        assert _statuses(server, renewed) == {401}
        refused = _refresh(server, token)
        assert refused.status_code == 401 and refused.json() == {"Error": "Not authorized"}
        assert _refresh(server, renewed).status_code == 401
        assert server.token(two) and _statuses(server, other) == {200}
        again = httpx.post(f"{server.base_url}/login", json={"apikey": one}, timeout=10)
        assert again.status_code == 401
    finally:
        server.stop()


def test_another_host_learns_of_a_revoke_within_a_second(
    keys_db: tuple[str, str, str], tmp_path: Path, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one host by nature (the marks file beside the database)")
    url, one, _ = keys_db
    # Another temporary folder: another marks file, as on another host.
    elsewhere = tmp_path / "host-b-tmp"
    elsewhere.mkdir()
    server = LiveServer(url, tmp_path / "b", TVDBD_API_KEY_POLICY="registered",
                        TMPDIR=str(elsewhere))  # fmt: skip
    try:
        token = server.token(one)
        assert _statuses(server, token, 2) == {200}
        assert tvdbd_on(url, tmp_path / "cli", "apikey", "revoke", "app1").exit_code == 0
        assert _until_refused(server, token, within=1.0) < 1.0
    finally:
        server.stop()


def test_a_token_from_the_open_policy_is_refused_under_the_registered_one(
    keys_db: tuple[str, str, str], tmp_path: Path
) -> None:
    url, _, _ = keys_db
    data = tmp_path / "p"
    open_server = LiveServer(url, data)
    token = open_server.token("anything")
    open_server.stop()
    strict = LiveServer(url, data, TVDBD_API_KEY_POLICY="registered")  # same signing key
    try:
        assert _statuses(strict, token, 2) == {401}
    finally:
        strict.stop()


def test_a_user_s_token_cannot_be_refreshed_after_a_key_reset_or_deletion(
    backend: str, databases: Databases, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    with engine.begin() as conn:
        alice, bob = users.create_user(conn, "alice"), users.create_user(conn, "bob")
    server = LiveServer(url, tmp_path / "u")
    try:

        def token_of(name: str, key: str) -> str:
            body = {"apikey": "k", "username": name, "userkey": key}
            return str(httpx.post(f"{server.base_url}/login", json=body).json()["token"])

        a, b = token_of("alice", alice), token_of("bob", bob)
        assert _refresh(server, a).status_code == 200
        assert tvdbd_on(url, tmp_path / "cli", "user", "reset-key", "alice").exit_code == 0
        assert tvdbd_on(url, tmp_path / "cli", "user", "delete", "--yes", "bob").exit_code == 0
        for token in (a, b):
            assert _refresh(server, token).status_code == 401
            user = httpx.get(
                f"{server.base_url}/user", headers={"Authorization": f"Bearer {token}"}
            )
            assert user.status_code == 401
    finally:
        server.stop()
        engine.dispose()
