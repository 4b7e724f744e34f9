"""The docs page in a real browser (Debian's headless Chromium, driven by Playwright).

With every request that does not go to the test server blocked (and the test failing if any
was attempted), a person's path through the page: log in with "Try it out" on POST /login,
paste the token into "JWT Token", press "Add Token", run "Try it out" on GET /series/{id}
with 76156 and see a 200 with "Scrubs". A screenshot lands in test-artifacts/docs-page.png.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
# Swagger UI's table of the answer to "Execute".
LIVE_STATUS = ".live-responses-table tbody .response-col_status"
LIVE_BODY = ".live-responses-table tbody .response-col_description .microlight"


@pytest.fixture(scope="module")
def page_server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo catalogue on SQLite: the page is the same whatever the database."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    url, engine = databases.new_engine("sqlite")
    report = import_file(engine, DEMO_BUNDLE)
    assert report.ok, report.errors
    engine.dispose()
    server = LiveServer(url, Path(tmp_path_factory.mktemp("docs-page")))
    yield server.base_url
    server.stop()


def test_a_person_logs_in_adds_the_token_and_tries_get_series(
    page_server: str, artifacts: Path
) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    base = page_server
    outside: list[str] = []
    seen: list[str] = []
    page_errors: list[str] = []
    series_requests: list[dict[str, str]] = []

    def only_this_server(route: Route) -> None:
        url = route.request.url
        if url == base or url.startswith(base + "/"):
            seen.append(url)
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_this_server)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    page_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on(
                "request",
                lambda request: (
                    series_requests.append(request.headers)
                    if request.url == f"{base}/series/76156"
                    else None
                ),
            )
            page.goto(f"{base}/")
            # The v3 movie routes have their own section.
            expect(page.locator("#operations-Movies-getMoviesId")).to_be_visible()
            expect(page.locator("#operations-Movies-getMovieupdates")).to_be_visible()

            # 1. POST /login with "Try it out".
            login = page.locator("#operations-Authentication-postLogin")
            login.locator(".opblock-summary").click()
            login.get_by_role("button", name="Try it out").click()
            login.locator("textarea.body-param__text").fill('{"apikey": "browser-test"}')
            login.get_by_role("button", name="Execute").click()
            expect(login.locator(LIVE_STATUS)).to_have_text("200", timeout=TIMEOUT_MS)
            shown = login.locator(LIVE_BODY).first
            token = json.loads(shown.inner_text())["token"]

            # 2. Paste it into "JWT Token" (the page offers it there already) and press
            # "Add Token".
            field = page.get_by_label("JWT Token")
            expect(field).to_have_value(token, timeout=TIMEOUT_MS)
            field.fill(token)
            page.get_by_role("button", name="Add Token").click()
            expect(page.locator("#token-status")).to_contain_text("Token added", timeout=TIMEOUT_MS)

            # 3. GET /series/{id} with 76156.
            series = page.locator("#operations-Series-getSeriesId")
            series.locator(".opblock-summary").click()
            series.get_by_role("button", name="Try it out").click()
            series.locator('tr[data-param-name="id"] input').fill("76156")
            series.get_by_role("button", name="Execute").click()
            expect(series.locator(LIVE_STATUS)).to_have_text("200", timeout=TIMEOUT_MS)
            body = series.locator(LIVE_BODY).first
            expect(body).to_contain_text('"seriesName": "Scrubs"', timeout=TIMEOUT_MS)
            # The bar with the token is sticky: it shows above the answer.
            series.locator(".live-responses-table tbody").scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -330)")
            page.screenshot(path=str(artifacts / "docs-page.png"))
        finally:
            browser.close()

    print(f"\nscreenshot: {artifacts / 'docs-page.png'}")
    assert not outside, f"the page tried to reach other hosts: {outside}"
    # Every request went through the filter: the page, Swagger UI and the document included.
    for path in ("/", "/swagger/swagger-ui-bundle.js", "/openapi.json", "/login"):
        assert base + path in seen, (path, seen)
    assert series_requests, "Try it out sent no request to GET /series/76156"
    assert series_requests[-1].get("authorization") == f"Bearer {token}"
    assert not page_errors, page_errors
