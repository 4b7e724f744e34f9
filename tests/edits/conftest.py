"""Fresh databases with the tiny catalogue's German show, on SQLite and PostgreSQL, and the
fixture servers of the live sources (tests/sources)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.api import tiny
from tests.sources.fixture_server import FixtureServer
from tests.sources.tvmaze_fixtures import tvmaze_server
from tests.sources.v4_fixtures import v4_server
from tests.support import Databases, import_bundles


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    """A database of its own holding tiny's German show (original de; en, fr, es)."""
    _, engine = databases.new_engine(backend)
    assert import_bundles(engine, [tiny.german_show()]).ok
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
