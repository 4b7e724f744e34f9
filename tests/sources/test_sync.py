"""`tvdbd sync`: the v4 update feed refreshes the stored series that changed, deletes the ones
TheTVDB deleted, and resumes where it was after a kill -9 at any point."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from tests.sources.fixture_server import FixtureServer
from tests.support import Databases, LiveServer
from tvdbd.db.schema import episodes, series_table, source_checkpoints
from tvdbd.images.store import ImageStore
from tvdbd.sources.fetch import FetchPolicy
from tvdbd.sources.store import store_series
from tvdbd.sources.sync import FEED, sync_once
from tvdbd.sources.tvdb_v4.client import TvdbV4

SCRUBS, LOST, FIREFLY = 76156, 73739, 78874
POLICY = FetchPolicy(timeout=5, retries=2, concurrency=4, backoff_base=0.05)


def client(v4: FixtureServer) -> TvdbV4:
    return TvdbV4(v4.base_url, "test-v4-key", policy=POLICY, artwork_base=f"{v4.base_url}/banners/")


def fetch_into(engine: Engine, v4: FixtureServer, *ids: int, now: int) -> None:
    async def main() -> None:
        c = client(v4)
        try:
            for series_id in ids:
                store_series(engine, await c.series_bundle(series_id), now=now)
        finally:
            await c.aclose()

    asyncio.run(main())


def rename_episodes(v4: FixtureServer, series_id: int, suffix: str) -> None:
    """Every episode of the series gets a new name upstream (in every order it is listed)."""
    for canned in v4.canned:
        if canned.path.startswith(f"/series/{series_id}/episodes/") and canned.path.count("/") == 4:
            data = canned.body["data"]
            for episode in data.get("episodes") or []:
                episode["name"] = f"{episode['name'].split(' [')[0]} [{suffix}]"


def feed(v4: FixtureServer, entries: dict[str, list[dict[str, Any]]]) -> None:
    for entity_type, items in entries.items():
        v4.add(f"GET /updates?type={entity_type}", {
            "status": "success", "data": items,
            "links": {"prev": None, "next": None, "total_items": len(items), "page_size": 500},
        })  # fmt: skip


def entry(entity_type: str, record_id: int, timestamp: int, method: str = "update",
          series_id: int | None = None) -> dict[str, Any]:  # fmt: skip
    found = {"recordType": "", "recordId": record_id, "methodInt": 2, "method": method,
             "extraInfo": "", "userId": 0, "timeStamp": timestamp,
             "entityType": entity_type}  # fmt: skip
    if series_id is not None:
        found["seriesId"] = series_id
    return found


def names(engine: Engine, series_id: int) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(
            select(episodes.c.episode_name).where(episodes.c.series_id == series_id)
        ).scalars())  # fmt: skip


def checkpoint(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            select(source_checkpoints.c.position).where(source_checkpoints.c.name == FEED)
        ).scalar_one_or_none()


def run_sync(engine: Engine, v4: FixtureServer, tmp_path: Path) -> Any:
    async def main() -> Any:
        c = client(v4)
        try:
            return await sync_once(engine, ImageStore(tmp_path / "banners"), c, artwork=False)
        finally:
            await c.aclose()

    return asyncio.run(main())


def test_changed_series_are_refreshed_and_deleted_ones_removed(
    engine: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    started = int(time.time()) - 100
    fetch_into(engine, v4, SCRUBS, LOST, FIREFLY, now=started)
    rename_episodes(v4, FIREFLY, "v2")
    v4.add(f"GET /series/{LOST}/extended", {"status": "failure", "message": "NotFound"}, 404)
    feed(v4, {
        "series": [entry("series", LOST, started + 10, "delete"),
                   entry("series", 999, started + 50)],
        "episodes": [entry("episodes", 297989, started + 20, series_id=FIREFLY),
                     entry("episodes", 1, started + 30, series_id=424242)],
    })  # fmt: skip
    report = run_sync(engine, v4, tmp_path)
    assert (report.refreshed, report.deleted, report.failed) == ([FIREFLY], [LOST], [])
    assert all(name.endswith("[v2]") for name in names(engine, FIREFLY))
    assert not any(name.endswith("[v2]") for name in names(engine, SCRUBS))
    with engine.connect() as conn:
        assert LOST not in set(conn.execute(select(series_table.c.id)).scalars())
    # The checkpoint is the newest entry of the feed, also of series not stored here.
    assert report.position == checkpoint(engine) == started + 50
    # Nothing new in the feed: nothing refreshed, nothing fetched.
    v4.seen.clear()
    again = run_sync(engine, v4, tmp_path)
    assert again.refreshed == [] and again.unchanged == [FIREFLY]


def test_the_first_sync_starts_at_the_oldest_fetch(
    engine: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    fetched = int(time.time()) - 3600
    fetch_into(engine, v4, FIREFLY, now=fetched)
    feed(v4, {"series": [], "episodes": []})
    run_sync(engine, v4, tmp_path)
    assert {s.query["since"] for s in v4.requests_to("/updates")} == {str(fetched)}


def test_a_second_process_does_not_follow_the_feed_while_the_first_holds_it(
    engine: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    from tvdbd.sources.store import FeedLock

    fetch_into(engine, v4, FIREFLY, now=int(time.time()))
    holder = FeedLock(engine, FEED)
    assert holder.acquire()
    feed(v4, {"series": [], "episodes": []})
    assert run_sync(engine, v4, tmp_path).leased is False
    holder.release()
    assert run_sync(engine, v4, tmp_path).leased is True


def test_a_source_down_leaves_the_checkpoint_before_the_series_it_could_not_refresh(
    engine: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    started = int(time.time()) - 100
    fetch_into(engine, v4, SCRUBS, FIREFLY, now=started)
    rename_episodes(v4, SCRUBS, "new")
    rename_episodes(v4, FIREFLY, "new")
    feed(v4, {"series": [entry("series", SCRUBS, started + 10),
                         entry("series", FIREFLY, started + 20)], "episodes": []})  # fmt: skip
    v4.fault(f"/series/{FIREFLY}/extended", "500", times=100)
    report = run_sync(engine, v4, tmp_path)
    assert report.refreshed == [SCRUBS] and len(report.failed) == 1
    assert checkpoint(engine) == started + 10  # Firefly's change is read again next time
    v4.faults.clear()
    assert run_sync(engine, v4, tmp_path).refreshed == [FIREFLY]
    assert checkpoint(engine) == started + 20


def bundles_of(v4: FixtureServer, *ids: int) -> list[dict[str, Any]]:
    async def main() -> list[dict[str, Any]]:
        c = client(v4)
        try:
            return [await c.series_bundle(i) for i in ids]
        finally:
            await c.aclose()

    return asyncio.run(main())


def test_sync_resumes_after_kill_9_at_any_point_and_no_series_is_half_new(
    backend: str, databases: Databases, v4: FixtureServer, tmp_path: Path
) -> None:
    """Ten runs, each killed at another point of the sync (spread over its whole length),
    then resumed: after the kill every series is wholly old or wholly new and the checkpoint
    has not passed a change that is not stored; after the resume all are new."""
    started = int(time.time()) - 100
    three = (SCRUBS, LOST, FIREFLY)
    old = bundles_of(v4, *three)
    for series_id in three:
        rename_episodes(v4, series_id, "new")
    feed(v4, {"series": [entry("series", s, started + 10 * (i + 1)) for i, s in enumerate(three)],
              "episodes": []})  # fmt: skip

    def fresh() -> tuple[str, Engine, dict[str, str]]:
        url, engine = databases.new_engine(backend)
        for bundle in old:
            store_series(engine, bundle, now=started)
        env = {**os.environ, "TVDBD_DATABASE_URL": url, "TVDBD_DATA_DIR": str(tmp_path),
               "TVDBD_TVDB_V4_API_KEY": "test-v4-key", "TVDBD_TVDB_V4_URL": v4.base_url,
               "TVDBD_SOURCE_CONCURRENCY": "1", "TVDBD_SOURCE_ARTWORK": "off"}  # fmt: skip
        return url, engine, env

    def sync(env: dict[str, str], kill_after: float | None) -> bool:
        for series_id in three:  # every fetch takes a while, so kills land inside the work
            v4.fault(f"/series/{series_id}/extended", "slow", times=1, delay=0.3)
        process = subprocess.Popen([sys.executable, "-m", "tvdbd", "sync"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return False
        assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
        return True

    def consistent(engine: Engine) -> list[bool]:
        position = checkpoint(engine)
        state = []
        for index, series_id in enumerate(three):
            new = {n.endswith("[new]") for n in names(engine, series_id)}
            assert len(new) == 1, f"series {series_id} is half new after a kill"
            if position is not None and position >= started + 10 * (index + 1):
                assert new == {True}, f"the checkpoint passed series {series_id}, not stored"
            state.append(new == {True})
        return state

    _, engine, env = fresh()  # one whole run to measure how long a sync takes
    began = time.monotonic()
    assert sync(env, None)
    length = time.monotonic() - began
    assert consistent(engine) == [True, True, True]
    engine.dispose()
    seen_states = set()
    for run in range(10):
        _, engine, env = fresh()
        killed = not sync(env, length * (run + 0.5) / 10)
        seen_states.add((killed, tuple(consistent(engine))))
        assert sync(env, None)  # the resume finishes what was left
        assert consistent(engine) == [True, True, True]
        assert checkpoint(engine) == started + 30
        engine.dispose()
    killed_states = {state for killed, state in seen_states if killed}
    assert len(killed_states) >= 2, f"kills should land at several points: {seen_states}"


def test_updated_query_reports_what_a_sync_refreshed(
    backend: str, databases: Databases, v4: FixtureServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    env = {"TVDBD_TVDB_V4_API_KEY": "test-v4-key", "TVDBD_TVDB_V4_URL": v4.base_url,
           "TVDBD_SOURCE_ARTWORK": "off", "TVDBD_READ_THROUGH": "auto"}  # fmt: skip
    server = LiveServer(url, tmp_path / "server", **env)
    try:
        with server.client() as api:
            assert api.get(f"/series/{FIREFLY}").status_code == 200  # read through
            assert api.get(f"/series/{SCRUBS}").status_code == 200
            time.sleep(1.1)  # stored in an earlier second than `before`
            before = int(time.time())
            rename_episodes(v4, FIREFLY, "renamed")
            feed(v4, {"series": [], "episodes": [
                entry("episodes", 297989, before, series_id=FIREFLY)]})  # fmt: skip
            done = subprocess.run(
                [sys.executable, "-m", "tvdbd", "sync"], capture_output=True, timeout=120,
                env={**os.environ, **env, "TVDBD_DATABASE_URL": url,
                     "TVDBD_DATA_DIR": str(tmp_path / "server")},
            )  # fmt: skip
            assert done.returncode == 0, done.stderr.decode()
            assert b"1 series refreshed" in done.stderr
            updated = api.get(f"/updated/query?fromTime={before}").json()["data"]
            assert [u["id"] for u in updated] == [FIREFLY]
            assert updated[0]["lastUpdated"] >= before
            episode = api.get("/episodes/297989").json()["data"]
            assert episode["episodeName"] == "The Train Job [renamed]"
            assert httpx.get(f"{server.base_url}/series/{FIREFLY}").status_code == 401
    finally:
        server.stop()
