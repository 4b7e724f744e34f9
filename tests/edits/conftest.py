"""Fresh databases with the tiny catalogue's German show, on SQLite and PostgreSQL, and the
fixture servers of the live sources (tests/sources)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.api import tiny

# The live sources' fixture servers, as tests/sources has them.
from tests.sources.conftest import tvmaze, v4  # noqa: F401
from tests.support import Databases, import_bundles


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    """A database of its own holding tiny's German show (original de; en, fr, es)."""
    _, engine = databases.new_engine(backend)
    assert import_bundles(engine, [tiny.german_show()]).ok
    yield engine
    engine.dispose()
