"""Live servers for the route tests: the demo (tests/conftest.py) and the tiny catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api import tiny
from tests.support import Databases, LiveServer, import_bundles


@pytest.fixture(scope="session")
def tiny_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server on `backend` with tests/api/tiny.py's catalogue. Tests must not change it."""
    url, engine = databases.new_engine(backend)
    report = import_bundles(engine, tiny.bundles())
    assert report.ok, report.errors
    engine.dispose()
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"tiny-{backend}")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_negotiating_api(
    tiny_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """A client of a second server on the tiny catalogue with `accept_version_negotiation` on."""
    server = LiveServer(
        tiny_server.database_url,
        Path(tmp_path_factory.mktemp("tiny-negotiating")),
        TVDBD_ACCEPT_VERSION_NEGOTIATION="on",
    )
    try:
        with server.client() as client:
            yield client
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _demo_client(demo_server: LiveServer) -> Iterator[httpx.Client]:
    with demo_server.client() as client:
        yield client


@pytest.fixture(scope="session")
def _tiny_client(tiny_server: LiveServer) -> Iterator[httpx.Client]:
    with tiny_server.client() as client:
        yield client


@pytest.fixture
def api(_demo_client: httpx.Client) -> httpx.Client:
    """An authenticated client of the demo server, shared by the route tests (keep-alive).

    Tests pass headers per request and never change the client.
    """
    return _demo_client


@pytest.fixture
def tiny_api(_tiny_client: httpx.Client) -> httpx.Client:
    """An authenticated client of the tiny-catalogue server, shared like `api`."""
    return _tiny_client
