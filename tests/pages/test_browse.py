"""Browsing: search, a series, an episode, the language choice, escaping, error pages and
caching headers, on a live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import httpx

from tests.api import tiny
from tests.pages.conftest import SCRIPT_EPISODE, SCRIPT_SERIES, Browser, Site
from tests.support import import_bundles
from tvdbd.db.engine import make_engine

SCRUBS = 76156
SCRUBS_PILOT = 184602


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_search_lists_series_with_poster_thumbnail_year_network_and_status(
    site: Site, browser: Browser
) -> None:
    with site.api() as api:
        poster = api.get(f"/series/{SCRUBS}").json()["data"]["poster"]
    response = browser.get("/pages/?q=scrubs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f'href="/pages/series/{SCRUBS}"' in html
    assert f'src="/banners/{poster.removesuffix(".jpg")}_t.jpg"' in html
    card = html[html.index(f'href="/pages/series/{SCRUBS}"') :][:800]
    assert "2001" in card and "NBC" in card and "Ended" in card


def test_search_ranks_as_the_api_does(site: Site, browser: Browser) -> None:
    with site.api() as api:
        hits = [
            hit["id"]
            for hit in api.get("/search/series", params={"name": "firefly"}).json()["data"]
        ]
    html = browser.get("/pages/?q=firefly").text
    shown = [int(i) for i in re.findall(r'class="card">\s*<a href="/pages/series/(\d+)"', html)]
    assert shown == hits


def test_a_search_with_no_hit_says_so(browser: Browser) -> None:
    response = browser.get("/pages/?q=zzzqqqxx")
    assert response.status_code == 200
    assert "No series matches" in response.text


def test_a_series_page_has_poster_fanart_facts_overview_actors_and_artwork(
    browser: Browser,
) -> None:
    response = browser.get(f"/pages/series/{SCRUBS}")
    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert "<title>Scrubs · tvdbd</title>" in html
    assert 'alt="Poster of Scrubs"' in html and 'alt="Fanart of Scrubs"' in html
    assert "NBC" in text and "Comedy" in text and "Ended" in text
    assert "Episodes (194)" in text
    assert "Season 1" in text and "Season 9" in text
    assert "Zach Braff" in text
    assert "Artwork" in text and "Poster (" in text and "Fanart (" in text
    assert "Imported from a bundle" in text
    assert "Last changed" in text


def test_seasons_are_listed_in_aired_dvd_and_absolute_order(browser: Browser) -> None:
    aired = browser.get(f"/pages/series/{SCRUBS}").text
    dvd = browser.get(f"/pages/series/{SCRUBS}?order=dvd").text
    absolute = browser.get(f"/pages/series/{SCRUBS}?order=absolute").text
    assert 'aria-current="page">Aired order' in aired
    assert 'aria-current="page">DVD order' in dvd
    assert 'aria-current="page">Absolute order' in absolute
    assert "All episodes" in absolute and "Aired as" in absolute
    # Each order lists the episodes that have a number in it.
    assert aired.count('href="/pages/episodes/') == 194
    assert dvd.count('href="/pages/episodes/') == 180
    assert absolute.count('href="/pages/episodes/') == 150
    # An unknown order is the aired one.
    nonsense = browser.get(f"/pages/series/{SCRUBS}?order=nonsense").text
    assert _main(nonsense) == _main(aired)


def test_an_episode_page_has_numbers_air_date_image_and_credits(
    site: Site, browser: Browser
) -> None:
    with site.api() as api:
        record = api.get(f"/episodes/{SCRUBS_PILOT}").json()["data"]
    html = browser.get(f"/pages/episodes/{SCRUBS_PILOT}").text
    text = _text(html)
    assert record["episodeName"] in text
    assert f"Season {record['airedSeason']}, episode {record['airedEpisodeNumber']}" in text
    assert record["firstAired"] in text
    assert f'src="/banners/{record["filename"]}"' in html
    for person in record["directors"] + record["writers"] + record["guestStars"][:3]:
        assert person in text
    assert f'href="/pages/series/{SCRUBS}"' in html


def test_every_value_is_escaped_a_series_named_script_is_text(browser: Browser) -> None:
    for path in (
        f"/pages/series/{SCRIPT_SERIES}",
        f"/pages/episodes/{SCRIPT_EPISODE}",
        "/pages/?q=script",
    ):
        html = browser.get(path).text
        assert "<script>alert" not in html, path
        assert "<script>document" not in html, path
        assert "<img src=x" not in html and "<svg onload" not in html, path
        assert "<b>Net</b>" not in html and "<i>Drama</i>" not in html, path
        assert "<em>Actor</em>" not in html and "<h1>fake</h1>" not in html, path
        # The only scripts are the site's own file.
        assert re.findall(r"<script[^>]*>", html) == [
            re.search(r'<script src="/pages/static/pages\.js\?v=\w+" defer>', html)[0]  # type: ignore[index]
        ], path
    series = browser.get(f"/pages/series/{SCRIPT_SERIES}").text
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; Co" in series
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in series


def test_the_language_choice_is_kept_and_falls_back_as_the_api_does(
    site: Site, browser: Browser
) -> None:
    path = f"/pages/series/{tiny.GERMAN}"
    # No choice yet: the browser's Accept-Language.
    assert "<h1>Little Show</h1>" in browser.get(path, headers={"Accept-Language": "en"}).text
    chosen = browser.get(f"/pages/language?language=fr&next={path}")
    assert chosen.status_code == 303 and chosen.headers["location"] == path
    assert "httponly" in chosen.headers["set-cookie"].lower()
    french = browser.get(path, headers={"Accept-Language": "en"}).text
    with site.api() as api:
        record = api.get(f"/series/{tiny.GERMAN}", headers={"Accept-Language": "fr"}).json()
    # fr has no name: the original name, as the API answers; its own overview.
    assert record["data"]["seriesName"] == "Kleine Serie"
    assert "<h1>Kleine Serie</h1>" in french and "Une petite série." in french
    assert '<html lang="fr">' in french
    # es has a name and no overview: no fallback for the overview.
    browser.get(f"/pages/language?language=es&next={path}")
    spanish = browser.get(path).text
    assert "<h1>Serie Pequeña</h1>" in spanish and "No overview in this language" in spanish
    # An unknown language changes nothing; a next outside the pages goes home.
    assert (
        browser.get("/pages/language?language=xx&next=//evil.example/").headers["location"]
        == "/pages/"
    )
    assert "<h1>Serie Pequeña</h1>" in browser.get(path).text


def test_the_pages_link_to_the_docs_page_and_it_links_to_them(site: Site) -> None:
    page = httpx.get(f"{site.base_url}/pages/", timeout=10).text
    assert 'href="/"' in page
    docs = httpx.get(f"{site.base_url}/", timeout=10).text
    assert 'href="pages/"' in docs


def test_unknown_things_are_404_pages_not_json_or_tracebacks(browser: Browser) -> None:
    for path in (
        "/pages/series/999999999",
        "/pages/series/abc",
        "/pages/series/99999999999999999999999",
        "/pages/episodes/1",
        "/pages/no/such/page",
        "/pages/static/nothing.css",
    ):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in response.text, path
        assert "Traceback" not in response.text


def test_wrong_methods_and_bad_forms_are_pages_too(browser: Browser) -> None:
    response = browser.client.post(f"/pages/series/{SCRUBS}")
    assert response.status_code == 405
    assert "<h1>Not allowed here</h1>" in response.text
    response = browser.client.post(
        "/pages/signin", content=b"{}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "text/html" in response.headers["content-type"]
    response = browser.client.post(
        "/pages/signin",
        content=b"x=" + b"a" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413 and "<h1>Too large</h1>" in response.text


def test_anonymous_pages_revalidate_with_an_etag_and_carry_a_strict_policy(
    browser: Browser,
) -> None:
    first = browser.get(f"/pages/series/{SCRUBS}")
    assert first.headers["cache-control"] == "no-cache"
    assert "cookie" in first.headers["vary"].lower()
    assert "default-src 'self'" in first.headers["content-security-policy"]
    assert first.headers["x-content-type-options"] == "nosniff"
    again = browser.get(f"/pages/series/{SCRUBS}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_static_files_come_from_the_server(browser: Browser) -> None:
    html = browser.get("/pages/").text
    for name in re.findall(r'"/pages/static/([\w.-]+)\?v=\w+"', html):
        response = browser.get(f"/pages/static/{name}")
        assert response.status_code == 200, name
        assert "max-age" in response.headers["cache-control"]
    assert "http://" not in html.split("<footer", 1)[0].replace("http://www.w3.org", "")
    assert "https://" not in html.split("<footer", 1)[0]


def test_a_rating_through_the_api_shows_on_the_series_page_at_once(site: Site) -> None:
    person = site.browser()
    try:
        before = _text(person.get(f"/pages/series/{tiny.GERMAN}").text)
        assert "7.5 of 10 (12 votes)" in before
        with site.api("bob") as api:
            assert api.put(f"/user/ratings/series/{tiny.GERMAN}/10").status_code == 200
            after = _text(person.get(f"/pages/series/{tiny.GERMAN}").text)
            assert "7.7 of 10 (13 votes)" in after  # (7.5 * 12 + 10) / 13
            assert api.delete(f"/user/ratings/series/{tiny.GERMAN}").status_code == 200
        assert "7.5 of 10 (12 votes)" in _text(person.get(f"/pages/series/{tiny.GERMAN}").text)
    finally:
        person.close()


def test_an_import_shows_on_the_pages_at_once(site: Site, browser: Browser) -> None:
    """A page of a series not there yet is not kept; an import rebuilds what it changed."""
    series_id = 990777
    path = f"/pages/series/{series_id}"
    assert browser.get(path).status_code == 404
    engine = make_engine(site.server.database_url)
    try:
        bundle = {"series": {"id": series_id, "seriesName": "Freshly Imported", "slug": "fresh"}}
        assert import_bundles(engine, [bundle]).ok
        assert "<h1>Freshly Imported</h1>" in browser.get(path).text
        assert f'href="/pages/series/{series_id}"' in browser.get("/pages/?q=freshly").text
        bundle["series"].update(seriesName="Renamed Later", lastUpdated=2_000_000_000)
        assert import_bundles(engine, [bundle]).ok
        assert "<h1>Renamed Later</h1>" in browser.get(path).text
        assert "Renamed Later" in browser.get("/pages/").text  # changed lately, on the home page
    finally:
        engine.dispose()
