"""A full response cache holds about the memory its byte budget says, not a multiple of it.

orjson (3.12 on) hands out bytes whose buffer is 4 KB at least, whatever their length; the
cache counted the length, so 64 MB of small cached answers (search misses, update windows)
held hundreds of MB. Measured with tracemalloc: every allocation still alive after the
cache has filled and turned over is counted, whoever made it.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support import Databases
from tvdbd.app import create_app
from tvdbd.cache.responses import ResponseStore, right_sized
from tvdbd.settings import Settings

BUDGET_MB = 1
ANSWERS = 2500  # small answers, several times what the budget holds


@pytest.fixture
def client(backend: str, databases: Databases, tmp_path: Path) -> Iterator[TestClient]:
    url, engine = databases.new_engine(backend)
    settings = Settings(
        data_dir=tmp_path, database_url=url, read_through="off", response_cache_mb=BUDGET_MB
    )
    with TestClient(create_app(settings, engine)) as test_client:
        token = test_client.post("/login", json={"apikey": "memory"}).json()["token"]
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client
    engine.dispose()


def _store(client: TestClient) -> ResponseStore:
    store = client.app.responses  # type: ignore[attr-defined]
    assert isinstance(store, ResponseStore)
    return store


def test_a_full_cache_of_small_answers_holds_no_more_than_its_budget(
    client: TestClient,
) -> None:
    store = _store(client)
    for week in range(50):  # warm up every code path once, outside the measurement
        assert client.get(f"/updated/query?fromTime={1_000_000_000 + week}").status_code == 200
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for second in range(ANSWERS):
            client.get(f"/updated/query?fromTime={1_100_000_000 + second}")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    budget = BUDGET_MB * 1024 * 1024
    assert store.bytes <= budget
    assert len(store.entries) < ANSWERS  # it was full and turned over
    # Everything the requests left alive: the entries, and a little besides them.
    assert held <= 1.25 * budget, f"{held / budget:.2f} x the budget"


def test_a_kept_body_has_a_buffer_of_its_own_length() -> None:
    import orjson

    tracemalloc.start()
    try:
        body = orjson.dumps({"data": []})
        before = tracemalloc.get_traced_memory()[0]
        kept = right_sized(body)
        copied = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept == body
    assert copied < 100  # the object header and 12 bytes, not orjson's 4 KB
