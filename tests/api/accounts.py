"""User accounts for the /user tests: writable demo servers, the `tvdbd user` CLI, user logins."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.cli import main
from tvdbd.db import users

APIKEY = "test-key"
_engines: dict[str, Engine] = {}


@contextmanager
def writable_demo_server(
    backend: str, databases: Databases, data_dir: Path
) -> Iterator[LiveServer]:
    """A live server on a database of its own with the demo catalogue, free to be changed."""
    url, engine = databases.new_engine(backend)
    report = import_file(engine, DEMO_BUNDLE)
    assert report.ok, report.errors
    server = LiveServer(url, data_dir)
    _engines[url] = engine
    try:
        yield server
    finally:
        server.stop()
        _engines.pop(url).dispose()


def tvdbd(server: LiveServer, *args: str) -> Result:
    """`tvdbd <args>` on the server's database."""
    return tvdbd_on(server.database_url, server.log_path.parent, *args)


def tvdbd_on(database_url: str, data_dir: Path, *args: str) -> Result:
    """`tvdbd <args>` on a database (in-process: a real process takes a second to start)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("TVDBD_")}
    options = ["--data-dir", str(data_dir), "--database-url", database_url]
    result = CliRunner().invoke(main, [*options, *args], env=env)
    gc.collect()  # the command's engine and its pooled connections go now, not later
    return result


def tvdbd_ok(server: LiveServer, *args: str) -> str:
    result = tvdbd(server, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def login(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.base_url}/login", json=body, timeout=10)


@dataclass
class Account:
    """A user made with `tvdbd user create`, logged in."""

    server: LiveServer
    name: str
    key: str
    token: str

    def client(self, **headers: str) -> httpx.Client:
        return self.server.client(token=self.token, **headers)

    def login(self, key: str | None = None) -> httpx.Response:
        return login(
            self.server, {"apikey": APIKEY, "username": self.name, "userkey": key or self.key}
        )


def create_account(server: LiveServer, prefix: str = "user") -> Account:
    """A new logged-in user, made by the function behind `tvdbd user create` (the CLI itself
    takes half a second per call; tests of the command use `tvdbd`)."""
    name = unique_name(prefix)
    with _engines[server.database_url].begin() as conn:
        key = users.create_user(conn, name)
    return log_in(server, name, key)


def log_in(server: LiveServer, name: str, key: str) -> Account:
    response = login(server, {"apikey": APIKEY, "username": name, "userkey": key})
    assert response.status_code == 200, response.text
    return Account(server, name, key, response.json()["token"])


def engine_of(server: LiveServer) -> Engine:
    """A direct connection to the database of a `writable_demo_server`, to look at rows."""
    return _engines[server.database_url]


# --- site ratings, computed apart from the server ------------------------------------------


def combined(
    imported_average: float | None, imported_count: int | None, ratings: list[int]
) -> tuple[int | float, int]:
    """(average, count) of the imported figures together with users' ratings.

    The imported average stands for `imported_count` ratings; the result has one decimal and
    is an int when whole (`9`, not `9.0`). Exact arithmetic; a value half-way between two
    decimals is refused so that a test never depends on how a tie is rounded.
    """
    count = (imported_count or 0) + len(ratings)
    if count == 0:
        return 0, 0
    exact = (Fraction(str(imported_average or 0)) * (imported_count or 0) + sum(ratings)) / count
    tenths = exact * 10
    assert tenths.denominator != 2, f"{float(exact)} is a tie: pick other ratings"
    rounded = Fraction(round(tenths), 10)
    if rounded.denominator == 1:
        return int(rounded), count
    return float(rounded), count
