"""Import time and memory at growing scale: is the cost per series flat?

    .venv/bin/python bench/import_scale.py --scales 0.01 0.1 1.0 [--postgres]

For each scale it generates the catalogue (bench/generate_catalogue.py, cached in
bench/results/), imports it with `tvdbd import` into a fresh database in a child process
and prints wall time, episodes per second, time per series and the child's peak RSS. The
ratio column compares each scale's time per series with the smallest scale's, measured in
the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def catalogue(scale: float) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"catalogue-{scale:g}.jsonl.gz"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "generate_catalogue.py"), "--scale", str(scale),
             str(path)],
            check=True,
        )  # fmt: skip
    return path


def fresh_database(postgres: bool, work: Path) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite:///{work / f'{uuid.uuid4().hex}.sqlite3'}", None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", schema


def drop(schema: str | None) -> None:
    if schema:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def count_lines(path: Path) -> tuple[int, int]:
    import gzip

    import orjson

    series = episodes = 0
    with gzip.open(path) as handle:
        for line in handle:
            series += 1
            episodes += len(orjson.loads(line).get("episodes", ()))
    return series, episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep each database (SQLite files in bench/results/) and print its URL, "
        "e.g. for serve_bench.py --database-url URL --catalogue FILE --imported",
    )
    args = parser.parse_args()
    work = RESULTS if args.keep else Path(tempfile.mkdtemp(prefix="tvdbd-import-"))
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"backend {backend}")
    print(f"{'scale':>6} {'series':>8} {'episodes':>9} {'seconds':>8} {'eps/s':>8} "
          f"{'ms/series':>9} {'ratio':>6} {'peak RSS MB':>11}")  # fmt: skip
    first_per_series = None
    for scale in sorted(args.scales):
        path = catalogue(scale)
        series, episodes = count_lines(path)
        url, schema = fresh_database(args.postgres, work)
        env = {**os.environ, "TVDBD_DATA_DIR": str(work)}
        # A child process per import: its peak RSS is measured alone (scales run smallest
        # first, and RUSAGE_CHILDREN keeps the largest child seen).
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tvdbd", "--database-url", url, "import", str(path)],
            env=env, check=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        per_series = seconds / series * 1000
        first_per_series = first_per_series or per_series
        print(
            f"{scale:6g} {series:8d} {episodes:9d} {seconds:8.1f} {episodes / seconds:8.0f} "
            f"{per_series:9.3f} {per_series / first_per_series:6.2f} {peak:11.0f}",
            flush=True,
        )
        if args.keep:
            print(f"       kept: {url}", flush=True)
        else:
            drop(schema)


if __name__ == "__main__":
    main()
