"""The edit flow in a real browser (Debian's headless Chromium, Playwright) against a real
server, on both backends: an editor signs in on the pages and corrects a series title; the
v2 API and the published client tvdb_api serve the new title; a `tvdbd sync` from the v4
fixture server whose title changed upstream keeps the local title, and the edit page then
shows what upstream says now. Screenshots go to test-artifacts/pages-edit-flow-*.png."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import tvdb_api
from sqlalchemy import Engine

from tests.pages.test_pages_browser import AXE, Chromium, _check_accessibility
from tests.sources.conftest import v4  # noqa: F401  (the v4 fixture server)
from tests.sources.fixture_server import FixtureServer
from tests.sources.test_sync import FIREFLY, entry, feed, fetch_into, run_sync
from tests.support import Databases, LiveServer
from tests.test_tvdb_api_client import RedirectingSession
from tests.web.test_docs_browser import CHROMIUM
from tvdbd.db import users

LOCAL_TITLE = "Firefly (2002)"
UPSTREAM_TITLE = "Firefly: The Series"


@dataclass
class Flow:
    engine: Engine
    server: LiveServer
    userkey: str


@pytest.fixture
def flow(
    backend: str,
    databases: Databases,
    v4: FixtureServer,  # noqa: F811
    tmp_path: Path,
) -> Iterator[Flow]:
    for needed in (CHROMIUM, AXE):
        if not needed.exists():
            pytest.skip(f"{needed} is missing (apt-get install chromium; npm ci in tests/pages)")
    url, engine = databases.new_engine(backend)
    fetch_into(engine, v4, FIREFLY, now=int(time.time()) - 100)
    with engine.begin() as conn:
        key = users.create_user(conn, "page-editor", role="editor")
    server = LiveServer(url, tmp_path / "server")
    yield Flow(engine, server, key)
    server.stop()
    engine.dispose()


def _upstream_renames(v4: FixtureServer, name: str) -> None:  # noqa: F811
    for canned in v4.canned:
        if canned.path == f"/series/{FIREFLY}/extended":
            record = canned.body["data"]
            record["name"] = name
            for item in (record.get("translations") or {}).get("nameTranslations") or []:
                if item.get("language") == "eng":
                    item["name"] = name


def _served_title(server: LiveServer) -> str:
    with server.client(**{"Accept-Language": "en"}) as api:
        title: str = api.get(f"/series/{FIREFLY}").json()["data"]["seriesName"]
    return title


def test_a_title_edited_on_the_page_is_served_to_clients_and_kept_against_a_sync(
    flow: Flow,
    v4: FixtureServer,  # noqa: F811
    tmp_path: Path,
    artifacts: Path,
    backend: str,
) -> None:
    from playwright.sync_api import expect

    base = flow.server.base_url
    chromium = Chromium(base)
    problems: list[str] = []
    try:
        page = chromium.person()
        page.goto(f"{base}/pages/series/{FIREFLY}")
        page.get_by_role("link", name="Sign in").first.click()
        page.get_by_label("User name").fill("page-editor")
        page.get_by_label("User key").fill(flow.userkey)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Firefly")

        page.get_by_role("navigation", name="Editing").get_by_role("link", name="Edit").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Edit Firefly")
        title = page.get_by_role("textbox", name=re.compile("^Series name"))
        expect(title).to_have_value("Firefly")
        title.fill(LOCAL_TITLE)
        page.get_by_label("Comment").fill("the year, as on the box")
        page.get_by_role("button", name="Save changes").first.click()
        expect(page.get_by_role("status")).to_contain_text("Saved the series: 1 change.")
        expect(title).to_have_value(LOCAL_TITLE)
        expect(page.locator(".field.locked")).to_have_count(1)

        assert _served_title(flow.server) == LOCAL_TITLE
        client = tvdb_api.Tvdb(apikey="client-test", cache=RedirectingSession(base))
        assert client[FIREFLY]["seriesName"] == LOCAL_TITLE

        _upstream_renames(v4, UPSTREAM_TITLE)
        feed(v4, {"series": [entry("series", FIREFLY, int(time.time()))], "episodes": []})
        # Playwright's sync API keeps an event loop in this thread: the sync gets its own.
        with ThreadPoolExecutor(1) as thread:
            report = thread.submit(run_sync, flow.engine, v4, tmp_path).result()
        assert report.refreshed == [FIREFLY], report
        assert _served_title(flow.server) == LOCAL_TITLE
        fresh = tvdb_api.Tvdb(apikey="client-test", cache=RedirectingSession(base))
        assert fresh[FIREFLY]["seriesName"] == LOCAL_TITLE

        page.reload()
        expect(title).to_have_value(LOCAL_TITLE)
        note = page.locator(".field.locked .lock-state")
        expect(note).to_contain_text(f"upstream now says {UPSTREAM_TITLE}")
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"pages-edit-flow-upstream-{backend}.png"))
        _check_accessibility(page, "edit page with a lock", problems)

        page.get_by_role("link", name="Locks").click()
        expect(page.locator("td.upstream")).to_have_text(UPSTREAM_TITLE)
        page.get_by_role("link", name="History").click()
        expect(page.locator("table.history tbody tr")).to_have_count(1)
        expect(page.locator("table.history")).to_contain_text("the year, as on the box")
        page.screenshot(path=str(artifacts / f"pages-edit-flow-history-{backend}.png"))
        _check_accessibility(page, "history", problems)
        page.context.close()
    finally:
        chromium.close()
    # (The fetched series' artwork files were never downloaded: their 404s are expected.)
    assert not chromium.outside, chromium.outside
    assert not chromium.errors, chromium.errors
    assert not problems, "\n".join(problems)
