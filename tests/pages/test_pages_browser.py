"""The pages in a real browser: Debian's headless Chromium driven by Playwright (as
tests/web/test_docs_browser.py does), every request to another host blocked and failing.

A person searches, opens a series, signs in, adds a favorite that the API then lists, and
removes it; an operator creates an API key that logs in and revokes it so it no longer
does; a person without the admin role gets 403. Screenshots of the search, series, episode
and operator pages at desktop (1280) and phone (390) width go to test-artifacts/, and
axe-core (tests/pages/package.json) finds no serious or critical violation on any page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pages.conftest import Site, make_site
from tests.support import Databases
from tests.web.test_docs_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCRUBS = 76156
SCRUBS_PILOT = 184602
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# What axe-core reports as worth failing for (it ranks minor, moderate, serious, critical).
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser_site(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """SQLite with the demo's placeholder artwork: the pages are the same on either database."""
    for needed, what in ((CHROMIUM, "apt-get install chromium"), (AXE, "npm ci in tests/pages")):
        if not needed.exists():
            if os.environ.get("CI"):
                pytest.fail(f"{needed} is missing: scripts/test installs it ({what})")
            pytest.skip(f"{needed} is missing ({what})")
    made = make_site(
        "sqlite", databases, Path(tmp_path_factory.mktemp("pages-browser")), images=True
    )
    yield made
    made.server.stop()


class Chromium:
    """One browser for the module; a fresh context (cookies) per person."""

    def __init__(self, base: str):
        from playwright.sync_api import sync_playwright

        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.missing: list[str] = []
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )

    def person(self, width: str = "desktop") -> Any:
        """A new page in a new context; axe is injected past the pages' strict CSP."""
        w, h = WIDTHS[width]
        context = self.browser.new_context(viewport={"width": w, "height": h}, bypass_csp=True)
        context.route("**/*", self._only_this_server)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._note_failure)
        page.on(
            "console",
            lambda message: (
                self.errors.append(message.text)
                if message.type == "error" and "Failed to load resource" not in message.text
                else None
            ),
        )
        return page

    def _note_failure(self, response: Any) -> None:
        """A file a page refers to that the server does not have (pages may answer 4xx)."""
        if response.status >= 400 and response.request.resource_type != "document":
            self.missing.append(f"{response.status} {response.url}")

    def _only_this_server(self, route: Any) -> None:
        url = route.request.url
        if url == self.base or url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()


@pytest.fixture(scope="module")
def chromium(browser_site: Site) -> Iterator[Chromium]:
    browser = Chromium(browser_site.base_url)
    yield browser
    browser.close()
    assert not browser.outside, f"the pages tried to reach other hosts: {browser.outside}"
    assert not browser.missing, f"files the pages refer to are missing: {browser.missing}"


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return found


def _check_accessibility(page: Any, where: str, problems: list[str]) -> None:
    for violation in _axe_violations(page):
        if violation["impact"] in FAILING_IMPACTS:
            problems.append(f"{where}: {violation}")


def _sign_in(page: Any, site: Site, base: str, username: str) -> None:
    page.goto(f"{base}/pages/signin")
    page.get_by_label("User name").fill(username)
    page.get_by_label("User key").fill(site.keys[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_person_finds_a_series_signs_in_and_keeps_a_favorite_the_api_lists(
    browser_site: Site, chromium: Chromium
) -> None:
    from playwright.sync_api import expect

    site, base = browser_site, browser_site.base_url
    page = chromium.person()
    page.goto(f"{base}/pages/")
    search = page.get_by_role("main").get_by_label("Series name")
    search.fill("scrubs")
    search.press("Enter")  # the keyboard, as a person would
    expect(page.get_by_role("heading", level=1)).to_contain_text("scrubs")
    page.get_by_role("link", name="Scrubs", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrubs")
    expect(page.get_by_text("to keep favorites and rate")).to_be_visible()

    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("User name").fill("alice")
    page.get_by_label("User key").fill(site.keys["alice"])
    page.get_by_role("button", name="Sign in").click()
    # Back on the series, signed in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrubs")
    expect(page.get_by_role("status")).to_contain_text("Signed in as alice")
    page.get_by_role("button", name="Add to favorites").click()
    expect(page.get_by_role("button", name=re.compile("In your favorites"))).to_be_visible()

    with site.api("alice") as api:
        assert api.get("/user/favorites").json()["data"]["favorites"] == [str(SCRUBS)]
        page.get_by_role("button", name=re.compile("In your favorites")).click()
        expect(page.get_by_role("button", name="Add to favorites")).to_be_visible()
        assert api.get("/user/favorites").json()["data"]["favorites"] == []
    page.context.close()
    assert not chromium.errors, chromium.errors


def test_an_operator_creates_a_key_the_api_honours_and_revokes_it(
    browser_site: Site, chromium: Chromium, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    site, base = browser_site, browser_site.base_url
    page = chromium.person()
    _sign_in(page, site, base, "boss")
    page.get_by_role("link", name="Operator").click()
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name of a new key").fill("living-room")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").inner_text().strip()
    page.screenshot(path=str(artifacts / "pages-operator-key-created-desktop.png"))
    assert re.fullmatch(r"[0-9A-F]{32}", key)
    assert httpx.post(f"{base}/login", json={"apikey": key}, timeout=10).status_code == 200

    page.on("dialog", lambda dialog: dialog.accept())  # "Revoke this key?"
    page.get_by_role("button", name="Revoke living-room").click()
    expect(page.get_by_role("status")).to_contain_text("can no longer log in")
    assert httpx.post(f"{base}/login", json={"apikey": key}, timeout=10).status_code == 401
    page.context.close()
    assert not chromium.errors, chromium.errors


def test_a_person_without_the_admin_role_gets_403(browser_site: Site, chromium: Chromium) -> None:
    from playwright.sync_api import expect

    page = chromium.person()
    _sign_in(page, browser_site, browser_site.base_url, "alice")
    expect(page.get_by_role("link", name="Operator")).to_have_count(0)
    response = page.goto(f"{browser_site.base_url}/pages/admin/keys")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for this account")
    page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_and_no_serious_accessibility_violations(
    browser_site: Site, chromium: Chromium, artifacts: Path, width: str
) -> None:
    site, base = browser_site, browser_site.base_url
    problems: list[str] = []
    shots = {
        "search": "/pages/?q=fire",
        "series": f"/pages/series/{SCRUBS}",
        "episode": f"/pages/episodes/{SCRUBS_PILOT}",
    }
    page = chromium.person(width)
    for name, path in shots.items():
        page.goto(base + path, wait_until="networkidle")
        page.screenshot(path=str(artifacts / f"pages-{name}-{width}.png"))
        _check_accessibility(page, f"{name} (signed out, {width})", problems)
    # The series page further down: episodes, actors, artwork.
    page.goto(base + shots["series"], wait_until="networkidle")
    for section in ("episodes", "actors", "gallery"):
        page.evaluate(f"document.getElementById('{section}-heading').scrollIntoView()")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(700)  # lazy images scrolled into view load, then draw
        page.screenshot(path=str(artifacts / f"pages-series-{section}-{width}.png"))
    _sign_in(page, site, base, "boss")
    signed_in = {
        "series-signed-in": f"/pages/series/{SCRUBS}",
        "episode-signed-in": f"/pages/episodes/{SCRUBS_PILOT}",
        "me": "/pages/me",
        "operator": "/pages/admin/",
        "operator-changes": "/pages/admin/changes?window=week",
        "operator-keys": "/pages/admin/keys",
        "operator-users": "/pages/admin/users",
    }
    for name, path in signed_in.items():
        page.goto(base + path, wait_until="networkidle")
        if name.startswith("operator") or name.endswith("signed-in"):
            page.screenshot(path=str(artifacts / f"pages-{name}-{width}.png"))
        _check_accessibility(page, f"{name} ({width})", problems)
    for path in ("/pages/signin", "/pages/series/1"):
        page.goto(base + path)
        _check_accessibility(page, f"{path} ({width})", problems)
    # Nothing is wider than the screen (no sideways scrolling at phone width).
    for path in shots.values():
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    page.context.close()
    print(f"\nscreenshots: {artifacts}/pages-*-{width}.png")
    assert not problems, "\n".join(problems)


EDIT_PAGES = {
    "edit-series": f"/pages/series/{SCRUBS}/edit",
    "edit-series-de": f"/pages/series/{SCRUBS}/edit?language=de",
    "edit-episode": f"/pages/episodes/{SCRUBS_PILOT}/edit",
    "edit-add-episode": f"/pages/series/{SCRUBS}/episodes/add",
    "edit-actors": f"/pages/series/{SCRUBS}/actors",
    "edit-artwork": f"/pages/series/{SCRUBS}/artwork",
    "edit-history": f"/pages/series/{SCRUBS}/history",
    "edit-episode-history": f"/pages/episodes/{SCRUBS_PILOT}/history",
    "edit-locks": f"/pages/series/{SCRUBS}/locks",
    "edit-recent": "/pages/edits",
}


@pytest.fixture(scope="module")
def edited(browser_site: Site) -> int:
    """A few edits of Scrubs (by the CLI's way in), so that history and locks show rows;
    the revision of the first."""
    from tvdbd.db.engine import make_engine
    from tvdbd.edits.changes import Editor, Lock, SetField, apply_changes

    engine = make_engine(browser_site.server.database_url)
    try:
        first = apply_changes(
            engine,
            Editor("boss", "cli"),
            SCRUBS,
            [SetField("series", SCRUBS, "airsTime", "9:00 PM"), Lock("series", SCRUBS, "network")],
            comment="the time it moved to",
        )
        apply_changes(
            engine,
            Editor("ed", "pages"),
            SCRUBS,
            [SetField("episode", SCRUBS_PILOT, "guestStars", ["A Guest", "Another Guest"])],
        )
        apply_changes(
            engine, Editor("ed", "pages"), SCRUBS, [SetField("series", SCRUBS, "airsTime", "9 PM")]
        )
    finally:
        engine.dispose()
    return first.revisions[0].id


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_edit_pages_look_right_and_have_no_serious_accessibility_violations(
    browser_site: Site, chromium: Chromium, artifacts: Path, width: str, edited: int
) -> None:
    from playwright.sync_api import expect

    site, base = browser_site, browser_site.base_url
    problems: list[str] = []
    page = chromium.person(width)
    _sign_in(page, site, base, "ed")
    for name, path in EDIT_PAGES.items():
        page.goto(base + path, wait_until="networkidle")
        # The whole page where it is short; long ones (every field, all artwork) as seen.
        whole = name in ("edit-add-episode", "edit-locks", "edit-recent", "edit-history")
        page.screenshot(path=str(artifacts / f"pages-{name}-{width}.png"), full_page=whole)
        _check_accessibility(page, f"{name} ({width})", problems)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
    # A bad value: 400 on the form, the field named and marked, the text kept.
    page.goto(base + EDIT_PAGES["edit-episode"])
    page.get_by_role("textbox", name="Aired season", exact=True).fill("one")
    page.get_by_role("button", name="Save changes").first.click()
    expect(page.get_by_role("alert")).to_contain_text("field airedSeason")
    expect(page.get_by_role("textbox", name="Aired season", exact=True)).to_have_value("one")
    page.screenshot(path=str(artifacts / f"pages-edit-invalid-{width}.png"))
    _check_accessibility(page, f"invalid episode form ({width})", problems)
    # A revert of a field changed again since: 409, the current value, "revert anyway".
    page.goto(base + EDIT_PAGES["edit-history"])
    page.get_by_role("button", name=f"Revert revision {edited}", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("9 PM")
    expect(page.get_by_role("button", name="Revert anyway")).to_be_visible()
    page.screenshot(path=str(artifacts / f"pages-edit-revert-conflict-{width}.png"))
    _check_accessibility(page, f"revert conflict ({width})", problems)
    page.context.close()
    assert not chromium.errors, chromium.errors
    assert not problems, "\n".join(problems)
