"""Signing in and out, CSRF, favorites and ratings from the pages against the API's /user
routes, and one person never seeing another's (live server, SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from tests.api import tiny
from tests.pages.conftest import Browser, Site

SCRUBS = 76156
SCRUBS_PILOT = 184602
FIREFLY = 78874


def test_sign_in_with_a_wrong_user_key_is_refused_with_the_form_again(
    site: Site, browser: Browser
) -> None:
    browser.get("/pages/signin")
    response = browser.post("/pages/signin", {"username": "alice", "userkey": "WRONG"})
    assert response.status_code == 401
    assert "do not match" in response.text
    assert (
        "tvdbd_session" not in response.headers.get("set-cookie", "") or "Sign in" in response.text
    )
    assert "My favorites" not in browser.get("/pages/").text


def test_the_session_cookie_is_signed_httponly_and_samesite(site: Site, browser: Browser) -> None:
    browser.get("/pages/signin")
    response = browser.post("/pages/signin", {"username": "alice", "userkey": site.keys["alice"]})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("tvdbd_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/pages" in cookie
    assert site.keys["alice"].lower() not in cookie
    page = browser.get("/pages/")
    assert "My favorites" in page.text and "(alice)" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    # A cookie changed by hand is no session.
    value = browser.client.cookies["tvdbd_session"]
    browser.client.cookies.clear()
    browser.client.cookies.set("tvdbd_session", value[:-2] + "xx", path="/pages")
    assert "My favorites" not in browser.get("/pages/").text


@pytest.mark.parametrize(
    "path",
    [
        "/pages/signin",
        "/pages/signout",
        f"/pages/series/{SCRUBS}/favorite",
        f"/pages/series/{SCRUBS}/rating",
        f"/pages/episodes/{SCRUBS_PILOT}/rating",
        "/pages/admin/keys",
        "/pages/admin/users",
    ],
)
def test_a_post_without_the_csrf_token_is_refused(site: Site, path: str) -> None:
    person = site.browser()
    try:
        person.sign_in(site, "boss")
        fields = {"username": "boss", "userkey": site.keys["boss"], "action": "add",
                  "rating": "5", "name": "x"}  # fmt: skip
        for token in (None, "", "forged-token"):
            data = dict(fields) if token is None else {**fields, "csrf": token}
            response = person.post(path, data, csrf=False)
            assert response.status_code == 403, (path, token)
            assert "text/html" in response.headers["content-type"]
            assert "did not come from this site" in response.text
    finally:
        person.close()
    with site.api("boss") as api:
        assert api.get("/user/favorites").json()["data"]["favorites"] == []
        assert api.get("/user/ratings").status_code in (200, 404)
        ratings = api.get("/user/ratings").json().get("data") or []
        assert ratings == []


def test_a_token_from_before_signing_in_is_no_good_after(site: Site, browser: Browser) -> None:
    browser.get("/pages/signin")
    before = browser.last_csrf
    browser.post("/pages/signin", {"username": "alice", "userkey": site.keys["alice"]})
    response = browser.post(
        f"/pages/series/{SCRUBS}/favorite", {"csrf": before, "action": "add"}, csrf=False
    )
    assert response.status_code == 403


def test_favorites_added_on_the_pages_are_the_apis_and_the_other_way_round(
    site: Site, browser: Browser
) -> None:
    browser.sign_in(site, "alice")
    with site.api("alice") as api:
        browser.get(f"/pages/series/{SCRUBS}")
        response = browser.post(f"/pages/series/{SCRUBS}/favorite", {"action": "add"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/pages/series/{SCRUBS}"
        assert api.get("/user/favorites").json()["data"]["favorites"] == [str(SCRUBS)]
        page = browser.get(f"/pages/series/{SCRUBS}").text
        assert "Added to your favorites." in page and "In your favorites" in page

        assert api.put(f"/user/favorites/{FIREFLY}").status_code == 200
        assert "In your favorites" in browser.get(f"/pages/series/{FIREFLY}").text
        mine = browser.get("/pages/me").text
        assert (
            f'href="/pages/series/{SCRUBS}"' in mine and f'href="/pages/series/{FIREFLY}"' in mine
        )

        browser.get(f"/pages/series/{SCRUBS}")
        assert (
            browser.post(f"/pages/series/{SCRUBS}/favorite", {"action": "remove"}).status_code
            == 303
        )
        assert api.get("/user/favorites").json()["data"]["favorites"] == [str(FIREFLY)]
        assert api.delete(f"/user/favorites/{FIREFLY}").status_code == 200
        assert "Add to favorites" in browser.get(f"/pages/series/{FIREFLY}").text


def test_ratings_set_on_the_pages_are_the_apis_and_the_other_way_round(
    site: Site, browser: Browser
) -> None:
    browser.sign_in(site, "alice")
    with site.api("alice") as api:
        browser.get(f"/pages/series/{tiny.GERMAN}")
        assert (
            browser.post(f"/pages/series/{tiny.GERMAN}/rating", {"rating": "9"}).status_code == 303
        )
        browser.get(f"/pages/episodes/{SCRUBS_PILOT}")
        assert (
            browser.post(f"/pages/episodes/{SCRUBS_PILOT}/rating", {"rating": "4"}).status_code
            == 303
        )
        ratings = api.get("/user/ratings").json()["data"]
        assert sorted((r["ratingType"], r["ratingItemId"], r["rating"]) for r in ratings) == [
            ("episode", SCRUBS_PILOT, 4),
            ("series", tiny.GERMAN, 9),
        ]
        # The site rating moved for everyone, at once (cached pages were rebuilt).
        series_page = browser.get(f"/pages/series/{tiny.GERMAN}").text
        assert re.search(r"7\.6 of 10 \(13 votes\)", series_page)
        assert '<option value="9" selected>' in series_page

        assert api.put(f"/user/ratings/episode/{SCRUBS_PILOT}/7").status_code == 200
        assert '<option value="7" selected>' in browser.get(f"/pages/episodes/{SCRUBS_PILOT}").text
        mine = browser.get("/pages/me").text
        assert "Kleine Serie" in mine or "Little Show" in mine

        browser.get(f"/pages/series/{tiny.GERMAN}")
        assert (
            browser.post(f"/pages/series/{tiny.GERMAN}/rating", {"rating": ""}).status_code == 303
        )
        assert api.delete(f"/user/ratings/episode/{SCRUBS_PILOT}").status_code == 200
        assert api.get("/user/ratings").json()["data"] == []
    for bad in ("11", "0.5", "-1", "ten"):
        browser.get(f"/pages/series/{tiny.GERMAN}")
        response = browser.post(f"/pages/series/{tiny.GERMAN}/rating", {"rating": bad})
        assert response.status_code == 400, bad


def test_signed_out_people_are_told_to_sign_in_before_a_change(
    site: Site, browser: Browser
) -> None:
    page = browser.get(f"/pages/series/{SCRUBS}").text
    assert "to keep favorites and rate" in page
    browser.get("/pages/signin")
    response = browser.post(f"/pages/series/{SCRUBS}/favorite", {"action": "add"})
    assert response.status_code == 401 and "Sign in first" in response.text
    assert browser.get("/pages/me").headers["location"].startswith("/pages/signin")


def test_one_person_never_sees_anothers_favorites_or_ratings(site: Site) -> None:
    alice, bob = site.browser(), site.browser()
    try:
        alice.sign_in(site, "alice")
        bob.sign_in(site, "bob")
        alice.get(f"/pages/series/{SCRUBS}")
        alice.post(f"/pages/series/{SCRUBS}/favorite", {"action": "add"})
        alice.get(f"/pages/series/{SCRUBS}")
        alice.post(f"/pages/series/{SCRUBS}/rating", {"rating": "8"})
        bobs = bob.get(f"/pages/series/{SCRUBS}").text
        assert "Add to favorites" in bobs and '<option value="" selected>' in bobs
        assert (
            f'href="/pages/series/{SCRUBS}"' not in bob.get("/pages/me").text.split("<main", 1)[1]
        )
        # Bob's token is for Bob: a form Bob posts changes Bob's lists only.
        bob.get(f"/pages/series/{SCRUBS}")
        bob.post(f"/pages/series/{SCRUBS}/favorite", {"action": "remove"})
        with site.api("alice") as api:
            assert api.get("/user/favorites").json()["data"]["favorites"] == [str(SCRUBS)]
            api.delete(f"/user/favorites/{SCRUBS}")
            api.delete(f"/user/ratings/series/{SCRUBS}")
    finally:
        alice.close()
        bob.close()


def test_signing_out_ends_the_session(site: Site, browser: Browser) -> None:
    browser.sign_in(site, "alice")
    response = browser.post("/pages/signout", {})
    assert response.status_code == 303
    page = browser.get("/pages/").text
    assert "Signed out." in page and "My favorites" not in page
