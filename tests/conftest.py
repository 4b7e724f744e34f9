"""Fixtures: every test that takes `backend` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults import ThrowawayPostgres, ThrowawayRedis
from tests.support import BACKENDS, DEMO_BUNDLE, OFFLINE_ENV, Databases, LiveServer
from tvdbd.bundles.importer import import_file

# No test reaches the internet (tests.support.OFFLINE_ENV): every server and CLI run of the
# suite takes this environment. Apps built in-process pass `read_through="off"` to Settings
# themselves (tests/sources/test_default_read_through.py checks).
os.environ.update(OFFLINE_ENV)
os.environ.pop("TVDBD_TVDB_V4_API_KEY", None)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def demo_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server on `backend` with the shipped demo catalogue. Tests must not change it."""
    url, engine = databases.new_engine(backend)
    report = import_file(engine, DEMO_BUNDLE)
    assert report.ok, report.errors
    engine.dispose()
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"demo-{backend}")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def negotiating_server(
    demo_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A second live server on the demo server's database with `accept_version_negotiation`
    on: `Accept: application/vnd.thetvdb.v2...` gets the v2.2.0 shapes there."""
    server = LiveServer(
        demo_server.database_url,
        Path(tmp_path_factory.mktemp("negotiating")),
        TVDBD_ACCEPT_VERSION_NEGOTIATION="on",
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def negotiating_api(negotiating_server: LiveServer) -> Iterator[httpx.Client]:
    """An authenticated client of `negotiating_server`; tests pass headers per request."""
    with negotiating_server.client() as client:
        yield client


@pytest.fixture
def api(demo_server: LiveServer) -> Iterator[httpx.Client]:
    """An authenticated client of the demo server."""
    with demo_server.client() as client:
        yield client


@pytest.fixture(scope="session")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of the session's own, that tests may stop, kill and restart
    (tests/faults.py); never the shared one."""
    try:
        cluster = ThrowawayPostgres()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"no throwaway PostgreSQL cluster: {exc}")
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    """A redis-server of the session's own, that tests may stop and kill."""
    try:
        server = ThrowawayRedis()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"no throwaway Redis: {exc}")
    yield server
    server.stop()
