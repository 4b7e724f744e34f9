"""Fixtures for the v1 tests: a plain HTTP client of the demo server (v1 needs no token)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import LiveServer


@pytest.fixture
def v1(demo_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.base_url + "/api", timeout=30) as client:
        yield client
