"""Local edits: what an edit and a locked refresh cost, against importing the same series.

    .venv/bin/python bench/edits_bench.py [--rounds 5] [--postgres]

On the demo's Scrubs (194 episodes, 3 languages), in one fresh database, each with its
same-run baseline, importing Scrubs' bundle line (changed each round, so it is stored):

- edit: one field set through tvdbd.edits (the series read as a bundle, checked and stored
  whole with a revision and a lock);
- locked import: the same import with five locked fields applied by the importer's hook.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tvdbd.bundles.importer import import_lines  # noqa: E402
from tvdbd.db.engine import make_engine  # noqa: E402
from tvdbd.db.migrate import upgrade  # noqa: E402
from tvdbd.edits.changes import Editor, Lock, SetField, apply_changes  # noqa: E402

SCRUBS = 76156
DEMO = ROOT / "tvdbd" / "data" / "demo-catalogue.jsonl"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def scrubs_line() -> dict:
    for raw in DEMO.read_bytes().splitlines():
        line = orjson.loads(raw)
        if line.get("series", {}).get("id") == SCRUBS:
            return line
    raise SystemExit("Scrubs is not in the demo catalogue")


def timed(work: Callable[[int], None], rounds: int) -> float:
    times = []
    for number in range(rounds):
        start = time.perf_counter()
        work(number)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def database(postgres: bool) -> tuple[Engine, Callable[[], None]]:
    if not postgres:
        folder = tempfile.mkdtemp(prefix="tvdbd-edits-bench-")
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        upgrade(engine)
        return engine, engine.dispose
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return engine, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    engine, cleanup = database(args.postgres)
    try:
        line = scrubs_line()

        def import_round(number: int) -> None:
            changed = {**line, "series": {**line["series"], "runtime": f"{number}"}}
            report = import_lines(engine, [orjson.dumps(changed)])
            assert report.imported == 1, report.errors

        import_round(-1)
        baseline = timed(import_round, args.rounds)
        editor = Editor("bench", "cli")

        def edit_round(number: int) -> None:
            apply_changes(
                engine, editor, SCRUBS, [SetField("series", SCRUBS, "network", f"N{number}")]
            )

        edit = timed(edit_round, args.rounds)
        episode_ids = [e["id"] for e in line["episodes"][:3]]
        locks = [Lock("series", SCRUBS, "overview"), Lock("series", SCRUBS, "status")]
        locks += [Lock("episode", i, "episodeName") for i in episode_ids]
        apply_changes(engine, editor, SCRUBS, locks)
        locked = timed(import_round, args.rounds)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{backend}, Scrubs ({len(line['episodes'])} episodes), median of {args.rounds}:")
        print(f"  import of the series (baseline)   {baseline * 1000:8.1f} ms")
        print(
            f"  one edit                          {edit * 1000:8.1f} ms   {edit / baseline:5.2f}x"
        )
        print(f"  import with 5 locks applied       {locked * 1000:8.1f} ms   "
              f"{locked / baseline:5.2f}x")  # fmt: skip
    finally:
        cleanup()


if __name__ == "__main__":
    main()
