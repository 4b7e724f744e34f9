"""`tvdbd import` killed with SIGKILL at random points, twenty times: every series is then
wholly its old or wholly its new version, nothing else is lost, and the server starts and
serves. (The same for `tvdbd sync` and `tvdbd mirror` is in tests/sources.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, select

from tests.support import Databases, LiveServer, import_bundles
from tvdbd.db.schema import episodes, series_table

SERIES, EPISODES, RUNS = 600, 20, 20


def version(tag: str) -> list[dict[str, Any]]:
    return [
        {
            "series": {"id": 50_000 + s, "seriesName": f"Series {s} {tag}"},
            "episodes": [
                {
                    "id": 5_000_000 + s * 100 + e,
                    "airedSeason": 1,
                    "airedEpisodeNumber": e,
                    "episodeName": f"Episode {e} {tag}",
                }
                for e in range(1, EPISODES + 1)
            ],
        }
        for s in range(SERIES)
    ]


def states(engine: Engine) -> dict[int, str]:
    """Each series' version tag; fails if a series is a mix of versions or lost episodes."""
    found = {}
    with engine.connect() as conn:
        names = dict(conn.execute(select(series_table.c.id, series_table.c.series_name)).all())
        by_series: dict[int, set[str]] = {}
        counts: dict[int, int] = {}
        for series_id, name in conn.execute(select(episodes.c.series_id, episodes.c.episode_name)):
            by_series.setdefault(series_id, set()).add(name.rsplit(" ", 1)[1])
            counts[series_id] = counts.get(series_id, 0) + 1
    assert len(names) == SERIES, "a series was lost"
    for series_id, name in names.items():
        tag = name.rsplit(" ", 1)[1]
        assert by_series[series_id] == {tag}, f"series {series_id} is half {by_series[series_id]}"
        assert counts[series_id] == EPISODES
        found[series_id] = tag
    return found


def test_an_import_killed_anywhere_leaves_every_series_old_or_new(
    backend: str, databases: Databases, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    assert import_bundles(engine, version("v0")).ok
    files = {}
    for tag in ("v1", "v2"):
        files[tag] = tmp_path / f"{tag}.jsonl"
        files[tag].write_bytes(b"".join(orjson.dumps(b) + b"\n" for b in version(tag)))
    env = {**os.environ, "TVDBD_DATABASE_URL": url, "TVDBD_DATA_DIR": str(tmp_path)}

    def start(tag: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "tvdbd", "import", str(files[tag])]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    files["empty"] = tmp_path / "empty.jsonl"
    files["empty"].write_bytes(b"")
    began = time.monotonic()  # start-up alone: the interpreter, the CLI, the migration check
    assert start("empty").wait() == 0
    startup = time.monotonic() - began
    began = time.monotonic()  # one whole run
    assert start("v1").wait() == 0
    length = time.monotonic() - began
    assert set(states(engine).values()) == {"v1"}
    rng = random.Random(1202)
    seen: set[tuple[str, ...]] = set()
    kills = 0
    current = {"v1"}
    for run in range(RUNS):
        tag = ("v2", "v1")[run % 2]
        began = time.monotonic()
        process = start(tag)
        # Kill points spread over the import itself (jittered), from its first batch on.
        delay = startup + (length - startup) * (run + rng.uniform(0.2, 0.8)) / RUNS
        try:
            process.wait(timeout=delay)
            if tag not in current:
                # A whole import finished before its kill point: the machine is faster now
                # than when the run was timed (the suite's other process went idle), so
                # time the later kills by this one. (Series already at the tag are skipped
                # as unchanged, so only a run that stored every series is a measure.)
                length = min(length, time.monotonic() - began)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            kills += 1
            process.wait()
        current = set(states(engine).values())
        seen.add(tuple(sorted(current)))
    assert kills >= RUNS // 2, f"only {kills} of {RUNS} runs were killed mid-import"
    assert any(len(tags) > 1 for tags in seen), "no kill landed between two batches"
    engine.dispose()
    server = LiveServer(url, tmp_path / "server")
    try:
        with server.client() as api:
            series = api.get("/series/50000").json()["data"]
            page = api.get("/series/50000/episodes").json()["data"]
            assert {e["episodeName"].rsplit(" ", 1)[1] for e in page} == {
                series["seriesName"].rsplit(" ", 1)[1]
            }
            assert api.get("/search/series?name=series").status_code == 200
    finally:
        server.stop()
