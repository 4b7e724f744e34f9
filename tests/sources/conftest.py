"""Fixture servers for the live sources, and fresh databases per test on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.sources.fixture_server import FixtureServer
from tests.sources.tvmaze_fixtures import tvmaze_server
from tests.sources.v4_fixtures import v4_server
from tests.support import Databases


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    yield engine
    engine.dispose()


@pytest.fixture
def v4() -> Iterator[FixtureServer]:
    """A fixture server answering as TheTVDB v4 (its key is `test-v4-key`)."""
    server = v4_server()
    yield server
    server.stop()


@pytest.fixture
def tvmaze() -> Iterator[FixtureServer]:
    server = tvmaze_server()
    yield server
    server.stop()


@pytest.fixture
def blank() -> Iterator[FixtureServer]:
    """A fixture server with nothing canned: tests add answers and faults."""
    server = FixtureServer().start()
    yield server
    server.stop()
