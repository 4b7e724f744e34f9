"""Redis faults are never 500s: with the server's Redis stopped or killed (by the test, a
throwaway redis-server), logins, limits and the login guard count per process, /health
says `degraded` naming Redis, the log has one warning per outage, and all of it goes back to
Redis by itself once it answers again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults import ThrowawayRedis
from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db import users


@pytest.fixture
def on_redis(
    backend: str, databases: Databases, tmp_path: Path, throwaway_redis: ThrowawayRedis
) -> Iterator[tuple[LiveServer, str]]:
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.begin() as conn:
        key = users.create_user(conn, "alice")
    engine.dispose()
    server = LiveServer(url, tmp_path / "r", TVDBD_REDIS_URL=throwaway_redis.url,
                        TVDBD_RATE_LIMIT_PER_IP="1000 per minute",
                        TVDBD_LOGIN_FAILURES_PER_USER="10 per minute",
                        TVDBD_LOGIN_FAILURES_PER_IP="100 per minute")  # fmt: skip
    yield server, key
    server.stop()
    if throwaway_redis.process is None:
        throwaway_redis.start()


@pytest.mark.parametrize("fault", ["stopped", "killed"])
def test_with_redis_down_everything_answers_and_comes_back_by_itself(
    on_redis: tuple[LiveServer, str], throwaway_redis: ThrowawayRedis, fault: str
) -> None:
    server, key = on_redis
    base = server.base_url
    user = {"apikey": "k", "username": "alice", "userkey": key}
    assert httpx.get(f"{base}/health").json()["redis"] == "ok"
    token = server.token()
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{base}/series/76156", headers=auth).status_code == 200
    throwaway_redis.stop() if fault == "stopped" else throwaway_redis.kill()

    for _ in range(5):
        assert httpx.post(f"{base}/login", json={"apikey": "k"}).status_code == 200
        assert httpx.post(f"{base}/login", json=user).status_code == 200
        assert httpx.get(f"{base}/series/76156/actors", headers=auth).status_code == 200
    health = httpx.get(f"{base}/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["redis"].startswith("unreachable (")
    # The guard still counts, in this process.
    wrong = {**user, "userkey": "0" * 32}
    assert [httpx.post(f"{base}/login", json=wrong).status_code for _ in range(4)] == [
        401, 401, 401, 429,
    ]  # fmt: skip

    throwaway_redis.start()
    time.sleep(5.5)  # Redis is tried again every 5 seconds
    assert httpx.get(f"{base}/series/76156", headers=auth).status_code == 200
    assert httpx.post(f"{base}/login", json={"apikey": "k"}).status_code == 200
    assert httpx.get(f"{base}/health").json()["redis"] == "ok"
    log = server.log_path.read_text()
    assert "Traceback" not in log, log
    for part in ("Redis (request rates)", "Redis (login guard)"):
        assert log.count(f"{part} unreachable") == 1, log
        assert log.count(f"{part} answers again") == 1, log


def test_with_the_invalidation_channel_down_stored_answers_live_only_seconds(
    backend: str, databases: Databases, tmp_path: Path, throwaway_redis: ThrowawayRedis
) -> None:
    if backend != "postgresql":
        pytest.skip("several hosts share one PostgreSQL database; SQLite has one host")
    import orjson

    from tvdbd.bundles.importer import import_lines
    from tvdbd.cache.invalidation import configure
    from tvdbd.cache.responses import UNSYNCED_LIFETIME

    url, engine = databases.new_engine(backend)
    lines = DEMO_BUNDLE.read_bytes().splitlines()
    assert import_lines(engine, lines).ok
    configure(engine, throwaway_redis.url)  # this process is "host A"
    elsewhere = tmp_path / "host-b-tmp"
    elsewhere.mkdir()  # another temporary folder: other marks, as on another host
    server = LiveServer(url, tmp_path / "b", TVDBD_REDIS_URL=throwaway_redis.url,
                        TMPDIR=str(elsewhere))  # fmt: skip
    try:
        auth = {"Authorization": f"Bearer {server.token()}"}

        def name() -> str:
            answer = httpx.get(f"{server.base_url}/series/76156", headers=auth, timeout=10)
            return str(answer.json()["data"]["seriesName"])

        assert name() == "Scrubs" and name() == "Scrubs"  # stored on host B
        throwaway_redis.stop()
        time.sleep(0.5)  # host B's listener has lost its subscription
        changed = []
        for line in lines:
            bundle = orjson.loads(line)
            if bundle.get("series", {}).get("id") == 76156:
                bundle["series"]["seriesName"] = "Scrubs (renamed)"
                changed.append(orjson.dumps(bundle))
        assert import_lines(engine, changed).ok  # its publication is lost: Redis is down
        started = time.monotonic()
        while name() != "Scrubs (renamed)":
            assert time.monotonic() - started < UNSYNCED_LIFETIME + 2, "served stale for ever"
            time.sleep(0.2)
    finally:
        server.stop()
        engine.dispose()
        throwaway_redis.start()
