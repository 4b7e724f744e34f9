"""The series page for people (/pages/series/{id}) with 200+ episodes: warm and cold, as
ratios against the API's `/series/{id}/episodes` page timed in the same run.

    .venv/bin/python bench/pages_bench.py [--runs 200] [--database-url postgresql://...]

A generated series (bench/generate_catalogue.py) with at least 200 episodes, its artwork and
actors, is imported into a fresh database (a temp SQLite file, or a fresh schema of the
PostgreSQL database given) together with the demo catalogue. Requests go through the whole
app in process (Starlette's test client: no sockets, the same for every route measured):

- warm: the page cache on (`response_cache_mb` 64), the page built once before timing;
  anonymous, and signed in (the person's favorite and rating controls are added per request);
- cold: the cache off (`response_cache_mb` 0), so every request reads and renders all of it.

The baseline is the API's first page of that series' episodes (100 records), warm and cold
likewise. Printed: median and p95 in ms, and each median as a ratio to its baseline's.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_catalogue import make_series
from tvdbd.app import create_app
from tvdbd.bundles.importer import import_file, import_lines
from tvdbd.db import users
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade
from tvdbd.settings import Settings

DEMO = Path(__file__).resolve().parent.parent / "tvdbd" / "data" / "demo-catalogue.jsonl"
MIN_EPISODES = 200


def long_series(seed: int = 1) -> dict:
    """The first generated series with 200 to 400 episodes and some artwork."""
    for index in range(100_000):
        bundle = make_series(index, seed)
        if MIN_EPISODES <= len(bundle.get("episodes", ())) <= 400 and bundle.get("images"):
            return bundle
    raise RuntimeError("no long series generated")


def timed(client, path: str, runs: int, **kwargs) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from starlette.testclient import TestClient

    bundle = long_series()
    series_id = bundle["series"]["id"]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = args.database_url
        if url:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        assert import_file(engine, DEMO).ok
        assert import_lines(engine, [orjson.dumps(bundle)]).ok
        with engine.begin() as conn:
            key = users.create_user(conn, "bench")
        episodes = len(bundle["episodes"])
        print(
            f"series {series_id}: {episodes} episodes, {len(bundle.get('images', []))} images, "
            f"{len(bundle.get('actors', []))} actors; {engine.dialect.name}; {args.runs} runs"
        )
        results: dict[str, list[float]] = {}
        for label, cache_mb in (("warm", 64), ("cold", 0)):
            settings = Settings(data_dir=data_dir, database_url=url, response_cache_mb=cache_mb)
            app = create_app(settings, make_engine(url))
            with TestClient(app) as client:
                token = client.post("/login", json={"apikey": "bench"}).json()["token"]
                auth = {"Authorization": f"Bearer {token}"}
                api_path = f"/series/{series_id}/episodes"
                page_path = f"/pages/series/{series_id}"
                for path, headers in ((api_path, auth), (page_path, {})):
                    timed(client, path, 5, headers=headers)  # first use: imports, statements
                results[f"api episodes page, {label}"] = timed(
                    client, api_path, args.runs, headers=auth
                )
                results[f"series page, {label}"] = timed(client, page_path, args.runs)
                form = client.get("/pages/signin").text
                csrf = re.search(r'name="csrf" value="([^"]+)"', form)[1]  # type: ignore[index]
                client.post(
                    "/pages/signin",
                    data={"csrf": csrf, "username": "bench", "userkey": key},
                    follow_redirects=False,
                )
                timed(client, page_path, 5)
                results[f"series page signed in, {label}"] = timed(client, page_path, args.runs)
                html = client.get(page_path).text
                assert html.count('href="/pages/episodes/') >= MIN_EPISODES, "not the long list"
        print(f"page size: {len(html) / 1024:.0f} KiB of HTML")
        print(f"{'':36} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
        for name, times in results.items():
            label = name.rsplit(", ", 1)[1]
            base = statistics.median(results[f"api episodes page, {label}"])
            median = statistics.median(times)
            p95 = sorted(times)[int(len(times) * 0.95) - 1]
            print(f"{name:36} {median:10.2f} {p95:8.2f} {median / base:11.2f}")
        engine.dispose()
        if args.database_url:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        warm = statistics.median(results["series page signed in, warm"])
        print(f"target: series page warm (signed in) under 50 ms: {warm:.1f} ms "
              f"{'OK' if warm < 50 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
