"""A fresh, migrated database per test, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support import Databases


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    yield engine
    engine.dispose()
