"""A series nobody imported, read through from TheTVDB v4 (the tests' fixture server) when a
person opens its page, with its source and attribution shown; and a server error shown as a
page, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.pages.conftest import Site
from tests.sources.fixture_server import FixtureServer
from tests.sources.test_read_through import v4_env
from tests.sources.v4_fixtures import v4_server
from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.app import create_app
from tvdbd.bundles.importer import import_file
from tvdbd.db import users
from tvdbd.db.engine import make_engine
from tvdbd.settings import Settings
from tvdbd.sources.tvdb_v4.mapping import ATTRIBUTION

SCRUBS = 76156


@pytest.fixture
def reading_site(
    backend: str, databases: Databases, tmp_path: Path
) -> Iterator[tuple[Site, FixtureServer]]:
    """An empty catalogue that reads through from the v4 fixture server, and an admin."""
    v4 = v4_server()
    url, engine = databases.new_engine(backend)
    with engine.begin() as conn:
        key = users.create_user(conn, "boss", role="admin")
    engine.dispose()
    server = LiveServer(url, tmp_path / "server", **v4_env(v4))
    yield Site(server, {"boss": key}, ""), v4
    server.stop()
    v4.stop()


def test_a_series_page_reads_through_and_credits_its_source(
    reading_site: tuple[Site, FixtureServer],
) -> None:
    site, v4 = reading_site
    person = site.browser()
    try:
        response = person.get(f"/pages/series/{SCRUBS}")
        assert response.status_code == 200
        html = response.text
        assert "<h1>Scrubs</h1>" in html
        assert "Fetched from <strong>TheTVDB (API v4)</strong>" in html
        assert re.sub(r"\s+", " ", ATTRIBUTION.split(".")[0]) in re.sub(r"\s+", " ", html)
        assert len(v4.requests_to(f"/series/{SCRUBS}/extended")) == 1
        # Stored now: the next page is from the catalogue, the source is not asked again.
        assert person.get(f"/pages/series/{SCRUBS}").status_code == 200
        assert len(v4.requests_to(f"/series/{SCRUBS}/extended")) == 1
        person.sign_in(site, "boss")
        overview = re.sub(r"<[^>]+>", " ", person.get("/pages/admin/").text)
        assert re.search(r"TheTVDB \(API v4\)\s+1\s", overview)
        assert "tvdb-v4: a series nobody imported is fetched" in overview
    finally:
        person.close()


def test_a_server_error_is_a_page_with_no_traceback(databases: Databases, tmp_path: Path) -> None:
    """A real database in a broken state (a table gone) makes the series page fail."""
    url, engine = databases.new_engine("sqlite")
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE series_sources"))
    app = create_app(
        Settings(data_dir=tmp_path, database_url=url, read_through="off"), make_engine(url)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"/pages/series/{SCRUBS}")
        assert client.get("/pages/").status_code == 200  # the rest still works
    engine.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Something went wrong</h1>" in response.text
    assert "Traceback" not in response.text and "series_sources" not in response.text
