"""The legacy XML API (v1) against the v2 episodes page, on one 500-episode series.

    .venv/bin/python bench/v1_bench.py [--duration 3] [--warmup 1] [--episodes 500]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

Imports one generated series (500 episodes in one translation besides English, 20 actors, 60
images) into a fresh database (a temp SQLite file, or a fresh schema of the PostgreSQL
database given), starts `tvdbd serve` twice — response caches on (the default) and off
(`TVDBD_RESPONSE_CACHE_MB=0`) — and runs wrk (one thread; 16 connections with the caches on,
2 off) against each route. The baseline is v2's `/series/{id}/episodes?page=1` on the same
server in the same run: every figure is also printed as its ratio to that one (the machine
is shared and noisy). With the cache on, `all/en.zip` is built once (the first request after
a change) and then sent as stored bytes; with it off, every request renders the whole series
and deflates it, which is what the cache saves.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from _common import free_port, wait_for, wrk  # type: ignore[import-not-found]
from sqlalchemy import text

from tvdbd.bundles.importer import import_lines
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade

SERIES = 5_000_001


def series_bundle(episodes: int) -> dict[str, Any]:
    """A long series of plain facts (no text from any recording)."""
    records = []
    for n in range(episodes):
        season, number = divmod(n, 25)
        records.append(
            {
                "id": SERIES * 1000 + n,
                "airedSeason": season + 1,
                "airedEpisodeNumber": number + 1,
                "airedSeasonID": 9000 + season,
                "episodeName": f"Episode {n + 1}",
                "overview": f"Synthetic overview number {n + 1} " * 6,
                "firstAired": f"{2000 + season:04d}-{(number % 12) + 1:02d}-01",
                "directors": [f"Director {n % 7}"],
                "writers": [f"Writer {n % 5}", f"Writer {n % 3}"],
                "guestStars": [f"Guest {n % 11}", f"Guest {n % 13}"],
                "dvdSeason": season + 1,
                "dvdEpisodeNumber": number + 1,
                "absoluteNumber": n + 1,
                "filename": f"episodes/{SERIES}/{n}.jpg",
                "thumbWidth": "400",
                "thumbHeight": "225",
                "siteRating": 7.5,
                "siteRatingCount": 10,
                "lastUpdated": 1_600_000_000,
                "translations": {"de": {"episodeName": f"Folge {n + 1}", "overview": None}},
            }
        )
    return {
        "series": {
            "id": SERIES,
            "seriesName": "Benchmark Series",
            "status": "Ended",
            "firstAired": "2000-01-01",
            "network": "Bench",
            "genre": ["Drama"],
            "overview": "A generated series for the v1 benchmark.",
            "lastUpdated": 1_600_000_000,
            "siteRating": 8.1,
            "siteRatingCount": 100,
        },
        "translations": {"de": {"seriesName": "Benchmark-Serie", "overview": None}},
        "episodes": records,
        "actors": [
            {"id": 700_000 + i, "name": f"Actor {i}", "role": f"Role {i}", "sortOrder": i % 4}
            for i in range(20)
        ],
        "images": [
            {
                "id": 800_000 + i,
                "keyType": ("fanart", "poster", "season", "series")[i % 4],
                "subKey": str(i % 20) if i % 4 == 2 else ("graphical" if i % 4 == 3 else ""),
                "fileName": f"images/{SERIES}-{i}.jpg",
                "resolution": "1920x1080" if i % 4 == 0 else "",
                "language": "en",
                "ratingsInfo": {"average": (i % 10) + 0.5, "count": i % 7},
            }
            for i in range(60)
        ],
    }


ROUTES = [
    ("v2 episodes page (baseline)", "/series/{id}/episodes?page=1"),
    ("v1 all/en.zip", "/api/k/series/{id}/all/en.zip"),
    ("v1 all/en.xml", "/api/k/series/{id}/all/en.xml"),
    ("v1 all/de.zip", "/api/k/series/{id}/all/de.zip"),
    ("v1 series/{id}/en.xml", "/api/k/series/{id}/en.xml"),
    ("v1 banners.xml", "/api/k/series/{id}/banners.xml"),
    ("v1 episodes/{id}/en.xml", "/api/k/episodes/" + str(SERIES * 1000 + 250) + "/en.xml"),
    ("v1 GetSeries.php", "/api/GetSeries.php?seriesname=benchmark%20series"),
]


def start(env: dict[str, str], cache_mb: int | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if cache_mb is not None:
        env = {**env, "TVDBD_RESPONSE_CACHE_MB": str(cache_mb)}
    command = [sys.executable, "-m", "tvdbd", "serve", "--no-demo", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/health", timeout=120)
    return process, base


def measure(base: str, args: argparse.Namespace, connections: int) -> dict[str, dict[str, float]]:
    token = httpx.post(base + "/login", json={"apikey": "bench"}).json()["token"]
    results = {}
    for name, path in ROUTES:
        url = base + path.format(id=SERIES)
        check = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert check.status_code == 200, (url, check.status_code)
        wrk(url, args.warmup, connections, token)
        figures = wrk(url, args.duration, connections, token)
        time.sleep(1)  # let requests wrk gave up on finish before the next route
        figures["bytes"] = len(check.content)
        results[name] = figures
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="v1-bench-"))
    schema = None
    if args.database_url:
        schema = f"v1bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        separator = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    report = import_lines(engine, [orjson.dumps(series_bundle(args.episodes))])
    assert report.ok, report.errors
    engine.dispose()
    env = {
        **os.environ,
        "TVDBD_DATA_DIR": str(work),
        "TVDBD_DATABASE_URL": url,
        "TVDBD_RATE_LIMIT_PER_IP": "off",
    }
    processes = []
    try:
        by_mode = {}
        # Cache off, a whole series takes ~0.15 s to render: 2 connections keep wrk's
        # requests under its 2 s timeout.
        for mode, cache_mb, connections in (("cache on", None, 16), ("cache off", 0, 2)):
            process, base = start(env, cache_mb)
            processes.append(process)
            by_mode[mode] = measure(base, args, connections)
            process.terminate()
            process.wait(timeout=30)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        if schema:
            admin = make_engine(args.database_url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
        shutil.rmtree(work, ignore_errors=True)

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nv1 against the v2 episodes page, {args.episodes} episodes, {backend}")
    print(f"| route | bytes | {' | '.join(f'{m} req/s | / v2' for m in by_mode)} | p99 ms (on) |")
    print("| --- | --- |" + " --- | --- |" * len(by_mode) + " --- |")
    for name, _ in ROUTES:
        cells = []
        for results in by_mode.values():
            baseline = results[ROUTES[0][0]]["rps"]
            rps = results[name]["rps"]
            cells.append(f"{rps:,.0f} | {rps / baseline:.2f}")
        on = by_mode["cache on"][name]
        print(f"| {name} | {int(on['bytes']):,} | {' | '.join(cells)} | {on['p99']:.1f} |")
    on_zip = by_mode["cache on"]["v1 all/en.zip"]["rps"]
    off_zip = by_mode["cache off"]["v1 all/en.zip"]["rps"]
    ratio = f"{on_zip / off_zip:.0f}x" if off_zip else "more than 1000x"
    print(f"\nall/en.zip stored against built per request: {ratio} the requests/s")


if __name__ == "__main__":
    main()
