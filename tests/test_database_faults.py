"""PostgreSQL faults are never 500s: connections cut by pg_terminate_backend are retried on
fresh ones, a stopped or killed database is a JSON 503 with Retry-After (stored answers still
served) and /health names it, and the log has one line per outage and per recovery.

These run on a throwaway cluster the test stops, kills and restarts (tests/faults.py). SQLite
is a file in the server's own process: it has no connection to cut nor server to stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults import ThrowawayPostgres, statuses
from tests.support import DEMO_BUNDLE, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db import users
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade

UNCACHED = ["/series/76156/episodes", "/series/76156/actors", "/episodes/184602",
            "/languages/7", "/user/favorites"]  # fmt: skip


class Served:
    def __init__(self, server: LiveServer, token: str, user_key: str):
        self.server = server
        self.token = token
        self.user_key = user_key

    def log(self) -> str:
        return self.server.log_path.read_text()

    def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.get(self.server.base_url + path, headers=headers, timeout=10)


def _serve(cluster: ThrowawayPostgres, data_dir: Path, **env: str) -> Served:
    url = cluster.new_database()
    engine = make_engine(url)
    upgrade(engine)
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.begin() as conn:
        key = users.create_user(conn, "alice")
    engine.dispose()
    server = LiveServer(url, data_dir, **env)
    body = {"apikey": "k", "username": "alice", "userkey": key}
    token = httpx.post(f"{server.base_url}/login", json=body, timeout=10).json()["token"]
    return Served(server, token, key)


@pytest.fixture
def served(throwaway_postgres: ThrowawayPostgres, tmp_path: Path) -> Iterator[Served]:
    """A server on a database of the throwaway cluster, response cache off (every answer
    reads the database); the cluster runs again after the test whatever it did."""
    s = _serve(throwaway_postgres, tmp_path / "s", TVDBD_RESPONSE_CACHE_MB="0")
    yield s
    s.server.stop()
    if not (throwaway_postgres.data / "postmaster.pid").exists():
        throwaway_postgres.start()


def test_connections_cut_by_pg_terminate_backend_are_retried_not_500(
    served: Served, throwaway_postgres: ThrowawayPostgres
) -> None:
    found: list[int] = []
    for _ in range(8):
        found += statuses(served.server.base_url, UNCACHED, served.token)
        assert throwaway_postgres.terminate_backends(served.server.database_url) >= 1
    found += statuses(served.server.base_url, UNCACHED, served.token)
    assert set(found) == {200}, found
    assert "Traceback" not in served.log()


def test_a_stopped_database_is_503_with_retry_after_and_health_names_it(
    served: Served, throwaway_postgres: ThrowawayPostgres
) -> None:
    assert set(statuses(served.server.base_url, UNCACHED, served.token)) == {200}
    throwaway_postgres.stop()
    for path in UNCACHED * 3:
        answer = served.get(path)
        assert answer.status_code == 503, (path, answer.text)
        assert answer.json() == {"Error": "Service unavailable"}
        assert answer.headers["retry-after"] == "5"
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
    base = served.server.base_url
    # An API-key-only login needs no database; a user's login does.
    assert httpx.post(f"{base}/login", json={"apikey": "k"}).status_code == 200
    user_login = {"apikey": "k", "username": "alice", "userkey": served.user_key}
    assert httpx.post(f"{base}/login", json=user_login).status_code == 503
    health = httpx.get(f"{base}/health")
    assert health.status_code == 503 and health.headers["retry-after"] == "5"
    assert health.json()["database"].startswith("unreachable (")
    throwaway_postgres.start()
    deadline = time.monotonic() + 10
    while served.get("/series/76156/actors").status_code != 200:
        assert time.monotonic() < deadline, "no recovery"
        time.sleep(0.2)
    assert set(statuses(base, UNCACHED, served.token)) == {200}
    assert httpx.get(f"{base}/health").status_code == 200
    log = served.log()
    assert "Traceback" not in log
    assert log.count("database unreachable") == 1, log
    assert log.count("database answers again") == 1, log


def test_stored_answers_are_still_served_while_the_database_is_down(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    s = _serve(throwaway_postgres, tmp_path / "cached")
    try:
        assert s.get("/series/76156").status_code == 200  # now stored
        throwaway_postgres.stop()
        again = s.get("/series/76156")
        assert again.status_code == 200 and again.json()["data"]["id"] == 76156
        assert s.get("/series/76156/actors").status_code == 503  # never stored
    finally:
        s.server.stop()
        throwaway_postgres.start()


def test_a_killed_and_restarted_database_under_load_gives_no_500(
    served: Served, throwaway_postgres: ThrowawayPostgres
) -> None:
    found: list[int] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            found.extend(statuses(served.server.base_url, UNCACHED[:3], served.token))

    worker = threading.Thread(target=load)
    worker.start()
    try:
        time.sleep(0.5)
        throwaway_postgres.kill()
        time.sleep(0.5)
        throwaway_postgres.start()
        time.sleep(1.0)
        throwaway_postgres.restart()  # a fast restart too
        time.sleep(1.0)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert found and set(found) <= {200, 503}, found
    deadline = time.monotonic() + 10
    while set(statuses(served.server.base_url, UNCACHED, served.token)) != {200}:
        assert time.monotonic() < deadline, "no recovery"
        time.sleep(0.2)
    log = served.log()
    assert "Traceback" not in log, log[-3000:]
    # One line per outage and per recovery (two outages here at most), not one per request.
    assert log.count("database unreachable") <= 2 and log.count("database answers again") <= 2
