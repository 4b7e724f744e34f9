"""A live server of its own for the tests that change data (the schemathesis run rates and
favorites as a user), with the demo catalogue and one user account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db import users

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class UserServer:
    server: LiveServer
    username: str
    userkey: str

    def user_token(self) -> str:
        response = httpx.post(
            f"{self.server.base_url}/login",
            json={"apikey": "docs-tests", "username": self.username, "userkey": self.userkey},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["token"])


@pytest.fixture(scope="module")
def user_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UserServer]:
    """The demo catalogue and the user `fuzzer`; tests may change it (module scope)."""
    url, engine = databases.new_engine(backend)
    report = import_file(engine, DEMO_BUNDLE)
    assert report.ok, report.errors
    with engine.begin() as conn:
        userkey = users.create_user(conn, "fuzzer")
    engine.dispose()
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"web-{backend}")))
    yield UserServer(server, "fuzzer", userkey)
    server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ under the repository (gitignored): screenshots and run summaries."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
