"""For the operator: GET /health, GET /metrics (one worker and several), the structured
access log (secrets left out), and graceful shutdown on SIGTERM."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.sources.v4_fixtures import v4_server
from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db.engine import make_engine


@pytest.fixture
def make(backend: str, databases: Databases, tmp_path: Path) -> Iterator:
    servers: list[LiveServer] = []

    def start(*, workers: int = 1, demo: bool = True, **env: str) -> LiveServer:
        url, engine = databases.new_engine(backend)
        if demo:
            assert import_file(engine, DEMO_BUNDLE).ok
        engine.dispose()
        server = LiveServer(url, tmp_path / f"s{len(servers)}", workers=workers, **env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_health_says_ok_with_the_schema_and_503_when_the_schema_is_behind(make) -> None:  # type: ignore[no-untyped-def]
    server = make()
    ok = httpx.get(f"{server.base_url}/health")
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    assert ok.json() == {"status": "ok", "database": "ok", "schema": "0010"}
    engine = make_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    behind = httpx.get(f"{server.base_url}/health")
    assert behind.status_code == 503
    assert behind.json() == {
        "Error": "Service unavailable", "status": "unavailable", "database": "ok",
        "schema": "0004 (code needs 0010)",
    }  # fmt: skip


def test_metrics_are_off_by_default(make) -> None:  # type: ignore[no-untyped-def]
    server = make()
    answer = httpx.get(f"{server.base_url}/metrics")
    assert answer.status_code == 404 and answer.json() == {"Error": "Resource not found"}


def metric(body: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize("workers", [1, 2])
def test_metrics_count_requests_per_route_and_cache_hits_over_every_worker(
    make,
    workers: int,  # type: ignore[no-untyped-def]
) -> None:
    server = make(workers=workers, TVDBD_METRICS="on")
    with server.client() as api:
        for _ in range(20):
            assert api.get("/series/76156").status_code == 200
        assert api.get("/series/1").status_code == 404
    body = httpx.get(f"{server.base_url}/metrics").text
    # With two workers the requests went to either; any worker's /metrics counts them all.
    assert metric(body, "tvdbd_requests_total", route="/series/{id}", status="200") == 20
    assert metric(body, "tvdbd_requests_total", route="/series/{id}", status="404") == 1
    assert metric(body, "tvdbd_response_cache_total", result="hit") >= 18 - workers
    assert metric(body, "tvdbd_request_duration_seconds_count", route="/series/{id}") == 21
    engine = make_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO source_checkpoints (name, position, updated_at) "
                 "VALUES ('thetvdb-v4:updates', :p, :p)"),
            {"p": int(time.time()) - 100},
        )  # fmt: skip
    engine.dispose()
    lag = metric(httpx.get(f"{server.base_url}/metrics").text, "tvdbd_feed_lag_seconds",
                 feed="thetvdb-v4:updates")  # fmt: skip
    assert 99 <= lag < 200


def test_the_access_log_is_one_json_line_a_request_without_secrets(make) -> None:  # type: ignore[no-untyped-def]
    server = make(TVDBD_ACCESS_LOG="on")
    with server.client() as api:
        api.get("/series/76156")
        api.get("/series/76156")
        api.get("/refresh_token?apikey=SECRET-KEY&userkey=SECRET-USER&username=alice")
    time.sleep(0.3)
    text_log = server.log_path.read_text()
    assert "SECRET" not in text_log
    lines = [json.loads(line) for line in text_log.splitlines() if line.startswith("{")]
    series = [line for line in lines if line["path"] == "/series/76156"]
    assert [line["cached"] for line in series] == [False, True]
    assert series[0]["status"] == 200 and series[0]["route"] == "/series/{id}"
    assert set(series[0]) == {"time", "client", "method", "path", "query", "route", "status",
                              "bytes", "ms", "cached"}  # fmt: skip
    refresh = next(line for line in lines if line["path"] == "/refresh_token")
    assert refresh["query"] == "apikey=%2A%2A%2A&userkey=%2A%2A%2A&username=alice"


def test_sigterm_lets_requests_in_flight_finish(make) -> None:  # type: ignore[no-untyped-def]
    v4 = v4_server()
    try:
        server = make(demo=False, TVDBD_TVDB_V4_API_KEY="test-v4-key",
                      TVDBD_TVDB_V4_URL=v4.base_url, TVDBD_SOURCE_ARTWORK="off",
                      TVDBD_READ_THROUGH="tvdb-v4",
                      TVDBD_GRACEFUL_SHUTDOWN_SECONDS="20")  # fmt: skip
        v4.fault("/series/78874/extended", "slow", times=1, delay=2)
        token = server.token()
        answers: list[httpx.Response] = []
        request = threading.Thread(target=lambda: answers.append(httpx.get(
            f"{server.base_url}/series/78874", headers={"Authorization": f"Bearer {token}"},
            timeout=30)))  # fmt: skip
        request.start()
        time.sleep(0.7)  # the request is waiting on the slow source
        server.process.send_signal(signal.SIGTERM)
        request.join(timeout=30)
        assert answers and answers[0].status_code == 200
        assert answers[0].json()["data"]["seriesName"] == "Firefly"
        # uvicorn finishes, then exits by the signal it was sent, as processes do.
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.base_url}/health", timeout=2)
    finally:
        v4.stop()
