"""`tvdbd mirror`: one tvdbd follows another through /updated/query and serves the same
answers; resumable after kill -9 at any point; read-through from a mirrored server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from tests.support import DEMO_BUNDLE, Databases, LiveServer, import_bundles
from tvdbd.bundles.exporter import iter_bundles
from tvdbd.db.schema import episodes, series_table
from tvdbd.images.store import ImageStore
from tvdbd.sources.fetch import FetchPolicy
from tvdbd.sources.mirror import V2Server, mirror_once

SCRUBS, LOST, FIREFLY = 76156, 73739, 78874
SINCE = 1_400_000_000  # before every lastUpdated of the demo catalogue (2014)
RECENT = 1_589_900_000  # just before the demo's three recorded series changed (May 2020)


def demo() -> list[dict[str, Any]]:
    """The demo's series lines (its movie lines are not mirrored: API v2 has no movies)."""
    lines = [json.loads(line) for line in DEMO_BUNDLE.read_text("utf-8").splitlines()]
    return [line for line in lines if "series" in line]


@pytest.fixture
def upstream(backend: str, databases: Databases, tmp_path: Path) -> Iterator[LiveServer]:
    url, engine = databases.new_engine(backend)
    assert import_bundles(engine, demo()).ok
    engine.dispose()
    server = LiveServer(url, tmp_path / "upstream")
    yield server
    server.stop()


def mirror(engine: Engine, upstream: LiveServer, tmp_path: Path, **options: Any) -> Any:
    languages = options.pop("languages", ("en",))

    async def main() -> Any:
        source = V2Server(upstream.base_url, "mirror-key", languages=languages,
                          policy=FetchPolicy(timeout=10, concurrency=4))  # fmt: skip
        try:
            return await mirror_once(engine, ImageStore(tmp_path / "banners"), source, **options)
        finally:
            await source.aclose()

    return asyncio.run(main())


def answers(server: LiveServer, series_id: int, language: str = "en") -> dict[str, bytes]:
    with server.client(**{"Accept-Language": language}) as api:
        paths = [f"/series/{series_id}", f"/series/{series_id}/actors",
                 f"/series/{series_id}/episodes/summary", f"/series/{series_id}/images",
                 f"/series/{series_id}/filter?keys=seriesName,banner"]  # fmt: skip
        page = 1
        while True:
            response = api.get(f"/series/{series_id}/episodes?page={page}")
            if response.status_code != 200:
                break
            paths.append(f"/series/{series_id}/episodes?page={page}")
            page += 1
        for key_type in api.get(f"/series/{series_id}/images").json()["data"]:
            paths.append(f"/series/{series_id}/images/query?keyType={key_type}")
        return {p: api.get(p).content for p in paths}


def test_a_mirror_serves_what_the_upstream_serves(
    backend: str, databases: Databases, upstream: LiveServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    # From the epoch: six demo series have lastUpdated 0 and only that first week lists them.
    report = mirror(engine, upstream, tmp_path, since=0, languages=("en", "fr", "es"))
    assert report.failed == [] and len(report.refreshed) == 9
    assert report.position is not None and report.position >= int(time.time()) - 120
    downstream = LiveServer(url, tmp_path / "downstream")
    try:
        for series_id in (SCRUBS, LOST, FIREFLY):
            for language in ("en", "fr", "es"):
                theirs = answers(upstream, series_id, language)
                ours = answers(downstream, series_id, language)
                assert ours.keys() == theirs.keys()
                for path in theirs:
                    # lastUpdated is the time of storing here (docs/sources.md); all else is equal.
                    a, b = json.loads(theirs[path]), json.loads(ours[path])
                    if path == f"/series/{series_id}":
                        assert b["data"].pop("lastUpdated") >= a["data"].pop("lastUpdated")
                    if "/images/query" in path:  # seriesLastUpdated is the series' lastUpdated
                        for x, y in zip(a["data"], b["data"], strict=True):
                            assert y.pop("seriesLastUpdated") >= x.pop("seriesLastUpdated")
                    assert a == b, (series_id, language, path)
    finally:
        downstream.stop()
    engine.dispose()


def test_a_second_pass_stores_only_what_changed_upstream(
    backend: str, databases: Databases, upstream: LiveServer, tmp_path: Path
) -> None:
    _, engine = databases.new_engine(backend)
    mirror(engine, upstream, tmp_path, since=SINCE)
    again = mirror(engine, upstream, tmp_path)
    assert again.refreshed == [] and again.windows == 1
    changed = next(b for b in demo() if b["series"]["id"] == FIREFLY)
    changed["episodes"][0]["episodeName"] = "Renamed upstream"
    changed["series"]["lastUpdated"] = int(time.time())
    from tvdbd.db.engine import make_engine

    assert import_bundles(make_engine(upstream.database_url), [changed]).imported == 1
    third = mirror(engine, upstream, tmp_path)
    assert third.refreshed == [FIREFLY]
    stored = next(b for b in iter_bundles(engine) if b["series"]["id"] == FIREFLY)
    assert stored["episodes"][0]["episodeName"] == "Renamed upstream"
    source = stored["source"]
    assert (source["name"], source["id"], source["url"]) == ("mirror", "78874", upstream.base_url)
    engine.dispose()


def test_mirror_resumes_after_kill_9_and_no_series_is_half_stored(
    backend: str, databases: Databases, upstream: LiveServer, tmp_path: Path
) -> None:
    """Kill `tvdbd mirror` at twenty points spread over a run; every series stored then is
    whole (all its episodes), and a second run finishes the catalogue."""
    whole = {
        b["series"]["id"]: len(b.get("episodes", []))
        for b in demo()
        if b["series"].get("lastUpdated", 0) >= RECENT
    }

    def run(url: str, kill_after: float | None) -> bool:
        env = {**os.environ, "TVDBD_DATABASE_URL": url, "TVDBD_DATA_DIR": str(tmp_path),
               "TVDBD_SOURCE_ARTWORK": "off", "TVDBD_MIRROR_API_KEY": "mirror-key"}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "tvdbd", "mirror", "--from", upstream.base_url,
             "--since", str(RECENT), "--languages", "en,fr"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return False
        assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
        return True

    def stored(engine: Engine) -> dict[int, int]:
        with engine.connect() as conn:
            ids = list(conn.execute(select(series_table.c.id)).scalars())
            return {
                i: len(list(conn.execute(select(episodes.c.id).where(episodes.c.series_id == i))))
                for i in ids
            }

    url, engine = databases.new_engine(backend)
    began = time.monotonic()
    assert run(url, None)
    length = time.monotonic() - began
    assert stored(engine) == whole
    engine.dispose()
    partial = set()
    for point in range(20):
        url, engine = databases.new_engine(backend)
        run(url, length * (point + 0.5) / 20)
        found = stored(engine)
        assert all(found[i] == whole[i] for i in found), "a series was stored in part"
        partial.add(len(found))
        assert run(url, None)
        assert stored(engine) == whole
        engine.dispose()
    assert len(partial) >= 2, f"kills should land at several points: {sorted(partial)}"


def test_a_mirrored_server_can_be_read_through(
    backend: str, databases: Databases, upstream: LiveServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    server = LiveServer(url, tmp_path / "reading", TVDBD_READ_THROUGH="mirror",
                        TVDBD_MIRROR_URL=upstream.base_url, TVDBD_MIRROR_API_KEY="k",
                        TVDBD_SOURCE_ARTWORK="off")  # fmt: skip
    try:
        with server.client() as api:
            assert api.get(f"/series/{FIREFLY}").json()["data"]["seriesName"] == "Firefly"
            hits = api.get("/search/series?name=scrubs").json()["data"]
            assert hits[0]["id"] == SCRUBS
        assert httpx.get(f"{server.base_url}/series/{LOST}").status_code == 401
    finally:
        server.stop()


def test_mirror_says_what_is_wrong(upstream: LiveServer, tmp_path: Path) -> None:
    env = {**os.environ, "TVDBD_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "tvdbd", "mirror", "--from", upstream.base_url,
                           "--apikey", "k", "--languages", "en,xx"], capture_output=True,
                          text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "unknown language(s): xx" in done.stderr
    nobody = subprocess.run([sys.executable, "-m", "tvdbd", "mirror", "--from",
                             "http://127.0.0.1:9", "--apikey", "k"], capture_output=True,
                            text=True, env={**env, "TVDBD_SOURCE_RETRIES": "0"},
                            timeout=60)  # fmt: skip
    assert nobody.returncode == 1 and "cannot connect" in nobody.stderr
