"""/search/series?name= latency on a generated catalogue: the handler's database work.

    .venv/bin/python bench/search_bench.py [--catalogue bench/results/catalogue-0.1.jsonl.gz]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--names-only]
        [--runs 30] [--keep | --reuse URL]

Imports the catalogue with `tvdbd import` into a fresh database (a temp SQLite file, or a
fresh schema of the PostgreSQL database given; PostgreSQL then gets the VACUUM ANALYZE its
autovacuum would run), picks queries from what was imported and times, in process, what the
handler does for each: find the matching ids and load the records of the (at most 100) hits
(tvdbd.db.search_hits).
Not HTTP: the serve bench measures that. `--names-only` imports the series records and
their translations only (search never reads episodes or images; the full catalogue's
episodes take most of an hour to import into PostgreSQL).

Per query kind: p50 and p99 in ms over every run of its queries, and both as ratios to the
p50 of a primary-key series lookup timed in the same run (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, func, select, text

from tvdbd.db import catalogue
from tvdbd.db.engine import make_engine
from tvdbd.db.schema import (
    search_names,
    search_pairs,
    search_prefixes,
    search_vocabulary,
    search_words,
    series_table,
)
from tvdbd.db.search import find_series
from tvdbd.db.search_hits import hit_records
from tvdbd.search import MAX_HITS, words, words_of_query

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_CATALOGUE = ROOT / "bench" / "results" / "catalogue-0.1.jsonl.gz"
TARGET_P99_MS = 20.0


def strip_to_names(source: Path, target: Path) -> None:
    """The catalogue without episodes, actors and images."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as lines, target.open("wb") as out:
        for line in lines:
            bundle = orjson.loads(line)
            kept = {key: bundle[key] for key in ("series", "translations") if key in bundle}
            out.write(orjson.dumps(kept) + b"\n")


def fresh_database(base_url: str | None, work: Path) -> tuple[str, str | None]:
    if not base_url:
        return f"sqlite:///{work / f'{uuid.uuid4().hex}.sqlite3'}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}", schema


def import_catalogue(url: str, path: Path, work: Path) -> float:
    env = {**os.environ, "TVDBD_DATA_DIR": str(work)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tvdbd", "--database-url", url, "import", str(path)],
        env=env, check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - started


def vacuum_analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE"))


def pick_queries(conn: Connection, seed: int = 6) -> dict[str, list[str]]:
    """Queries of each kind, taken from the imported catalogue."""
    w = search_words.c
    counts = conn.execute(
        select(w.word, func.count()).group_by(w.word).order_by(func.count().desc(), w.word)
    ).all()
    alphabetic = [(word, n) for word, n in counts if word.isalpha() and word.isascii()]
    common = [word for word, _ in alphabetic[:5]]
    rare = [word for word, _ in sorted(counts, key=lambda c: (c[1], c[0]))[:5]]
    rng = random.Random(seed)
    names = [
        name
        for (name,) in conn.execute(select(series_table.c.series_name).order_by(series_table.c.id))
        if name
    ]
    multi = rng.sample([n for n in names if len(words(n)) >= 2 and n.isascii()], 8)
    foreign = rng.sample([n for n in names if not n.isascii()], 5)
    prefix4 = sorted({word[:4] for word in common if len(word) > 5})
    return {
        "1 letter": sorted({word[:1] for word in common}),
        "2 letters": sorted({word[:2] for word in common}),
        "3 letters": sorted({word[:3] for word in common}),
        "4+ letter prefix": prefix4 or common,
        "most common word": common[:1],
        "common words": common,
        "rare word": rare,
        "multi-word name": multi,
        "last word typed": [f"{n.rsplit(' ', 1)[0]} {n.rsplit(' ', 1)[1][:2]}" for n in multi[:5]],
        "stem only": [f"{word}s" for word in common if not word.endswith("s")][:3],
        "non-ASCII name": foreign,
        "miss": ["zzqx", "harbour zzqx", "qqq www eee"],
    }


def handler_work(engine: Engine, name: str) -> int:
    """What GET /search/series?name= does with the database (tvdbd.api.search_routes)."""
    with engine.connect() as conn:
        query_words = words_of_query(name)
        ids = find_series(conn, query_words) if query_words else []
        if ids:
            hit_records(conn, ids, "en")
    return len(ids)


def baseline_work(engine: Engine, series_id: int) -> int:
    with engine.connect() as conn:
        return 1 if catalogue.get_series(conn, series_id) else 0


def timed(work: Callable[[], int], runs: int) -> tuple[list[float], int]:
    result = work()  # warm: statement caches, pages
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--database-url", help="PostgreSQL database for a fresh schema")
    parser.add_argument("--names-only", action="store_true", help="import series records only")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--keep", action="store_true", help="keep the imported database")
    parser.add_argument("--reuse", metavar="URL", help="time an already imported database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tvdbd-search-"))
    schema = None
    if args.reuse:
        url = args.reuse
    else:
        source = args.catalogue
        if args.names_only:
            source = work / "names.jsonl"
            strip_to_names(args.catalogue, source)
        url, schema = fresh_database(args.database_url, work)
        seconds = import_catalogue(url, source, work)
        print(f"imported {args.catalogue.name}{' (names only)' if args.names_only else ''} "
              f"in {seconds:.0f} s")  # fmt: skip
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql" and not args.reuse:
            vacuum_analyze(engine)
        run(engine, args.runs)
    finally:
        engine.dispose()
        if args.keep:
            print(f"database kept: {url}")
        else:
            if schema and args.database_url:
                admin = make_engine(args.database_url)
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()
            shutil.rmtree(work, ignore_errors=True)  # the SQLite file, or nothing (--reuse)


def run(engine: Engine, runs: int) -> None:
    with engine.connect() as conn:
        queries = pick_queries(conn)
        sizes = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (search_names, search_words, search_pairs, search_prefixes,
                          search_vocabulary)
        }  # fmt: skip
        series_ids = list(conn.execute(select(series_table.c.id).limit(1000)).scalars())
    print(f"backend {engine.dialect.name}; series: {len(series_ids) and count_series(engine)}; "
          f"rows: {sizes}")  # fmt: skip
    rng = random.Random(1)
    baseline: list[float] = []
    print(f"{'kind':18} {'queries':>7} {'hits':>9} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'p50/base':>8} {'p99/base':>8}  example")  # fmt: skip
    rows = []
    for kind, names in queries.items():
        samples: list[float] = []
        hits = []
        for name in names:
            times, found = timed(partial(handler_work, engine, name), runs)
            samples += times
            hits.append(found)
            # Interleaved, so the baseline sees the same machine load as the searches.
            series_id = rng.choice(series_ids)
            baseline += timed(partial(baseline_work, engine, series_id), runs)[0]
        rows.append((kind, names, hits, samples))
    base = statistics.median(baseline)
    worst = 0.0
    for kind, names, hits, samples in rows:
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        worst = max(worst, p99)
        span = f"{min(hits)}-{max(hits)}" if min(hits) != max(hits) else str(hits[0])
        print(f"{kind:18} {len(names):7d} {span:>9} {p50:7.2f} {p99:7.2f} {p50 / base:8.1f} "
              f"{p99 / base:8.1f}  {names[0]!r}")  # fmt: skip
    base99 = percentile(baseline, 99)
    print(f"{'baseline get_series':18} {'':7} {'1':>9} {base:7.2f} {base99:7.2f} {1.0:8.1f} "
          f"{base99 / base:8.1f}")  # fmt: skip
    verdict = "met" if worst < TARGET_P99_MS else "NOT met"
    print(f"target p99 < {TARGET_P99_MS:g} ms for every kind (at most {MAX_HITS} hits): "
          f"[{verdict}] worst p99 {worst:.2f} ms")  # fmt: skip


def count_series(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(series_table)).scalar_one())


if __name__ == "__main__":
    main()
