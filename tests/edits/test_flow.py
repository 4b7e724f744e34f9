"""The whole way of an edited title: an editor changes it over the edit API, the v2 API and
tvdb_api serve it, and a `tvdbd sync` from the v4 fixture server whose title (and overview)
changed keeps the local title while the unlocked overview follows upstream."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import tvdb_api
from sqlalchemy import Engine

from tests.sources.fixture_server import FixtureServer
from tests.sources.test_sync import FIREFLY, entry, feed, fetch_into, run_sync
from tests.support import Databases, LiveServer
from tests.test_tvdb_api_client import RedirectingSession
from tvdbd.db import users


@pytest.fixture
def fetched(
    backend: str, databases: Databases, v4: FixtureServer, tmp_path: Path
) -> Iterator[tuple[Engine, LiveServer]]:
    url, engine = databases.new_engine(backend)
    fetch_into(engine, v4, FIREFLY, now=int(time.time()) - 100)
    server = LiveServer(url, tmp_path / "server")
    yield engine, server
    server.stop()
    engine.dispose()


def _upstream_renames(v4: FixtureServer, name: str, overview: str) -> None:
    for canned in v4.canned:
        if canned.path == f"/series/{FIREFLY}/extended":
            record = canned.body["data"]
            record["name"] = name
            block = record.get("translations") or {}
            for item in block.get("nameTranslations") or []:
                if item.get("language") == "eng":
                    item["name"] = name
            for item in block.get("overviewTranslations") or []:
                if item.get("language") == "eng":
                    item["overview"] = overview


def test_an_edited_title_is_served_to_clients_and_survives_a_sync(
    fetched: tuple[Engine, LiveServer], v4: FixtureServer, tmp_path: Path
) -> None:
    engine, server = fetched
    with engine.begin() as conn:
        key = users.create_user(conn, "editor-flow", role="editor")
    token = httpx.post(
        f"{server.base_url}/login",
        json={"apikey": "k", "username": "editor-flow", "userkey": key},
        timeout=10,
    ).json()["token"]
    api = server.client(**{"Accept-Language": "en"})
    before = api.get(f"/series/{FIREFLY}").json()["data"]
    assert before["seriesName"] == "Firefly"

    with server.client(token=token) as editor:
        response = editor.post(
            f"/edits/series/{FIREFLY}",
            json={
                "changes": [{"field": "seriesName", "value": "Firefly (2002)", "base": "Firefly"}]
            },
        )
    assert response.status_code == 200, response.text
    assert api.get(f"/series/{FIREFLY}").json()["data"]["seriesName"] == "Firefly (2002)"
    client = tvdb_api.Tvdb(apikey="client-test", cache=RedirectingSession(server.base_url))
    assert client[FIREFLY]["seriesName"] == "Firefly (2002)"

    _upstream_renames(v4, "Firefly: The Series", "A new overview from upstream.")
    feed(v4, {"series": [entry("series", FIREFLY, int(time.time()))], "episodes": []})
    report = run_sync(engine, v4, tmp_path)
    assert report.refreshed == [FIREFLY], report
    after = api.get(f"/series/{FIREFLY}").json()["data"]
    assert after["seriesName"] == "Firefly (2002)"
    assert after["overview"] == "A new overview from upstream."
    fresh = tvdb_api.Tvdb(apikey="client-test", cache=RedirectingSession(server.base_url))
    assert fresh[FIREFLY]["seriesName"] == "Firefly (2002)"
    with server.client(token=token) as editor:
        held = editor.get(f"/edits/series/{FIREFLY}/locks").json()["data"]
    assert [(lock["field"], lock["upstream"]) for lock in held] == [
        ("seriesName", "Firefly: The Series")
    ]
    api.close()
