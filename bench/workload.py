"""A realistic mixed workload: simulated clients replaying whole sessions against tvdbd,
against a minimal ASGI app answering the same request sequence with tvdbd's own bytes.

    .venv/bin/python bench/workload.py [--catalogue FILE.jsonl.gz --data-dir DIR]
        [--database-url URL] [--workers 1 2] [--connections 64] [--duration 60] [--cold 10]
        [--cache-off] [--rss-every 30] [--no-baseline] [--no-compression] [--no-metrics]
        [--keep-connections] [--server-env NAME=VALUE ...] [--json FILE]

Sessions (bench/_workload_sessions.py): tvdb_api-style full fetches, pollers of
/updated/query and people with favorites and ratings (accounts `wl-0`, `wl-1`, ... made or
re-keyed beforehand with the store functions), series popularity Zipf-distributed, search
terms drawn from the names. For each worker count, one after the other:

1. tvdbd started as users start it (`tvdbd serve --workers N`, metrics on for the
   response-cache counter), fresh, so the first `--cold` seconds are its cold start; the
   generator replays sessions 0, 1, 2, ... for `--duration` seconds and keeps the first
   answer to every distinct request (status, headers, body);
2. the baseline (bench/_workload_baseline.py on uvicorn, same workers) loaded with those
   answers, replaying the sessions tvdbd completed, from 0 on, cycling, as long;
3. with `--cache-off`, tvdbd again with TVDBD_RESPONSE_CACHE_MB=0.

Printed: req/s, p50/p99/p99.9 per route class and phase (cold start, steady state), each
as a ratio to the baseline of the same run; the response-cache hit rate (GET /metrics'
`tvdbd_response_cache_total`, catalogue answers only); each worker's RSS and peak RSS
(VmHWM), sampled every `--rss-every` seconds, and the growth over the last half of the run;
the generator's CPU time per request and the ceiling that sets. The SQLite database must be
writable (the user sessions write): give a copy of an imported data dir. All clients come
from 127.0.0.1, so the login guard's limits are raised out of reach (see UNREACHED).
`--server-env` passes more environment to tvdbd, e.g. the memory probe of
bench/memory_probe/. Results and findings: bench/README.md, "Mixed workload".
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from _common import free_port, rss_mb, wait_for, worker_pids  # type: ignore[import-not-found]
from _workload_client import RunResult, percentile, run  # type: ignore[import-not-found]
from _workload_sessions import ROUTE_CLASSES, Catalogue, Sessions  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tvdbd" / "data" / "demo-catalogue.jsonl"
SERVERS = ("tvdbd", "asgi", "off")
UNREACHED = "1000000 per 15 minutes"


# --- servers ----------------------------------------------------------------------------------


def start_tvdbd(
    env: dict[str, str], workers: int, *, cache: bool, demo: bool, metrics: bool = True
):
    port = free_port()
    command = [sys.executable, "-m", "tvdbd", "serve", "--port", str(port)]
    command += ["--workers", str(workers)] + ([] if demo else ["--no-demo"])
    env = {**env, "TVDBD_METRICS": "on" if metrics else "off"}
    if not cache:
        env["TVDBD_RESPONSE_CACHE_MB"] = "0"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/languages", timeout=300)
    wait_for_listeners(process.pid, workers, port)
    return process, port


def wait_for_listeners(server_pid: int, workers: int, port: int, timeout: float = 120) -> None:
    """The server answers once one worker serves: wait until every worker listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listening = 0
        for pid in worker_pids(server_pid, workers):
            with contextlib.suppress(psutil.Error):
                connections = psutil.Process(pid).net_connections("tcp")
                listening += any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                                 for c in connections)  # fmt: skip
        if listening >= workers:
            return
        time.sleep(0.2)
    raise SystemExit(f"only some of the {workers} workers listen on port {port}")


def start_baseline(env: dict[str, str], workers: int, answers: Path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_workload_baseline:app", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log",
         "--no-server-header", "--app-dir", str(ROOT / "bench")],
        env={**env, "WORKLOAD_ANSWERS": str(answers)},
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/", timeout=120)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def memory_sampler(process: subprocess.Popen, workers: int):
    """RSS and peak RSS (MB) and CPU seconds of each worker of a server, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")

    def sample() -> dict[int, tuple[float, float, float]]:
        figures = {}
        for pid in worker_pids(process.pid, workers):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
                figures[pid] = (rss_mb(pid), _peak_mb(pid), cpu)
            except OSError:
                continue  # a worker just replaced
        return figures

    return sample


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cache_hits(port: int) -> tuple[float, float]:
    """(hits, misses) of the response cache over every worker, from GET /metrics."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
    found = {"hit": 0.0, "miss": 0.0}
    for result, value in re.findall(
        r'^tvdbd_response_cache_total\{result="(hit|miss)"\} ([\d.e+]+)$', text, re.M
    ):
        found[result] += float(value)
    return found["hit"], found["miss"]


# --- accounts ---------------------------------------------------------------------------------


def prepare_users(database_url: str, catalogue: Catalogue, count: int) -> dict[str, str]:
    """Accounts wl-0 ... wl-(count-1), made or given a new key, each with its favorites."""
    from tvdbd.db import users
    from tvdbd.db.engine import make_engine

    engine = make_engine(database_url)
    keys = {}
    with engine.begin() as conn:
        existing = {row["username"]: row["id"] for row in users.list_users(conn)}
        for index in range(count):
            name = f"wl-{index}"
            if name in existing:
                keys[name] = users.reset_key(conn, name)
            else:
                keys[name] = users.create_user(conn, name)
        ids = {row["username"]: row["id"] for row in users.list_users(conn)}
        for index in range(count):
            for rank in Sessions.favorites_of(index, len(catalogue.ids)):
                users.add_favorite(conn, ids[f"wl-{index}"], catalogue.ids[rank])
    engine.dispose()
    return keys


def remove_users(database_url: str) -> None:
    from tvdbd.cache.marks import bump_for
    from tvdbd.db import users
    from tvdbd.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        for row in users.list_users(conn):
            if row["username"].startswith("wl-"):
                users.delete_user(conn, row["username"])
    bump_for(engine, catalogue=True)
    engine.dispose()


# --- one worker count -------------------------------------------------------------------------


def measure(args, env, sessions: Sessions, workers: int, work: Path) -> dict[str, Any]:
    """tvdbd (recording), the baseline replaying it, and tvdbd with the cache off."""
    demo = args.catalogue == DEMO and not args.database_url
    figures: dict[str, Any] = {}
    options = {
        "connections": args.connections,
        "duration": args.duration,
        "cold_seconds": args.cold,
        "sample_every": args.rss_every,
        "keep_connections": args.keep_connections,
    }
    tvdbd_env = {**env, **args.tvdbd_env}
    process, port = start_tvdbd(
        tvdbd_env, workers, cache=True, demo=demo, metrics=not args.no_metrics
    )
    try:
        result = run(port, sessions, itertools.count(), record=True,
                     sample=memory_sampler(process, workers), **options)  # fmt: skip
        figures["tvdbd"] = summary(result, None if args.no_metrics else cache_hits(port))
    finally:
        stop(process)
    print(f"  {workers} worker(s): tvdbd done", file=sys.stderr, flush=True)
    completed = result.completed_prefix()
    if not args.no_baseline and completed:
        answers = work / f"answers-{workers}.pickle"
        answers.write_bytes(pickle.dumps(result.recorded, protocol=pickle.HIGHEST_PROTOCOL))
        del result
        process, port = start_baseline(env, workers, answers)
        try:
            numbers = (n % completed for n in itertools.count())
            baseline = run(port, sessions, numbers, sample=memory_sampler(process, workers),
                           **options)  # fmt: skip
            figures["asgi"] = summary(baseline, None)
            figures["asgi"]["replayed_sessions"] = completed
        finally:
            stop(process)
            answers.unlink()
        print(f"  {workers} worker(s): baseline done", file=sys.stderr, flush=True)
    if args.cache_off:
        process, port = start_tvdbd(
            tvdbd_env, workers, cache=False, demo=demo, metrics=not args.no_metrics
        )
        try:
            off = run(port, sessions, itertools.count(), sample=memory_sampler(process, workers),
                      **options)  # fmt: skip
            figures["off"] = summary(off, None if args.no_metrics else cache_hits(port))
        finally:
            stop(process)
        print(f"  {workers} worker(s): cache off done", file=sys.stderr, flush=True)
    return figures


def summary(result: RunResult, hits: tuple[float, float] | None) -> dict[str, Any]:
    """Plain figures of one run (JSON-able)."""
    classes: dict[str, Any] = {}
    for (phase, route_class), values in result.latencies.items():
        classes.setdefault(route_class, {})[phase] = {
            "count": len(values),
            "p50": percentile(values, 0.50),
            "p99": percentile(values, 0.99),
            "p999": percentile(values, 0.999),
        }
    requests = sum(len(v) for v in result.latencies.values())
    rss = {str(pid): [] for _, sample in result.samples for pid in sample}
    for seconds, sample in result.samples:
        for pid, (now, peak, cpu) in sample.items():
            rss[str(pid)].append((round(seconds, 1), round(now, 1), round(peak, 1), cpu))
    return {
        "rps": result.in_time / result.duration,
        "requests": requests,
        "sessions": result.sessions,
        "failures": result.failures,
        "classes": classes,
        "statuses": {k: dict(sorted(v.items())) for k, v in result.statuses.items()},
        "hit_rate": hits[0] / (hits[0] + hits[1]) if hits and sum(hits) else None,
        "cpu_us_per_request": result.cpu_seconds / max(1, requests) * 1e6,
        "cpu_share": result.cpu_seconds / result.duration,
        "rss": rss,
    }


# --- report -----------------------------------------------------------------------------------


def report(all_figures: dict[int, dict[str, Any]], args) -> list[str]:
    lines = []
    for workers, figures in all_figures.items():
        base = figures.get("asgi")
        lines.append(f"\n{workers} worker(s), {args.connections} connections, {args.duration} s "
                     f"(the first {args.cold} s: cold start)")  # fmt: skip
        lines.append(f"{'server':6} {'req/s':>8} {'/asgi':>6} {'sessions':>8} {'failures':>8} "
                     f"{'hit rate':>8} {'RSS MB/worker (peak)':>22} {'/asgi':>6}")  # fmt: skip
        for name in SERVERS:
            f = figures.get(name)
            if f is None:
                continue
            ratio = f"{f['rps'] / base['rps']:6.2f}" if base else f"{'-':>6}"
            hit = f"{f['hit_rate']:8.1%}" if f["hit_rate"] is not None else f"{'-':>8}"
            peaks = [series[-1][2] for series in f["rss"].values() if series]
            ends = [series[-1][1] for series in f["rss"].values() if series]
            shown = " ".join(f"{e:.0f}({p:.0f})" for e, p in zip(ends, peaks, strict=True))
            rss_ratio = "-"
            if base and peaks:
                base_peaks = [s[-1][2] for s in base["rss"].values() if s]
                rss_ratio = f"{max(peaks) / max(base_peaks):.2f}" if base_peaks else "-"
            lines.append(f"{name:6} {f['rps']:8.0f} {ratio} {f['sessions']:8} "
                         f"{f['failures']:8} {hit} {shown:>22} {rss_ratio:>6}")  # fmt: skip
        lines.append(f"{'route class':14} {'phase':6} {'server':6} {'count':>7} {'p50 ms':>8} "
                     f"{'p99 ms':>8} {'p99.9 ms':>9} {'p99/50':>6} {'p50/asgi':>8} "
                     f"{'p99/asgi':>8}")  # fmt: skip
        for route_class in ROUTE_CLASSES:
            label = route_class
            for phase in ("cold", "steady"):
                for name in SERVERS:
                    c = figures.get(name, {}).get("classes", {}).get(route_class, {}).get(phase)
                    if not c:
                        continue
                    b = (base or {}).get("classes", {}).get(route_class, {}).get(phase)
                    ratios = (
                        f"{c['p50'] / b['p50']:8.2f} {c['p99'] / b['p99']:8.2f}"
                        if b and name != "asgi" else f"{'':8} {'':8}"
                    )  # fmt: skip
                    lines.append(f"{label:14} {phase:6} {name:6} {c['count']:7} "
                                 f"{c['p50']:8.2f} {c['p99']:8.2f} {c['p999']:9.2f} "
                                 f"{c['p99'] / c['p50']:6.1f} {ratios}")  # fmt: skip
                    label = ""
        for name in SERVERS:
            f = figures.get(name)
            if f is None:
                continue
            odd = {
                cls: {s: n for s, n in counts.items() if s not in (200, 404, 409)}
                for cls, counts in f["statuses"].items()
            }
            odd = {cls: counts for cls, counts in odd.items() if counts}
            lines.append(f"{name}: statuses other than 200/404/409: {odd or 'none'}")
        if base:
            ceiling = 1e6 / base["cpu_us_per_request"]
            lines.append(
                f"generator: {base['cpu_us_per_request']:.0f} µs CPU per request against the "
                f"baseline (ceiling ~{ceiling:,.0f} req/s on one core; it used "
                f"{base['cpu_share']:.0%} of a core there, {figures['tvdbd']['cpu_share']:.0%} "
                "against tvdbd)"
            )
        for name in SERVERS:
            if name in figures:
                lines += memory_lines(figures[name], name)
    return lines


def memory_lines(figures: dict[str, Any], name: str) -> list[str]:
    """The RSS series of each worker and its growth over the last half of the run."""
    lines = []
    for pid, series in figures["rss"].items():
        if len(series) < 3:
            continue
        end = series[-1][0]
        middle = min(series, key=lambda point: abs(point[0] - end / 2))
        shown = " ".join(f"{s:.0f}s:{mb:.0f}" for s, mb, _, _ in series)
        busy = (series[-1][3] - series[0][3]) / max(1e-9, end - series[0][0])
        growth = series[-1][1] - middle[1]
        per_minute = growth / max(1e-9, (end - middle[0]) / 60)
        lines.append(f"{name} worker {pid} RSS MB over time: {shown}")
        lines.append(f"  last half ({middle[0]:.0f}-{end:.0f} s): {growth:+.1f} MB "
                     f"({per_minute:+.2f} MB/min), peak {series[-1][2]:.0f} MB; "
                     f"busy {busy:.0%} of a core")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--catalogue",
        type=Path,
        default=DEMO,
        help="the bundle the database holds (sessions are drawn from it)",
    )
    parser.add_argument("--data-dir", type=Path, help="TVDBD_DATA_DIR (a writable copy)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60, help="seconds per server")
    parser.add_argument("--cold", type=float, default=10, help="first seconds: cold start")
    parser.add_argument("--rss-every", type=float, default=5, help="seconds between samples")
    parser.add_argument("--cache-off", action="store_true", help="also tvdbd without cache")
    parser.add_argument("--no-baseline", action="store_true", help="tvdbd only (long runs)")
    parser.add_argument(
        "--no-compression", action="store_true", help="clients send no Accept-Encoding"
    )
    parser.add_argument(
        "--keep-connections",
        action="store_true",
        help="one connection per client for the whole run, not one per session",
    )
    parser.add_argument(
        "--no-metrics",
        action="store_true",
        help="tvdbd without GET /metrics (no hit rate, no metrics cost)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for tvdbd (a setting, PYTHONTRACEMALLOC...)",
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--zipf", type=float, default=1.0, help="popularity exponent")
    parser.add_argument(
        "--keep-users",
        action="store_true",
        help="leave the wl-* accounts in the database afterwards",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()  # fmt: skip

    work = Path(tempfile.mkdtemp(prefix="tvdbd-workload-"))
    data_dir = args.data_dir or work / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    # Read-through off: a benchmark never asks a live source.
    # The login guard counts every attempt before checking it, so 64 clients logging in at
    # once from one address (all of them here, never in real life) would get 429s: its
    # limits are raised out of reach (the guard still runs).
    env = {**os.environ, "TVDBD_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT),
           "TVDBD_READ_THROUGH": "off", "TVDBD_LOGIN_FAILURES_PER_IP": UNREACHED,
           "TVDBD_LOGIN_FAILURES_PER_USER": UNREACHED}  # fmt: skip
    database_url = args.database_url or f"sqlite:///{(data_dir / 'tvdbd.sqlite3').resolve()}"
    if args.database_url:
        env["TVDBD_DATABASE_URL"] = args.database_url
    args.tvdbd_env = dict(item.split("=", 1) for item in args.server_env)
    if "PYTHONPATH" in args.tvdbd_env:
        args.tvdbd_env["PYTHONPATH"] += os.pathsep + str(ROOT)
    try:
        if args.catalogue == DEMO and not (data_dir / "tvdbd.sqlite3").exists():
            process, _ = start_tvdbd(env, 1, cache=True, demo=not args.database_url)
            stop(process)  # the first start made the database and loaded the demo
        cache = ROOT / "bench" / "results"  # ignored by git
        cache.mkdir(exist_ok=True)
        catalogue = Catalogue.read(args.catalogue, args.seed, cache_dir=cache)
        print(f"{len(catalogue.ids)} series; making {args.users} accounts", file=sys.stderr)
        keys = prepare_users(database_url, catalogue, args.users)
        sessions = Sessions(catalogue, keys, seed=args.seed, zipf=args.zipf,
                            compression=not args.no_compression)  # fmt: skip
        all_figures = {}
        for workers in dict.fromkeys(args.workers):
            all_figures[workers] = measure(args, env, sessions, workers, work)
            if args.json:  # as it goes, so the figures survive a failure later
                args.json.write_text(json.dumps(all_figures, indent=1))
        print("\n".join(report(all_figures, args)))
    finally:
        if not args.keep_users:
            remove_users(database_url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
