"""Live sources: series fetched, mapped and stored per second, and what a read-through adds.

    .venv/bin/python bench/sources_bench.py [--rounds 5] [--postgres]

Runs against the TheTVDB v4 fixture server of the test suite (tests/sources/v4_fixtures.py:
Scrubs, Lost, Firefly, FLCL; 361 episodes, on 127.0.0.1), so the figures are tvdbd's own
cost, not the internet's. Two lines, each with its same-run baseline:

- fetch + map + store: series per second through TvdbV4 + store_series into a fresh
  database, against importing the same four bundles from a file (the importer alone): the
  ratio is what fetching and mapping cost on top of storing.
- read-through: latency of the first GET /series/{id} (fetched, stored, answered) and of
  the same request right after (a warm hit), on a live server; the ratio is first / warm.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sources.v4_fixtures import v4_server  # noqa: E402
from tests.support import LiveServer  # noqa: E402
from tvdbd.bundles.importer import import_lines  # noqa: E402
from tvdbd.db.engine import make_engine  # noqa: E402
from tvdbd.db.migrate import upgrade  # noqa: E402
from tvdbd.sources.fetch import FetchPolicy  # noqa: E402
from tvdbd.sources.store import store_series  # noqa: E402
from tvdbd.sources.tvdb_v4.client import TvdbV4  # noqa: E402

SERIES = (76156, 73739, 78874, 78878)
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_database(postgres: bool, folder: Path) -> tuple[str, Engine]:
    if postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / (uuid.uuid4().hex + '.sqlite3')}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


async def fetch_and_store(base_url: str, engine: Engine) -> tuple[float, list[bytes], int]:
    """Seconds to fetch, map and store every series; their bundles; their episodes."""
    client = TvdbV4(base_url, "test-v4-key", policy=FetchPolicy(timeout=10, concurrency=4))
    started = time.perf_counter()
    bundles = await asyncio.gather(*(client.series_bundle(i) for i in SERIES))
    for bundle in bundles:
        await asyncio.to_thread(store_series, engine, bundle)
    seconds = time.perf_counter() - started
    await client.aclose()
    episodes = sum(len(b.get("episodes", [])) for b in bundles)
    return seconds, [orjson.dumps(b) for b in bundles], episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    v4 = v4_server()
    folder = Path(tempfile.mkdtemp(prefix="tvdbd-sources-bench-"))
    fetched, imported = [], []
    episodes = 0
    for _ in range(args.rounds):
        _, engine = fresh_database(args.postgres, folder)
        seconds, lines, episodes = asyncio.run(fetch_and_store(v4.base_url, engine))
        fetched.append(seconds)
        engine.dispose()
        _, engine = fresh_database(args.postgres, folder)
        started = time.perf_counter()
        assert import_lines(engine, lines).ok
        imported.append(time.perf_counter() - started)
        engine.dispose()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    fetch_rate = len(SERIES) / statistics.median(fetched)
    import_rate = len(SERIES) / statistics.median(imported)
    print(f"{backend}, {len(SERIES)} series / {episodes} episodes, median of {args.rounds}:")
    print(
        f"  fetch + map + store: {fetch_rate:7.1f} series/s ({fetch_rate * episodes / 4:,.0f} "
        f"episodes/s)  baseline import: {import_rate:7.1f} series/s  "
        f"ratio {fetch_rate / import_rate:.2f}"
    )

    firsts, warms = [], []
    for series_id in SERIES * max(1, args.rounds // 2):
        url, engine = fresh_database(args.postgres, folder)
        engine.dispose()
        server = LiveServer(
            url,
            folder / uuid.uuid4().hex,
            TVDBD_TVDB_V4_API_KEY="test-v4-key",
            TVDBD_TVDB_V4_URL=v4.base_url,
            TVDBD_SOURCE_ARTWORK="off",
        )
        try:
            with httpx.Client(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {server.token()}"},
                timeout=30,
            ) as api:
                started = time.perf_counter()
                assert api.get(f"/series/{series_id}").status_code == 200
                firsts.append(time.perf_counter() - started)
                for _ in range(20):
                    started = time.perf_counter()
                    api.get(f"/series/{series_id}")
                    warms.append(time.perf_counter() - started)
        finally:
            server.stop()
    first, warm = statistics.median(firsts), statistics.median(warms)
    print(
        f"  read-through first GET /series/{{id}}: {first * 1000:7.1f} ms  warm hit: "
        f"{warm * 1000:5.2f} ms  ratio {first / warm:,.0f}"
    )
    v4.stop()


if __name__ == "__main__":
    main()
