"""Requests per second of tvdbd routes against a minimal-ASGI baseline, measured with wrk.

    .venv/bin/python bench/serve_bench.py [--duration 10] [--connections 64]
        [--database-url postgresql://postgres@127.0.0.1/test]

Loads the demo catalogue into a fresh database, starts `tvdbd serve` (one worker) and the
baseline app (same server, same response bytes, no auth), runs wrk against each in turn and
prints each figure as a ratio to the baseline measured in the same run (this machine is
shared and noisy, so only same-run ratios mean anything).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ROUTES = [
    "/series/76156",
    "/series/76156/episodes?page=1",
    "/episodes/184602",
    "/search/series?name=scrubs",
    "/updated/query?fromTime=1590000000",
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, duration: int, connections: int, token: str | None) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": percentile("50"), "p99": percentile("99")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="tvdbd-bench-"))
    env = {**os.environ, "TVDBD_DATA_DIR": str(work)}
    if args.database_url:
        env["TVDBD_DATABASE_URL"] = args.database_url
    python = sys.executable
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "tvdbd", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    processes = [server]
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/languages")
        token = httpx.post(base + "/login", json={"apikey": "bench"}).json()["token"]
        print(f"{'route':40} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'base rps':>9} {'ratio':>6}")
        for route in ROUTES:
            body = httpx.get(base + route, headers={"Authorization": f"Bearer {token}"}).content
            body_file = work / "body.json"
            body_file.write_bytes(body)
            baseline_port = free_port()
            baseline = subprocess.Popen(
                [python, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(baseline_port),
                 "--log-level", "warning", "--no-access-log"],
                env={**env, "BASELINE_BODY_FILE": str(body_file)}, cwd=ROOT,
            )  # fmt: skip
            processes.append(baseline)
            wait_for(f"http://127.0.0.1:{baseline_port}/")
            ours = wrk(base + route, args.duration, args.connections, token)
            theirs = wrk(
                f"http://127.0.0.1:{baseline_port}/", args.duration, args.connections, None
            )
            baseline.terminate()
            baseline.wait()
            print(
                f"{route:40} {ours['rps']:8.0f} {ours['p50']:8.2f} {ours['p99']:8.2f} "
                f"{theirs['rps']:9.0f} {ours['rps'] / theirs['rps']:6.3f}  ({len(body)} bytes)"
            )
    finally:
        for process in processes:
            process.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
