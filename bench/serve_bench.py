"""Requests/s and p50/p99 of tvdbd routes against two baselines, measured with wrk.

    .venv/bin/python bench/serve_bench.py [--duration 5] [--connections 64] [--workers 1 2]
        [--database-url postgresql://postgres@127.0.0.1/test] [--catalogue FILE.jsonl.gz
        [--imported]] [--granian] [--json results.json]

Loads the demo catalogue (or imports --catalogue, a generated bundle, and takes the routes
from it: its longest series, a mid page of its episodes, ...) into a fresh database. Then for
each worker count it starts, side by side:

- tvdbd with the response cache on (warmed before measuring) and tvdbd with it off
  (TVDBD_RESPONSE_CACHE_MB=0), both sending a token as a client would;
- the minimal ASGI app (bench/baseline_app.py) on the same server, uvicorn, answering with
  the same response bytes, no auth: row `asgi` on plain uvicorn (its default loop, uvloop),
  row `aio` served as `tvdbd serve` serves tvdbd (asyncio's loop, its sockets and worker
  supervisor: bench/baseline_server.py);
- Debian's nginx serving the same bytes as static files (a child process, own config).

and runs wrk against each in turn, route by route, so the four figures of a route are taken
a few seconds apart. Between two figures the server just measured is left to work off the
requests wrk left in flight (see `settle`): otherwise the next figure, sharing the two
cores, would measure that backlog too (the cache-off one-connection search did). With
`--granian`, tvdbd (warm and off) and the minimal ASGI app are measured under granian too
(rows `gr ...`; their /asgi ratio is still to uvicorn's minimal app). It prints each figure
as a ratio to the baselines of the same run (this machine is shared and noisy, so only
same-run ratios mean anything), the worker RSS, and the targets of issues 6 and 20.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import (  # type: ignore[import-not-found]
    catalogue_routes,
    free_port,
    rss_mb,
    start_nginx,
    wait_for,
    worker_pids,
    wrk,
)

ROOT = Path(__file__).resolve().parent.parent
DEMO_ROUTES = [
    "/series/76156",
    "/series/76156/episodes?page=1",
    "/episodes/184602",
    "/search/series?name=scrubs",
    "/updated/query?fromTime=1590000000",
]
MODES = ["nginx", "asgi", "warm", "off"]


def start_tvdbd(env: dict[str, str], workers: int, cache_mb: int | None, demo: bool):
    port = free_port()
    command = [sys.executable, "-m", "tvdbd", "serve", "--port", str(port)]
    command += ["--workers", str(workers)] + ([] if demo else ["--no-demo"])
    if cache_mb is not None:
        env = {**env, "TVDBD_RESPONSE_CACHE_MB": str(cache_mb)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/languages", timeout=300)  # the first start may migrate and load
    return process, base


def start_granian(env: dict[str, str], workers: int, app: str, factory: bool = False):
    """The same app under granian (Rust HTTP server, uvloop) instead of uvicorn. tvdbd's
    protocol edge (tvdbd.http.protocol) is uvicorn's: under granian malformed requests get
    granian's answers, which is why it is only measured here."""
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--http", "1", "--no-ws",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    command += ["--factory", app] if factory else [app]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return process, f"http://127.0.0.1:{port}"


def settle(url: str, token: str | None, timeout: float = 60) -> None:
    """Wait until the server answers one request as fast as it can: the requests a wrk run
    left in flight (up to one per connection) are worked off, so that the next figure
    measures its own requests, not the previous run's queue."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + timeout
    best, quick = float("inf"), 0
    with httpx.Client(headers=headers, timeout=60) as client:
        while quick < 5 and time.monotonic() < deadline:
            started = time.perf_counter()
            client.get(url)
            took = time.perf_counter() - started
            best = min(best, took)
            quick = quick + 1 if took <= 3 * best + 0.001 else 0


def run_workers(args, env, routes, work, workers, bodies):
    """All measurements for one worker count: {route: {mode: figures}}, {server: [MB]}."""
    processes: list[subprocess.Popen] = []
    try:
        warm, warm_base = start_tvdbd(env, workers, None, not args.catalogue)
        processes.append(warm)
        off, off_base = start_tvdbd(env, workers, 0, not args.catalogue)
        processes.append(off)
        token = httpx.post(warm_base + "/login", json={"apikey": "bench"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        body_dir = work / "bodies"
        body_dir.mkdir(exist_ok=True)
        for i, route in enumerate(routes):
            body = httpx.get(warm_base + route, headers=auth, timeout=60).content
            if httpx.get(off_base + route, headers=auth, timeout=60).content != body:
                print(f"WARNING: cache on and off answer {route} differently", file=sys.stderr)
            (body_dir / f"{i}.json").write_bytes(body)
            bodies[route] = len(body)
        asgi_port, aio_port, nginx_port = free_port(), free_port(), free_port()
        # The minimal app on plain uvicorn (its default loop, uvloop), and served as `tvdbd
        # serve` serves tvdbd (asyncio's loop, its sockets and workers: bench/baseline_server):
        # the second separates what the server set-up costs from what tvdbd's code adds.
        base_env = {**env, "BASELINE_BODY_DIR": str(body_dir)}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(asgi_port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log",
             "--no-server-header"],
            env=base_env, cwd=ROOT,
        ))  # fmt: skip
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "bench.baseline_server", str(aio_port), str(workers)],
            env=base_env, cwd=ROOT,
        ))  # fmt: skip
        processes.append(start_nginx(body_dir, work / f"nginx-{workers}", nginx_port, workers))
        wait_for(f"http://127.0.0.1:{asgi_port}/0.json")
        wait_for(f"http://127.0.0.1:{aio_port}/0.json")
        wait_for(f"http://127.0.0.1:{nginx_port}/0.json")
        granian: dict[str, str] = {}
        if args.granian:
            for name, app, server_env, factory in (
                ("asgi", "bench.baseline_app:app", base_env, False),
                ("warm", "tvdbd.app:app_from_env", env, True),
                ("off", "tvdbd.app:app_from_env", {**env, "TVDBD_RESPONSE_CACHE_MB": "0"}, True),
            ):
                process, granian[name] = start_granian(server_env, workers, app, factory)
                processes.append(process)
            wait_for(f"{granian['asgi']}/0.json")
            for name in ("warm", "off"):
                wait_for(granian[name] + "/languages")
                answer = httpx.get(granian[name] + routes[0], headers=auth, timeout=60)
                assert answer.content == (body_dir / "0.json").read_bytes(), answer.status_code
        for port in (asgi_port, aio_port, nginx_port):  # the baselines answer the same bytes
            answer = httpx.get(f"http://127.0.0.1:{port}/0.json")
            assert answer.content == (body_dir / "0.json").read_bytes(), answer.status_code
        for route in routes:  # fill every worker's cache
            wrk(warm_base + route, 1, 8, token)
            if granian:
                wrk(granian["warm"] + route, 1, 8, token)
        results: dict[str, dict[str, dict[str, float]]] = {}
        for i, route in enumerate(routes):
            urls = {
                "nginx": (f"http://127.0.0.1:{nginx_port}/{i}.json", None),
                "asgi": (f"http://127.0.0.1:{asgi_port}/{i}.json", None),
                "aio": (f"http://127.0.0.1:{aio_port}/{i}.json", None),
                "warm": (warm_base + route, token),
                "off": (off_base + route, token),
            }
            if granian:
                urls["gr asgi"] = (f"{granian['asgi']}/{i}.json", None)
                urls["gr warm"] = (granian["warm"] + route, token)
                urls["gr off"] = (granian["off"] + route, token)
            results[route] = {}
            for mode, (url, tok) in urls.items():
                # Every server gets the same warm-up: connections open, pages and code hot.
                wrk(url, args.warmup, args.connections, tok)
                settle(url, tok)
                results[route][mode] = wrk(url, args.duration, args.connections, tok)
                settle(url, tok)  # the next figure shares the CPUs with this server
            # A search and the series record without queueing (the one-connection latency
            # that issue 20 compares); the server has worked off the 64-connection runs.
            if route.startswith("/search/") or route == routes[0]:
                results[route]["off c1"] = wrk(off_base + route, args.duration, 1, token)
                settle(off_base + route, token)
            print(f"  measured {workers} worker(s) {route}", file=sys.stderr, flush=True)
        memory = {
            name: [round(rss_mb(pid), 1) for pid in worker_pids(process.pid, workers)]
            for name, process in (("warm", warm), ("off", off))
        }
        return results, memory
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def report(all_results, memory, bodies, connections) -> list[str]:
    lines = []
    for workers, results in all_results.items():
        lines.append(f"\n{workers} worker(s), {connections} connections")
        lines.append(f"{'route':44} {'server':6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
                     f"{'p99/50':>6} {'/nginx':>6} {'/asgi':>6} {'/aio':>6} "
                     f"{'/warm':>6}")  # fmt: skip
        for route, figures in results.items():
            label = f"{route} ({bodies[route] / 1024:.1f} KB)"
            for mode, f in figures.items():
                ratios = [f["rps"] / figures[m]["rps"] for m in ("nginx", "asgi", "aio", "warm")]
                shown = " ".join(f"{r:6.2f}" for r in ratios)
                bad = f"  non-2xx {f['non2xx']:.0f}" if f["non2xx"] else ""
                # wrk reports p50 0 when a run completed no request (e.g. all timed out).
                spread = f["p99"] / f["p50"] if f["p50"] else float("inf")
                lines.append(f"{label:44} {mode:6} {f['rps']:8.0f} {f['p50']:7.2f} "
                             f"{f['p99']:7.2f} {spread:6.1f} {shown}{bad}")  # fmt: skip
                label = ""
        lines.append(f"worker RSS MB: {memory[workers]}")
    return lines


def targets(all_results, memory) -> list[str]:
    lines = ["\nTargets (issues 6 and 20)"]

    def check(ok: bool, text: str) -> None:
        lines.append(f"  [{'met' if ok else 'NOT met'}] {text}")

    for workers, results in all_results.items():
        for route, f in results.items():
            ratio = f["warm"]["rps"] / f["asgi"]["rps"]
            as_served = f["warm"]["rps"] / f["aio"]["rps"]
            check(ratio >= 0.8, f"{workers}w warm {route}: {ratio:.2f} of minimal ASGI (>= 0.8); "
                                f"{as_served:.2f} of it served as tvdbd is")  # fmt: skip
        for route, f in results.items():
            if "/episodes?" in route:
                ratio = f["off"]["rps"] / f["warm"]["rps"]
                check(ratio >= 0.25, f"{workers}w cache-off {route}: {ratio:.2f} of warm (>= 0.25)")
        for route, f in results.items():
            for mode in ("warm", "off", "gr warm", "gr off"):
                if mode not in f:
                    continue
                ratio = f[mode]["p99"] / f[mode]["p50"] if f[mode]["p50"] else float("inf")
                check(ratio <= 5, f"{workers}w {mode} {route}: p99/p50 {ratio:.1f} (<= 5)")
        record = next(iter(results.values()))["off c1"]
        for route, f in results.items():
            if route.startswith("/search/"):
                ratio = f["off c1"]["p50"] / record["p50"]
                check(ratio <= 2, f"{workers}w off c1 {route}: p50 {ratio:.2f} x the series "
                                  f"record's (<= 2 for a one-hit search)")  # fmt: skip
                for mode in ("warm", "off", "off c1"):
                    p99 = f[mode]["p99"]
                    check(p99 < 20, f"{workers}w {mode} {route}: p99 {p99:.1f} ms (< 20 ms)")
        most = max(mb for pids in memory[workers].values() for mb in pids)
        check(most < 300, f"{workers}w largest worker RSS {most:.0f} MB (< 300 MB)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--catalogue", type=Path, help="import this bundle instead of the demo")
    parser.add_argument(
        "--imported",
        action="store_true",
        help="--database-url already holds --catalogue: take the routes from it, skip the import",
    )
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk before each run")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--granian",
        action="store_true",
        help="also measure tvdbd (warm, off) and the minimal ASGI app under granian",
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install {tool}")
    if args.granian and importlib.util.find_spec("granian") is None:
        # Measured, not used by tvdbd: not a dependency (docs/performance.md).
        sys.exit("--granian needs granian: .venv/bin/pip install granian==2.8.7")

    work = Path(tempfile.mkdtemp(prefix="tvdbd-bench-"))
    work.chmod(0o755)  # nginx workers run as another user
    # Read-through off: a benchmark never asks a live source (a server without a key would
    # read through TVmaze).
    env = {**os.environ, "TVDBD_DATA_DIR": str(work), "PYTHONPATH": str(ROOT),
           "TVDBD_READ_THROUGH": "off"}  # fmt: skip
    if args.database_url:
        env["TVDBD_DATABASE_URL"] = args.database_url
    elif args.imported:
        parser.error("--imported needs --database-url")
    try:
        routes = DEMO_ROUTES
        if args.catalogue:
            env["TVDBD_LOAD_DEMO"] = "0"
            if not args.imported:
                print(f"importing {args.catalogue} ...", file=sys.stderr, flush=True)
                subprocess.run(
                    [sys.executable, "-m", "tvdbd", "import", str(args.catalogue)],
                    env=env, check=True, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            routes = catalogue_routes(args.catalogue)
        all_results, memory, bodies = {}, {}, {}
        for workers in dict.fromkeys(args.workers):
            all_results[workers], memory[workers] = run_workers(
                args, env, routes, work, workers, bodies
            )
        if args.json:  # first, so the figures survive a failure in the report
            args.json.write_text(json.dumps({"results": all_results, "memory": memory}, indent=1))
        lines = report(all_results, memory, bodies, args.connections)
        lines += targets(all_results, memory)
        print("\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
