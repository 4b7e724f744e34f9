"""Test helpers: fresh databases on SQLite and PostgreSQL, and live server processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, text

from tvdbd.bundles.importer import ImportReport, import_lines
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TVDBD_SHARED_DIR", ROOT.parent / "shared"))
RECORDED = SHARED / "recorded-api"
DEMO_BUNDLE = ROOT / "tvdbd" / "data" / "demo-catalogue.jsonl"
POSTGRES_URL = os.environ.get(
    "TVDBD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = [b for b in os.environ.get("TVDBD_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
# No test reaches the internet, and tvdbd reads through TVmaze by default (no key needed):
# the suite's environment (tests/conftest.py) turns read-through off and sends every live
# source address to a closed loopback port. A test that runs tvdbd with an environment of
# its own starts from these too (a test turns a source on by naming a fixture server).
NOWHERE = "http://127.0.0.1:9/"
OFFLINE_ENV = {
    "TVDBD_READ_THROUGH": "off",
    "TVDBD_TVMAZE_URL": NOWHERE,
    "TVDBD_TVMAZE_IMAGE_URL": NOWHERE,
    "TVDBD_TVDB_V4_URL": NOWHERE,
    "TVDBD_TVDB_V4_ARTWORK_URL": NOWHERE,
}


class Databases:
    """Makes empty, migrated databases: SQLite files, or PostgreSQL schemas in the test db."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.schemas: list[str] = []

    def new_url(self, backend: str) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_dir / (name + '.sqlite3')}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {name}"))
        admin.dispose()
        self.schemas.append(name)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{name}"

    def new_engine(self, backend: str) -> tuple[str, Engine]:
        url = self.new_url(backend)
        engine = make_engine(url)
        upgrade(engine)
        return url, engine

    def drop_all(self) -> None:
        if not self.schemas:
            return
        admin = make_engine(POSTGRES_URL)
        # One transaction per schema: dropping them all at once needs a lock per table and
        # runs out of max_locks_per_transaction once the suite makes enough of them.
        for name in self.schemas:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        admin.dispose()


def import_bundles(
    engine: Engine, bundles: Iterable[dict[str, Any]], **kwargs: Any
) -> ImportReport:
    """Import bundle dicts through the real importer (as JSON lines)."""
    return import_lines(engine, (orjson.dumps(b) for b in bundles), **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real `tvdbd serve` process on a free port."""

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        *,
        workers: int = 1,
        args: tuple[str, ...] = (),
        **env: str | None,
    ):
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"server-{self.port}.log"
        # The suite sends thousands of requests and failed logins from 127.0.0.1 in a few
        # minutes: limits are off unless a test sets them (tests/api/test_limits.py does).
        # A variable given as None is not set at all (the setting's default applies).
        environment = {
            **os.environ,
            "TVDBD_RATE_LIMIT_PER_IP": "off",
            "TVDBD_LOGIN_FAILURES_PER_IP": "off",
            "TVDBD_LOGIN_FAILURES_PER_USER": "off",
            **{k: v for k, v in env.items() if v is not None},
        }
        for name in [k for k, v in env.items() if v is None]:
            environment.pop(name, None)
        environment.update(TVDBD_DATA_DIR=str(data_dir), TVDBD_DATABASE_URL=database_url)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tvdbd", "serve", "--no-demo", "--port", str(self.port),
             "--workers", str(workers), *args],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                httpx.post(f"{self.base_url}/login", json={"apikey": "probe"}, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()}")

    def token(self, apikey: str = "test-key") -> str:
        response = httpx.post(f"{self.base_url}/login", json={"apikey": apikey}, timeout=10)
        response.raise_for_status()
        return str(response.json()["token"])

    def client(self, *, token: str | None = None, **headers: str) -> httpx.Client:
        all_headers = {"Authorization": f"Bearer {token or self.token()}", **headers}
        return httpx.Client(base_url=self.base_url, headers=all_headers, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()
