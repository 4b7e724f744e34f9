"""The operator pages: 403 for everyone but admins, catalogue counts and live-source state,
recent changes as /updated/query has them, API keys and users (live server, both backends)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import insert

from tests.pages.conftest import API_KEY_NAME, Browser, Site
from tvdbd.db.engine import make_engine
from tvdbd.db.schema import source_checkpoints

OPERATOR_PAGES = [
    "/pages/admin/",
    "/pages/admin/changes",
    "/pages/admin/keys",
    "/pages/admin/users",
]


@pytest.mark.parametrize("who", [None, "alice", "ed"])
def test_the_operator_pages_are_403_for_everyone_but_admins(site: Site, who: str | None) -> None:
    person = site.browser()
    try:
        if who:
            person.sign_in(site, who)
        for path in OPERATOR_PAGES:
            response = person.get(path)
            assert response.status_code == 403, (who, path)
            assert "text/html" in response.headers["content-type"]
            assert "admin role" in response.text
        for path in ("/pages/admin/keys", "/pages/admin/users"):
            person.get("/pages/signin" if not who else "/pages/me")
            response = person.post(path, {"action": "create", "name": "intruder"})
            assert response.status_code == 403, (who, path)
        assert "Operator</a>" not in person.get("/pages/").text
    finally:
        person.close()
    admin = site.browser()
    try:
        admin.sign_in(site, "boss")
        assert "intruder" not in admin.get("/pages/admin/users").text
        assert "intruder" not in admin.get("/pages/admin/keys").text
    finally:
        admin.close()


def test_the_overview_shows_counts_sources_and_feeds(site: Site, browser: Browser) -> None:
    engine = make_engine(site.server.database_url)
    now = int(time.time())
    with engine.begin() as conn:
        conn.execute(
            insert(source_checkpoints).values(
                name="thetvdb-v4:updates", position=now - 3600, updated_at=now - 60
            )
        )
    engine.dispose()
    browser.sign_in(site, "boss")
    html = browser.get("/pages/admin/").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert re.search(r"Series \d+", text) and re.search(r"Episodes \d+", text)
    assert "Users 4" in text or re.search(r"Users \d+", text)
    assert "Read-through off" in text
    assert "thetvdb-v4:updates" in text
    lag = int(re.search(r"thetvdb-v4:updates \S+ \S+ \S+ ([\d,]+) s", text)[1].replace(",", ""))  # type: ignore[index]
    assert 3600 <= lag < 3700
    assert "does not keep source errors" in text


def test_recent_changes_are_what_updated_query_answers(site: Site, browser: Browser) -> None:
    browser.sign_in(site, "boss")
    html = browser.get("/pages/admin/changes?window=week").text
    from_time = int(re.search(r"fromTime=(\d+)", html)[1])  # type: ignore[index]
    with site.api() as api:
        response = api.get("/updated/query", params={"fromTime": from_time})
    answered = response.json().get("data") or [] if response.status_code == 200 else []
    shown = [int(i) for i in re.findall(r'<td><a href="/pages/series/(\d+)">', html)]
    assert sorted(shown) == sorted(item["id"] for item in answered)


def test_an_api_key_made_on_the_pages_is_shown_once_and_logs_in_until_revoked(
    site: Site, browser: Browser
) -> None:
    browser.sign_in(site, "boss")
    browser.get("/pages/admin/keys")
    response = browser.post("/pages/admin/keys", {"action": "create", "name": "media-center"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    key = re.search(r'<code class="shown-key" id="new-key">(\w+)</code>', response.text)[1]  # type: ignore[index]
    login = httpx.post(f"{site.base_url}/login", json={"apikey": key}, timeout=10)
    assert login.status_code == 200
    # Shown once: the list has its name, never the key.
    listing = browser.get("/pages/admin/keys").text
    assert "media-center" in listing and key not in listing
    # The same name twice is refused with a message.
    again = browser.post("/pages/admin/keys", {"action": "create", "name": "media-center"})
    assert again.status_code == 400 and "already exists" in again.text
    revoked = browser.post("/pages/admin/keys", {"action": "revoke", "name": "media-center"})
    assert revoked.status_code == 303
    assert "can no longer log in" in browser.get("/pages/admin/keys").text
    refused = httpx.post(f"{site.base_url}/login", json={"apikey": key}, timeout=10)
    assert refused.status_code == 401
    # The key the tests use is untouched.
    assert httpx.post(f"{site.base_url}/login", json={"apikey": site.api_key}).status_code == 200
    assert API_KEY_NAME in listing


def test_an_operator_creates_grants_resets_and_deletes_a_user(site: Site, browser: Browser) -> None:
    browser.sign_in(site, "boss")
    browser.get("/pages/admin/users")
    made = browser.post(
        "/pages/admin/users",
        {"action": "create", "name": "carol", "role": "user", "language": "fr"},
    )
    assert made.status_code == 200
    key = re.search(r'id="new-key">(\w+)<', made.text)[1]  # type: ignore[index]
    body = {"apikey": site.api_key, "username": "carol", "userkey": key}
    assert httpx.post(f"{site.base_url}/login", json=body).status_code == 200
    carol = site.browser()
    try:
        carol.get("/pages/signin")
        carol.post("/pages/signin", {"username": "carol", "userkey": key})
        assert "(carol)" in carol.get("/pages/").text
        assert carol.get("/pages/admin/").status_code == 403

        granted = browser.post(
            "/pages/admin/users", {"action": "grant", "name": "carol", "role": "admin"}
        )
        assert granted.status_code == 303
        assert carol.get("/pages/admin/").status_code == 200

        reset = browser.post("/pages/admin/users", {"action": "reset", "name": "carol"})
        new_key = re.search(r'id="new-key">(\w+)<', reset.text)[1]  # type: ignore[index]
        assert new_key != key
        assert httpx.post(f"{site.base_url}/login", json=body).status_code == 401
        # A reset key ends the sessions made with the old one.
        assert "(carol)" not in carol.get("/pages/").text

        unconfirmed = browser.post("/pages/admin/users", {"action": "delete", "name": "carol"})
        assert unconfirmed.status_code == 400
        deleted = browser.post(
            "/pages/admin/users", {"action": "delete", "name": "carol", "confirm": "yes"}
        )
        assert deleted.status_code == 303
        assert "Deleted carol" in browser.get("/pages/admin/users").text
        body["userkey"] = new_key
        assert httpx.post(f"{site.base_url}/login", json=body).status_code == 401
        missing = browser.post("/pages/admin/users", {"action": "reset", "name": "carol"})
        assert missing.status_code == 400 and "No user named" in missing.text
        bad_role = browser.post(
            "/pages/admin/users", {"action": "create", "name": "dave", "role": "king"}
        )
        assert bad_role.status_code == 400 and "is not a role" in bad_role.text
    finally:
        carol.close()
