"""Helpers for serve_bench.py: ports, processes, wrk, nginx and the routes of a catalogue."""

from __future__ import annotations

import gzip
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

EPISODES_PAGE_SIZE = 100  # tvdbd.records.episode.PAGE_SIZE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, duration: float, connections: int, token: str | None) -> dict[str, float]:
    """One wrk run (one thread: the machine has two cores); rps and p50/p99 in ms."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        default_type application/json;
    }}
}}
"""


def start_nginx(root: Path, work: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """Debian's nginx as a child process with its own config (the system service untouched)."""
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=workers, work=work, port=port, root=root))
    return subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(work), "-e", str(work / "nginx-error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(status.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(server_pid: int, workers: int) -> list[int]:
    """uvicorn serves in its own process with one worker, in spawned children with more."""
    if workers == 1:
        return [server_pid]
    pids = []
    for pid in descendants(server_pid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"spawn_main" in cmdline or b"tvdbd" in cmdline:
            pids.append(pid)
    return pids


def catalogue_routes(path: Path) -> list[str]:
    """Routes that exercise a generated catalogue: its longest series, a mid page of it, its
    middle episode, searches for a word of its name, that word's first two letters and its
    whole name, and the updates around its last change."""
    best: dict[str, Any] = {"episodes": []}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line in handle:
            bundle = orjson.loads(line)
            if len(bundle.get("episodes", ())) > len(best["episodes"]):
                best = bundle
    series, episodes = best["series"], best["episodes"]
    pages = -(-len(episodes) // EPISODES_PAGE_SIZE)
    word = next(w for w in re.split(r"\W+", series["seriesName"]) if w).lower()
    return [
        f"/series/{series['id']}",
        f"/series/{series['id']}/episodes?page={max(1, pages // 2)}",
        f"/episodes/{episodes[len(episodes) // 2]['id']}",
        f"/search/series?name={word}",
        f"/search/series?name={word[:2]}",
        f"/search/series?name={quote(series['seriesName'])}",
        f"/updated/query?fromTime={int(series['lastUpdated']) - 3 * 24 * 3600}",
    ]
