"""TheTVDB v4 as a source: login, fetching whole series, and the mapping to API v2 records,
against the fixture server (tests/sources/v4_fixtures.py says which answers are recorded and
which are rebuilt from the API v2 recordings)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from tests.sources.fixture_server import FixtureServer
from tests.sources.v4_fixtures import DELETED_SERIES, v2_actors, v2_episodes, v2_images, v2_series
from tvdbd.bundles.exporter import iter_bundles
from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused
from tvdbd.sources.fetch import FetchPolicy
from tvdbd.sources.store import store_series
from tvdbd.sources.tvdb_v4.client import TvdbV4

T = TypeVar("T")
POLICY = FetchPolicy(timeout=5, retries=2, concurrency=4, backoff_base=0.05)
SCRUBS, LOST, FIREFLY, FLCL, SAINT_SEIYA = 76156, 73739, 78874, 78878, 72775


def with_client(
    server: FixtureServer,
    work: Callable[[TvdbV4], Awaitable[T]],
    *,
    api_key: str = "test-v4-key",
    pin: str = "",
    languages: frozenset[str] | None = None,
) -> T:
    async def main() -> T:
        client = TvdbV4(server.base_url, api_key, pin, POLICY, languages=languages)
        try:
            return await work(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def bundle_of(server: FixtureServer, series_id: int, **options: Any) -> dict[str, Any]:
    return with_client(server, lambda c: c.series_bundle(series_id), **options)


def stored(engine: Engine, series_id: int) -> dict[str, Any]:
    return next(b for b in iter_bundles(engine) if b["series"]["id"] == series_id)


# ---------------------------------------------------------------- login


def test_a_wrong_api_key_is_refused_with_a_clear_message_that_does_not_show_it(
    v4: FixtureServer,
) -> None:
    with pytest.raises(SourceRefused) as refused:
        bundle_of(v4, SCRUBS, api_key="not-my-secret-key")
    message = str(refused.value)
    assert "TheTVDB refused the API key" in message and "TVDBD_TVDB_V4_API_KEY" in message
    assert "not-my-secret-key" not in message
    assert [s.path for s in v4.seen] == ["/login"]  # nothing asked without a token


def test_a_subscriber_pin_is_sent_with_the_key(v4: FixtureServer) -> None:
    v4.pin = "1234"
    with pytest.raises(SourceRefused, match=r"login failed: .*HTTP 400: InvalidValueType: pin"):
        bundle_of(v4, FIREFLY)
    with pytest.raises(SourceRefused, match="API key or subscriber PIN"):
        bundle_of(v4, FIREFLY, pin="4321")
    assert bundle_of(v4, FIREFLY, pin="1234")["series"]["seriesName"] == "Firefly"


def test_a_token_that_expires_mid_session_is_renewed_once(v4: FixtureServer) -> None:
    async def twice(client: TvdbV4) -> tuple[Any, Any]:
        first = await client.series_bundle(FIREFLY)
        v4.tokens.clear()  # every token issued so far is now refused
        return first, await client.series_bundle(FIREFLY)

    first, second = with_client(v4, twice)
    assert first == second
    assert [s.path for s in v4.seen].count("/login") == 2


# ---------------------------------------------------------------- the mapping, round trip


def test_scrubs_maps_back_to_the_series_record_the_legacy_api_served(
    v4: FixtureServer, engine: Engine
) -> None:
    store_series(engine, bundle_of(v4, SCRUBS), now=1)
    series = stored(engine, SCRUBS)["series"]
    recorded = v2_series(SCRUBS)["en"]
    same = ("id", "seriesName", "poster", "banner", "fanart", "status", "firstAired", "network",
            "networkId", "runtime", "genre", "rating", "imdbId", "zap2itId", "slug",
            "airsDayOfWeek", "airsTime", "lastUpdated")  # fmt: skip
    assert {k: series[k] for k in same} == {k: recorded[k] for k in same}
    assert series["language"] == "en" and series["seriesId"] == ""
    assert series["siteRating"] == 0 and series["siteRatingCount"] == 0  # v4 has no ratings


@pytest.mark.parametrize("series_id", [SCRUBS, LOST, FIREFLY])
def test_every_episode_keeps_its_aired_dvd_and_absolute_numbers(
    v4: FixtureServer, engine: Engine, series_id: int
) -> None:
    store_series(engine, bundle_of(v4, series_id), now=1)
    episodes = stored(engine, series_id)["episodes"]
    recorded = v2_episodes(series_id)["en"]
    same = ("id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "episodeName",
            "firstAired", "dvdSeason", "dvdEpisodeNumber", "absoluteNumber", "filename",
            "airsAfterSeason", "airsBeforeSeason", "airsBeforeEpisode", "isMovie",
            "lastUpdated")  # fmt: skip
    assert [{k: e[k] for k in same} for e in episodes] == [
        {k: e[k] for k in same} for e in recorded
    ]
    assert len(episodes) == {SCRUBS: 194, LOST: 149, FIREFLY: 17}[series_id]


def test_the_long_series_has_specials_and_firefly_a_dvd_order_of_its_own(
    v4: FixtureServer,
) -> None:
    scrubs = bundle_of(v4, SCRUBS)["episodes"]
    assert sum(e["airedSeason"] == 0 for e in scrubs) == 13
    assert any(e["absoluteNumber"] not in (None, e["airedEpisodeNumber"]) for e in scrubs)
    firefly = {e["episodeName"]: e for e in bundle_of(v4, FIREFLY)["episodes"]}
    train_job = firefly["The Train Job"]
    assert (train_job["airedEpisodeNumber"], train_job["dvdEpisodeNumber"]) == (1, 2)


def test_episode_names_come_in_every_language_the_series_has(
    v4: FixtureServer, engine: Engine
) -> None:
    store_series(engine, bundle_of(v4, SCRUBS), now=1)
    episodes = {e["id"]: e for e in stored(engine, SCRUBS)["episodes"]}
    for language in ("es", "fr"):
        for recorded in v2_episodes(SCRUBS)[language]:
            names = episodes[recorded["id"]].get("translations", {}).get(language)
            if recorded["episodeName"] is None:
                assert names is None or names["episodeName"] is None
            else:
                assert names is not None and names["episodeName"] == recorded["episodeName"]


def test_series_translations_carry_their_own_names_and_artwork(
    v4: FixtureServer, engine: Engine
) -> None:
    store_series(engine, bundle_of(v4, SCRUBS), now=1)
    translations = stored(engine, SCRUBS)["translations"]
    assert sorted(translations) == ["es", "fr"]
    fr = v2_series(SCRUBS)["fr"]
    assert translations["fr"]["seriesName"] == fr["seriesName"]
    assert translations["fr"]["overview"] == "Test summary of Scrubs (fra)."
    # French clients were served their own banner and fanart by the legacy API.
    assert (translations["fr"]["banner"], translations["fr"]["fanart"]) == (
        fr["banner"], fr["fanart"],
    )  # fmt: skip


def test_actors_and_images_come_in_catalogue_order_with_their_key_types(
    v4: FixtureServer, engine: Engine
) -> None:
    store_series(engine, bundle_of(v4, SCRUBS), now=1)
    bundle = stored(engine, SCRUBS)
    actors = [(a["id"], a["name"], a["role"], a["sortOrder"], a["image"]) for a in bundle["actors"]]
    assert sorted(actors, key=lambda a: a[3]) == actors
    assert sorted(actors) == sorted(
        (a["id"], a["name"], a["role"], a["sortOrder"], a["image"]) for a in v2_actors(SCRUBS)
    )
    images = {i["id"]: i for i in bundle["images"]}
    for recorded in v2_images(SCRUBS):
        image = images[recorded["id"]]
        for key in ("keyType", "subKey", "fileName", "resolution", "language"):
            if key == "subKey" and recorded["keyType"] in ("fanart", "poster", "series"):
                continue  # v4 has no text/blank banner kinds: all series art is "graphical"
            assert image[key] == recorded[key], (recorded["id"], key)


def test_a_series_with_only_some_languages_asked_keeps_those(v4: FixtureServer) -> None:
    bundle = bundle_of(v4, SCRUBS, languages=frozenset({"fr"}))
    assert list(bundle["translations"]) == ["fr"]
    assert {lang for e in bundle["episodes"] for lang in e.get("translations", {})} == {"fr"}
    assert not v4.requests_to("/series/76156/episodes/official/spa")


def test_a_japanese_series_is_stored_in_japanese_with_its_english_name(v4: FixtureServer) -> None:
    bundle = bundle_of(v4, FLCL)
    series = bundle["series"]
    assert (series["seriesName"], series["language"]) == ("フリクリ", "ja")
    assert bundle["translations"]["en"]["seriesName"] == "FLCL"
    assert bundle["translations"]["de"]["seriesName"] == "FLCL"
    assert (series["airsDayOfWeek"], series["airsTime"]) == ("Sunday", "1:00 PM")
    assert (series["network"], series["networkId"]) == ("Anime OAV", "1026")
    assert series["rating"] == "12+" and series["genre"] == ["Science Fiction"]
    assert series["aliases"] == ["Fooly Cooly"]
    [special] = bundle["episodes"]
    assert (special["airedSeason"], special["airsBeforeSeason"], special["airsBeforeEpisode"]) == (
        0, 2, 1,
    )  # fmt: skip
    assert special["translations"]["en"]["episodeName"] == "FLCL Progressive"
    [actor] = bundle["actors"]
    assert (actor["name"], actor["role"], actor["image"]) == (
        "Yutaka Aoyama", "Tabata Kanda", "person/464299/primary.jpg",
    )  # fmt: skip
    assert bundle["source"]["url"] == "https://thetvdb.com/series/flcl"


def test_a_series_missing_most_fields_is_stored_with_the_wire_defaults(
    v4: FixtureServer, engine: Engine
) -> None:
    result = store_series(engine, bundle_of(v4, SAINT_SEIYA), now=1)
    assert result.changed
    bundle = stored(engine, SAINT_SEIYA)
    series = bundle["series"]
    assert (series["seriesName"], series["status"], series["network"]) == ("聖闘士星矢", "", "")
    assert (series["airsDayOfWeek"], series["airsTime"], series["rating"]) == ("", "", None)
    assert series["genre"] == [] and "episodes" not in bundle and "actors" not in bundle


def test_a_series_v4_does_not_have_is_not_found(v4: FixtureServer) -> None:
    with pytest.raises(SourceNotFound):
        bundle_of(v4, DELETED_SERIES)


def test_a_record_without_a_name_is_a_data_error(v4: FixtureServer) -> None:
    v4.add("GET /series/327417/extended", {"status": "success", "data": {"id": 327417}})
    with pytest.raises(SourceDataError, match=r"series 327417 .*no name"):
        bundle_of(v4, 327417)


def test_malformed_json_from_v4_is_a_data_error(v4: FixtureServer) -> None:
    v4.fault("/series/78874/extended", "malformed", times=5)
    with pytest.raises(SourceDataError, match="invalid JSON"):
        bundle_of(v4, FIREFLY)


def test_an_answer_that_is_another_series_is_refused(v4: FixtureServer) -> None:
    v4.add("GET /series/5/extended", {"status": "success", "data": {"id": 6, "name": "Six"}})
    with pytest.raises(SourceDataError, match="is not that series"):
        bundle_of(v4, 5)


# ---------------------------------------------------------------- storing


def test_storing_the_same_series_again_changes_nothing(v4: FixtureServer, engine: Engine) -> None:
    bundle = bundle_of(v4, FIREFLY)
    assert store_series(engine, bundle, now=2_000_000_000).changed
    before = stored(engine, FIREFLY)
    assert not store_series(engine, bundle_of(v4, FIREFLY), now=2_000_000_500).changed
    after = stored(engine, FIREFLY)
    assert after["series"] == before["series"]
    assert after["source"]["fetched"] == 2_000_000_500  # only the time of the check moved


def test_a_changed_series_gets_the_storing_time_as_last_updated(
    v4: FixtureServer, engine: Engine
) -> None:
    bundle = bundle_of(v4, FIREFLY)
    store_series(engine, bundle, now=1)
    assert stored(engine, FIREFLY)["series"]["lastUpdated"] == 1590710293  # v4's own, later
    bundle["episodes"][0]["episodeName"] = "Renamed upstream"
    store_series(engine, bundle, now=2_000_000_000)
    changed = stored(engine, FIREFLY)
    assert changed["series"]["lastUpdated"] == 2_000_000_000
    assert changed["episodes"][0]["episodeName"] == "Renamed upstream"
    assert changed["source"]["name"] == "thetvdb-v4" and changed["source"]["id"] == "78874"
