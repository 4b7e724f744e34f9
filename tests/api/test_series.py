"""GET/HEAD /series/{id}, /series/{id}/actors, /filter and /filter/params."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import (
    ACTOR_KEYS,
    SERIES_KEYS_V3,
    assert_error,
    assert_id_not_found,
    assert_ok,
    assert_wire_headers,
    demo_bundle,
)


def expected_series(series_id: int, language: str = "en") -> dict[str, Any]:
    """A demo series as served in `language` (all demo series are English originals)."""
    bundle = demo_bundle(series_id)
    record = dict(bundle["series"])
    record["language"] = language
    if language != "en":
        translation = bundle.get("translations", {}).get(language, {})
        record["seriesName"] = translation.get("seriesName") or record["seriesName"]
        record["overview"] = translation.get("overview")
        for key in ("banner", "poster", "fanart"):
            if translation.get(key) is not None:
                record[key] = translation[key]
    return {key: record[key] for key in SERIES_KEYS_V3}


def get(client: httpx.Client, path: str, language: str | None = None) -> httpx.Response:
    return client.get(path, headers={"Accept-Language": language} if language else {})


# --- the record -----------------------------------------------------------------------------


@pytest.mark.parametrize("series_id", [76156, 73739, 78874])
def test_series_is_the_whole_bundle_record_in_wire_order(api: httpx.Client, series_id: int) -> None:
    body = assert_ok(api.get(f"/series/{series_id}"))
    assert body == {"data": expected_series(series_id)}
    assert list(body) == ["data"]
    assert list(body["data"]) == SERIES_KEYS_V3


def test_series_numbers_keep_their_json_types(api: httpx.Client) -> None:
    response = api.get("/series/76156")
    data = response.json()["data"]
    assert b'"siteRating":9,' in response.content  # not 9.0
    assert api.get("/series/73739").json()["data"]["siteRating"] == 9.1
    for key in ("id", "lastUpdated", "addedBy", "siteRatingCount"):
        assert type(data[key]) is int, key
    for key in ("seriesId", "season", "networkId", "runtime", "firstAired", "added"):
        assert type(data[key]) is str, key
    assert data["season"] == "9"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["firstAired"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", data["added"])
    assert data["seriesId"].isdigit()


def test_a_series_with_only_a_name_serves_the_wire_defaults(tiny_api: httpx.Client) -> None:
    assert assert_ok(tiny_api.get(f"/series/{tiny.EMPTY}")) == {
        "data": {
            "id": tiny.EMPTY,
            "seriesId": "",
            "seriesName": "Empty Show",
            "aliases": [],
            "season": "0",
            "poster": "",
            "banner": None,
            "fanart": "",
            "status": "Ended",
            "firstAired": "",
            "network": "",
            "networkId": "",
            "runtime": "",
            "language": "en",
            "genre": [],
            "overview": None,
            "lastUpdated": tiny.T0 + 3 * tiny.DAY,
            "airsDayOfWeek": "",
            "airsTime": "",
            "rating": None,
            "imdbId": "",
            "zap2itId": "",
            "added": "",
            "addedBy": 0,
            "siteRating": 0,
            "siteRatingCount": 0,
            "slug": "empty-show",
        }
    }


def test_season_counts_aired_seasons_without_specials_as_a_string(
    tiny_api: httpx.Client,
) -> None:
    assert tiny_api.get(f"/series/{tiny.LONG}").json()["data"]["season"] == "4"
    assert tiny_api.get(f"/series/{tiny.GERMAN}").json()["data"]["season"] == "1"


# --- translations ---------------------------------------------------------------------------


def test_french_scrubs_has_the_french_overview_and_the_translation_artwork(
    api: httpx.Client,
) -> None:
    data = assert_ok(get(api, "/series/76156", "fr"))["data"]
    assert data == expected_series(76156, "fr")
    assert data["language"] == "fr"
    assert (data["banner"], data["fanart"]) == (
        "graphical/76156-g13.jpg",
        "fanart/original/76156-43.jpg",
    )
    assert data["poster"] == "posters/76156-6.jpg"  # the translation has none of its own


def test_a_translated_name_replaces_the_original(api: httpx.Client) -> None:
    translation = demo_bundle(274735)["translations"]["es"]
    data = get(api, "/series/274735", "es").json()["data"]
    assert (data["seriesName"], data["language"]) == ("Enfermeros en LA", "es")
    assert data["overview"] == translation["overview"]
    assert list(data) == SERIES_KEYS_V3


@pytest.mark.parametrize("header", ["de", "de-DE,de;q=0.9", "DE", "de_AT", "de-CH, en;q=0.5"])
def test_accept_language_takes_the_primary_subtag_of_the_first_entry(
    api: httpx.Client, header: str
) -> None:
    data = get(api, "/series/76156", header).json()["data"]
    # No German translation: the original name, a null overview.
    assert (data["language"], data["seriesName"], data["overview"]) == ("de", "Scrubs", None)


@pytest.mark.parametrize("header", ["xx", "*", "en-US", "", "klingon", "q=0.5", ",fr"])
def test_an_unknown_or_empty_accept_language_serves_english(api: httpx.Client, header: str) -> None:
    assert get(api, "/series/76156", header).json() == {"data": expected_series(76156)}


def test_without_accept_language_english_is_served(api: httpx.Client) -> None:
    assert api.get("/series/274735").json()["data"]["language"] == "en"


@pytest.mark.parametrize(
    ("language", "name", "overview"),
    [
        ("de", "Kleine Serie", "Eine kleine Serie."),  # the original language
        ("en", "Little Show", "A little show."),
        ("fr", "Kleine Serie", "Une petite série."),  # no French name: German, not English
        ("es", "Serie Pequeña", None),  # no Spanish overview: null, not another language
        ("ja", "Kleine Serie", None),  # no Japanese translation at all
    ],
)
def test_a_missing_name_falls_back_to_the_original_language_and_overview_to_null(
    tiny_api: httpx.Client, language: str, name: str, overview: str | None
) -> None:
    data = get(tiny_api, f"/series/{tiny.GERMAN}", language).json()["data"]
    assert (data["language"], data["seriesName"], data["overview"]) == (language, name, overview)


def test_a_translation_with_its_own_aliases_and_banner_serves_them(
    tiny_api: httpx.Client,
) -> None:
    spanish = get(tiny_api, f"/series/{tiny.GERMAN}", "es").json()["data"]
    assert spanish["aliases"] == ["Alias Español"]
    assert spanish["banner"] == "graphical/900001-es.jpg"
    assert spanish["poster"] == "posters/900001-1.jpg"
    french = get(tiny_api, f"/series/{tiny.GERMAN}", "fr").json()["data"]
    assert french["aliases"] == ["Kleines Alias"]
    assert french["banner"] == "graphical/900001-g.jpg"


def test_the_series_record_never_carries_errors_for_a_missing_translation(
    api: httpx.Client,
) -> None:
    assert list(get(api, "/series/73739", "fr").json()) == ["data"]


# --- unknown series ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_id", ["1", "0", "999999999", "9223372036854775807", "999999999999999999999999"]
)
def test_unknown_series_is_404_with_id_message(api: httpx.Client, raw_id: str) -> None:
    assert_id_not_found(api.get(f"/series/{raw_id}"), raw_id)


def test_the_404_repeats_the_id_beyond_64_bits_exactly_as_recorded(api: httpx.Client) -> None:
    response = api.get("/series/999999999999999999999999")
    assert response.content == b'{"Error":"ID: 999999999999999999999999 not found"}'


# --- HEAD -------------------------------------------------------------------------------------


def test_head_series_has_the_get_headers_and_last_modified_but_no_body(
    api: httpx.Client,
) -> None:
    response = api.head("/series/76156")
    assert response.status_code == 200
    assert_wire_headers(response)
    assert response.content == b""
    # RFC 1123, from lastUpdated 1590423366.
    assert response.headers["last-modified"] == "Mon, 25 May 2020 16:16:06 GMT"
    assert parsedate_to_datetime(response.headers["last-modified"]).timestamp() == 1590423366


def test_head_series_follows_the_translation_like_get(api: httpx.Client) -> None:
    response = api.head("/series/76156", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    get_response = api.get("/series/76156", headers={"Accept-Language": "fr"})
    assert response.headers["content-length"] == get_response.headers["content-length"]


def test_head_series_of_a_series_never_updated_is_the_epoch(tiny_api: httpx.Client) -> None:
    response = tiny_api.head(f"/series/{tiny.TWENTY_FOUR}")
    assert response.headers["last-modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_head_of_an_unknown_series_is_404_without_a_body(api: httpx.Client) -> None:
    response = api.head("/series/1")
    assert response.status_code == 404
    assert_wire_headers(response)
    assert response.content == b""
    assert "last-modified" not in response.headers


def test_get_series_has_no_last_modified(api: httpx.Client) -> None:
    assert "last-modified" not in api.get("/series/76156").headers


# --- actors -----------------------------------------------------------------------------------


def test_actors_are_served_whole_in_bundle_order(api: httpx.Client) -> None:
    actors = demo_bundle(76156)["actors"]
    body = assert_ok(api.get("/series/76156/actors"))
    assert body == {"data": actors}
    assert len(body["data"]) == 18
    assert [a["id"] for a in body["data"]] != sorted(a["id"] for a in actors)
    for actor in body["data"]:
        assert list(actor) == ACTOR_KEYS
        # Date-time strings here, not epoch seconds (pytvdb parses them with strptime).
        for key in ("imageAdded", "lastUpdated"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", actor[key]), key


def test_actor_defaults_and_derived_series_id(tiny_api: httpx.Client) -> None:
    assert tiny_api.get(f"/series/{tiny.GERMAN}/actors").json() == {
        "data": [
            {"id": 5002, "seriesId": tiny.GERMAN, "name": "Zweite Person", "role": "Nachbar",
             "sortOrder": 1, "image": "", "imageAuthor": 0, "imageAdded": "", "lastUpdated": ""},
            {"id": 5001, "seriesId": tiny.GERMAN, "name": "Erste Person", "role": "Heldin",
             "sortOrder": 0, "image": "", "imageAuthor": 0, "imageAdded": "", "lastUpdated": ""},
        ]
    }  # fmt: skip


def test_a_series_without_actors_is_200_with_an_empty_list(api: httpx.Client) -> None:
    response = api.get("/series/73739/actors")
    assert_ok(response)
    assert response.content == b'{"data":[]}'


def test_actors_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/12345/actors"), "12345")


def test_actors_do_not_depend_on_the_language(api: httpx.Client) -> None:
    assert get(api, "/series/76156/actors", "fr").json() == api.get("/series/76156/actors").json()


# --- filter -----------------------------------------------------------------------------------


def test_filter_returns_only_the_requested_keys(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/filter?keys=network,banner,siteRating"))
    assert body == {"data": {"banner": "graphical/76156-g9.jpg", "network": "NBC", "siteRating": 9}}


def test_filter_follows_the_language(api: httpx.Client) -> None:
    body = get(api, "/series/76156/filter?keys=seriesName,overview,language,banner", "fr").json()
    expected = expected_series(76156, "fr")
    assert body == {
        "data": {k: expected[k] for k in ("seriesName", "banner", "language", "overview")}
    }


def test_filter_reports_unknown_keys_in_invalid_filters(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/filter?keys=network,bogus,Network"))
    assert body == {"data": {"network": "NBC"}, "errors": {"invalidFilters": ["bogus", "Network"]}}
    assert list(body) == ["data", "errors"]


def test_filter_reports_unknown_query_parameters(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/filter?keys=slug&lang=en"))
    assert body == {"data": {"slug": "scrubs"}, "errors": {"invalidQueryParams": ["lang"]}}


def test_filter_tolerates_spaces_and_empty_items_in_keys(api: httpx.Client) -> None:
    assert api.get("/series/76156/filter?keys=%20slug%20,,").json() == {"data": {"slug": "scrubs"}}


def test_filter_without_keys_is_400(api: httpx.Client) -> None:
    response = api.get("/series/76156/filter")
    assert_error(response, 400, "The keys query parameter is required")


def test_filter_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/5/filter?keys=network"), "5")


def test_filter_params_lists_every_series_key_nested_under_params(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/filter/params"))
    assert list(body) == ["data"]
    assert list(body["data"]) == ["params"]
    params = body["data"]["params"]
    assert sorted(params) == sorted(SERIES_KEYS_V3)
    # The live API's order (TvDbSharper's enum), then the later additions.
    assert params[:4] == ["banner", "status", "genre", "rating"]


def test_every_listed_filter_key_can_be_requested(api: httpx.Client) -> None:
    params = api.get("/series/76156/filter/params").json()["data"]["params"]
    body = api.get("/series/76156/filter", params={"keys": ",".join(params)}).json()
    assert body == {"data": expected_series(76156)}


def test_filter_params_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/5/filter/params"), "5")
