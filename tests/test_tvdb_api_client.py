"""The real client library `tvdb_api` 3.1.0 against a live tvdbd with the demo catalogue.

tvdb_api hard-codes https://api.thetvdb.com; it accepts any `requests.Session` as `cache=`,
so a session that rewrites that prefix points it at our server (and skips its disk cache).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
import requests
import tvdb_api

from tests.support import DEMO_BUNDLE, LiveServer

REAL_API = "https://api.thetvdb.com"
SCRUBS, FIREFLY = 76156, 78874


class RedirectingSession(requests.Session):
    """Sends what tvdb_api addresses to api.thetvdb.com to our server; remembers the URLs."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url
        self.urls: list[str] = []

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith(REAL_API):
            url = self.base_url + url[len(REAL_API) :]
        self.urls.append(str(url))
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


MakeTvdb = Callable[..., tuple[tvdb_api.Tvdb, RedirectingSession]]


@pytest.fixture(scope="module")
def make_tvdb(demo_server: LiveServer) -> MakeTvdb:
    def make(**options: Any) -> tuple[tvdb_api.Tvdb, RedirectingSession]:
        session = RedirectingSession(demo_server.base_url)
        return tvdb_api.Tvdb(apikey="client-test", cache=session, **options), session

    return make


@pytest.fixture(scope="module")
def scrubs(make_tvdb: MakeTvdb) -> Iterator[tuple[Any, RedirectingSession]]:
    """Scrubs as tvdb_api loads it by name, with actors and banners (loaded once per backend)."""
    t, session = make_tvdb(actors=True, banners=True)
    yield t["Scrubs"], session


@cache
def demo_bundle(series_id: int) -> dict[str, Any]:
    for line in DEMO_BUNDLE.read_text(encoding="utf-8").splitlines():
        bundle: dict[str, Any] = json.loads(line)
        if bundle.get("series", {}).get("id") == series_id:
            return bundle
    raise KeyError(series_id)


def test_a_name_search_finds_scrubs_first(make_tvdb: MakeTvdb) -> None:
    t, _ = make_tvdb()
    hits = t.search("Scrubs")
    assert [hit["id"] for hit in hits] == [SCRUBS, 167151, 274735]
    assert hits[0]["seriesName"] == "Scrubs"
    # The order the real API answered in 2020 (recorded), best match first.
    firefly = [hit["seriesName"] for hit in t.search("Firefly")]
    assert firefly == [
        "Firefly",
        "Firefly (2017)",
        "Fireflies",
        "Glow of Fireflies",
        "Grave of the fireflies",
    ]


def test_it_loads_the_show_by_name(scrubs: tuple[Any, RedirectingSession]) -> None:
    show, _ = scrubs
    assert show["id"] == SCRUBS
    assert show["seriesName"] == "Scrubs"
    assert show["language"] == "en"
    assert show[1][1]["episodeName"] == "My First Day"
    assert show[1][1]["airedSeason"] == 1
    assert show[1][1]["airedEpisodeNumber"] == 1


def test_all_194_episodes_arrive_over_both_pages(scrubs: tuple[Any, RedirectingSession]) -> None:
    show, session = scrubs
    # tvdb_api follows links.next and rebuilds the URL as `path?page=N`.
    assert any(url.endswith(f"/series/{SCRUBS}/episodes?page=2") for url in session.urls)
    per_season = {season: len(episodes) for season, episodes in show.items()}
    assert per_season == {0: 13, 1: 24, 2: 22, 3: 22, 4: 25, 5: 24, 6: 22, 7: 11, 8: 18, 9: 13}
    assert sum(per_season.values()) == 194


def test_specials_are_season_0(scrubs: tuple[Any, RedirectingSession]) -> None:
    show, _ = scrubs
    specials = show[0]
    assert len(specials) == 13
    assert all(episode["airedSeason"] == 0 for episode in specials.values())


@pytest.mark.parametrize(
    ("language", "name"), [("fr", "Mon premier jour"), ("es", "Mi primer día")]
)
def test_translated_episode_names(make_tvdb: MakeTvdb, language: str, name: str) -> None:
    t, _ = make_tvdb(language=language)
    episode = t["scrubs"][1][1]
    assert episode["episodeName"] == name
    # Sent as Accept-Language; the server names the language it served.
    assert episode["language"] == {"episodeName": language, "overview": language}


def test_actors_come_in_catalogue_order(scrubs: tuple[Any, RedirectingSession]) -> None:
    show, _ = scrubs
    expected = demo_bundle(SCRUBS)["actors"]
    actors = show["_actors"]
    assert [a["name"] for a in actors] == [a["name"] for a in expected]
    assert actors[0]["image"] == f"http://thetvdb.com/banners/{expected[0]['image']}"
    assert all(actor["seriesId"] == SCRUBS for actor in actors)


def test_banners_of_all_five_key_types(scrubs: tuple[Any, RedirectingSession]) -> None:
    show, _ = scrubs
    banners = show["_banners"]
    assert set(banners) == {"fanart", "poster", "season", "seasonwide", "series"}
    expected: dict[str, int] = {}
    for image in demo_bundle(SCRUBS)["images"]:
        expected[image["keyType"]] = expected.get(image["keyType"], 0) + 1
    counted = {
        key_type: sum(len(ids) for resolution, ids in by_resolution.items() if resolution != "raw")
        for key_type, by_resolution in banners.items()
    }
    assert counted == expected
    poster = next(iter(banners["poster"]["680x1000"].values()))
    assert poster["_bannerpath"] == f"http://thetvdb.com/banners/{poster['bannerpath']}"


def test_a_show_that_does_not_exist_is_not_found(make_tvdb: MakeTvdb) -> None:
    t, _ = make_tvdb()
    with pytest.raises(tvdb_api.tvdb_shownotfound):
        t["the fake show thingy"]


def test_an_unknown_id_is_not_found(make_tvdb: MakeTvdb) -> None:
    t, _ = make_tvdb()
    # tvdb_api maps exactly `ID: <id> not found` to tvdb_shownotfound.
    with pytest.raises(tvdb_api.tvdb_shownotfound):
        t[999999999]


def test_dvd_order_differs_from_aired_order(make_tvdb: MakeTvdb) -> None:
    aired, _ = make_tvdb()
    dvd, _ = make_tvdb(dvdorder=True)
    # Firefly aired "The Train Job" first; the DVD starts with the pilot, "Serenity".
    assert aired[FIREFLY][1][1]["episodeName"] == "The Train Job"
    assert dvd[FIREFLY][1][1]["episodeName"] == "Serenity"
    assert dvd[FIREFLY][1][2]["episodeName"] == "The Train Job"
    assert len(dvd[FIREFLY][1]) == len(aired[FIREFLY][1]) == 14
    # Specials have no DVD numbers and keep their aired place.
    assert len(dvd[FIREFLY][0]) == 3
