"""The real client library tvdb_api (3.1.0) against a live tvdbd whose catalogue starts empty:
every series comes from the TheTVDB v4 fixture server on first request, and the second time
the same answers come with the fixture server stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tvdb_api

from tests.sources.fixture_server import FixtureServer
from tests.sources.test_read_through import v4_env
from tests.sources.v4_fixtures import v4_server
from tests.support import Databases, LiveServer
from tests.test_tvdb_api_client import RedirectingSession

SCRUBS, FIREFLY = 76156, 78874


@pytest.fixture
def v4_only(
    backend: str, databases: Databases, tmp_path: Path
) -> Iterator[tuple[LiveServer, FixtureServer]]:
    v4 = v4_server()
    url, engine = databases.new_engine(backend)
    engine.dispose()
    server = LiveServer(url, tmp_path / "server", **v4_env(v4))
    yield server, v4
    server.stop()
    v4.stop()


def tvdb(server: LiveServer, **options: Any) -> tvdb_api.Tvdb:
    return tvdb_api.Tvdb(apikey="client-test", cache=RedirectingSession(server.base_url), **options)


def what_tvdb_api_sees(show: Any) -> dict[str, Any]:
    return {
        "name": show["seriesName"],
        "episodes": {
            (season, number): episode["episodeName"]
            for season, episodes in show.items()
            for number, episode in episodes.items()
        },
        "actors": [a["name"] for a in show["_actors"]],
        "banners": {key: sorted(by_res) for key, by_res in show["_banners"].items()},
    }


def test_tvdb_api_reads_a_series_only_the_source_knows_then_the_same_without_it(
    v4_only: tuple[LiveServer, FixtureServer],
) -> None:
    server, v4 = v4_only
    show = tvdb(server, actors=True, banners=True)["Scrubs"]  # a search, read through
    first = what_tvdb_api_sees(show)
    assert show["id"] == SCRUBS and first["name"] == "Scrubs"
    assert len(first["episodes"]) == 194
    assert sum(1 for season, _ in first["episodes"] if season == 0) == 13
    assert first["episodes"][(1, 1)] == "My First Day"
    assert len(first["actors"]) == 18
    assert set(first["banners"]) == {"fanart", "poster", "season", "seasonwide", "series"}
    french = tvdb(server, language="fr")[SCRUBS][1][1]
    assert french["episodeName"] == "Mon premier jour"
    v4.stop()
    again = what_tvdb_api_sees(tvdb(server, actors=True, banners=True)[SCRUBS])
    assert again == first


def test_tvdb_api_gets_the_dvd_order_of_a_series_read_through(
    v4_only: tuple[LiveServer, FixtureServer],
) -> None:
    server, _ = v4_only
    dvd = tvdb(server, dvdorder=True)[FIREFLY]
    assert dvd[1][1]["episodeName"] == "Serenity"
    assert dvd[1][2]["episodeName"] == "The Train Job"


def test_tvdb_api_says_not_found_for_a_series_the_source_does_not_have(
    v4_only: tuple[LiveServer, FixtureServer],
) -> None:
    server, _ = v4_only
    with pytest.raises(tvdb_api.tvdb_shownotfound):
        tvdb(server)[428202]
