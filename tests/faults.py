"""Dependencies a test may stop, kill and restart: a throwaway PostgreSQL cluster and a
throwaway Redis, each on a free port in a temporary folder of its own.

Never the shared PostgreSQL (5432) or Redis (6379): other tests run on them at the same time.
One cluster per session (`initdb` takes a few seconds); each test gets its own database in it.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text

from tests.support import free_port
from tvdbd.db.engine import make_engine


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own (as the `postgres` OS user when we are root)."""

    def __init__(self) -> None:
        bin_dir = _postgres_bin()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="tvdbd-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")  # fmt: skip
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "-t", "30", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def kill(self) -> None:
        """kill -9 of the postmaster (and so, within moments, of every backend)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # Backends notice the postmaster is gone; wait until none answers, then clean up.
        time.sleep(0.5)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def new_database(self) -> str:
        """A new empty database in the cluster; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = make_engine(self.admin_url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def terminate_backends(self, database_url: str) -> int:
        """pg_terminate_backend on every connection to that database but ours; how many."""
        name = database_url.rsplit("/", 1)[1]
        engine = make_engine(self.admin_url)
        with engine.connect() as conn:
            killed = conn.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            ).scalar_one()  # fmt: skip
        engine.dispose()
        return int(killed)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    """A `redis-server` of our own without persistence; stop() and start() keep its port."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("no redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def statuses(base_url: str, paths: list[str], token: str, rounds: int = 1) -> list[int]:
    """Status codes of GETs, each on a fresh connection, with a bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    found = []
    for _ in range(rounds):
        for path in paths:
            try:
                found.append(httpx.get(base_url + path, headers=headers, timeout=10).status_code)
            except httpx.TransportError:
                found.append(0)
    return found
