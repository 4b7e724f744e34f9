"""GET /search/series and /search/series/params (contract §7 and §3.3)."""

from __future__ import annotations

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import (
    RESOURCE_NOT_FOUND,
    SEARCH_KEYS_V3,
    assert_error,
    assert_ok,
    demo_bundle,
)

MISSING_IMAGE = "/banners/images/missing/series.jpg"
FIREFLIES = {78874, 333690, 80288, 105611, 368583}


def search(client: httpx.Client, language: str | None = None, **params: str) -> httpx.Response:
    headers = {"Accept-Language": language} if language else {}
    return client.get("/search/series", params=params, headers=headers)


def hit_ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["data"]]


# --- whole hits -----------------------------------------------------------------------------


def test_a_hit_is_the_alphabetical_record_with_banners_prefix_and_unpadded_date(
    api: httpx.Client,
) -> None:
    series = demo_bundle(76156)["series"]
    body = assert_ok(search(api, name="Scrubs"))
    assert list(body) == ["data"]
    assert body["data"][0] == {
        "aliases": ["Scrubs - Die Anfänger", "醫院狂想曲"],
        "banner": "/banners/graphical/76156-g9.jpg",
        "firstAired": "2001-10-2",
        "id": 76156,
        "image": "/banners/posters/76156-6.jpg",
        "network": "NBC",
        "overview": series["overview"],
        "poster": "/banners/posters/76156-6.jpg",
        "seriesName": "Scrubs",
        "slug": "scrubs",
        "status": "Ended",
    }
    assert list(body["data"][0]) == SEARCH_KEYS_V3


def test_a_hit_without_artwork_date_network_or_overview_uses_nulls_and_the_missing_image(
    api: httpx.Client,
) -> None:
    body = assert_ok(search(api, name="grave of the fireflies"))
    assert body == {
        "data": [
            {
                "aliases": [],
                "banner": None,
                "firstAired": None,
                "id": 368583,
                "image": MISSING_IMAGE,
                "network": None,
                "poster": None,
                "seriesName": "Grave of the fireflies",
                "slug": "grave-of-the-fireflies",
                "status": "Ended",
            }
        ]
    }


@pytest.mark.parametrize(
    ("series_id", "banner", "image", "poster"),
    [
        # banner null: poster null too, whatever the series' poster is
        (274735, None, "/banners/posters/274735-1.jpg", None),
        (167151, None, MISSING_IMAGE, None),
        # banner "" (set): poster equals image
        (333690, "", "/banners/posters/333690-1.jpg", "/banners/posters/333690-1.jpg"),
        (80288, "/banners/graphical/80288-g.jpg", "/banners/posters/5d051e47ab28f.jpg",
         "/banners/posters/5d051e47ab28f.jpg"),
    ],
)  # fmt: skip
def test_poster_follows_the_banner_and_image_falls_back_to_the_missing_picture(
    api: httpx.Client, series_id: int, banner: str | None, image: str, poster: str | None
) -> None:
    name = demo_bundle(series_id)["series"]["seriesName"]
    hits = {h["id"]: h for h in search(api, name=name).json()["data"]}
    assert (hits[series_id]["banner"], hits[series_id]["image"], hits[series_id]["poster"]) == (
        banner,
        image,
        poster,
    )


def test_every_hit_has_a_name_aliases_and_its_keys_in_alphabetical_order(
    api: httpx.Client,
) -> None:
    for query in ("fire", "scrubs", "lost", "glow"):
        for hit in search(api, name=query).json()["data"]:
            assert list(hit) == sorted(hit)
            assert set(hit) <= set(SEARCH_KEYS_V3)
            assert isinstance(hit["seriesName"], str) and hit["seriesName"]
            assert isinstance(hit["aliases"], list)
            assert isinstance(hit["id"], int)


# --- matching -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Scrubs", "sCruBs", "scrubs", "SCRUBS"])
def test_search_is_case_insensitive(api: httpx.Client, name: str) -> None:
    assert hit_ids(search(api, name=name)) == [76156, 167151, 274735]


def test_the_best_hit_comes_first(api: httpx.Client) -> None:
    assert hit_ids(search(api, name="firefly"))[0] == 78874
    assert hit_ids(search(api, name="fireflies"))[0] == 80288


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fire", FIREFLIES),  # a prefix of a word
        ("firef", FIREFLIES),
        ("grave fire", {368583}),  # every word must match
        ("of fireflies", {105611, 368583}),
        ("firefly 2017", {333690}),
        ("missing lost", {73739}),  # word order does not matter (alias "Lost: Missing Pieces")
    ],
)
def test_every_query_word_must_be_a_prefix_of_some_word(
    api: httpx.Client, name: str, expected: set[int]
) -> None:
    assert set(hit_ids(search(api, name=name))) == expected


def test_stemming_lets_firefly_find_fireflies(api: httpx.Client) -> None:
    assert set(hit_ids(search(api, name="firefly"))) == FIREFLIES


def test_stemming_lets_scrubs_find_scrubbing_in(api: httpx.Client) -> None:
    assert 274735 in hit_ids(search(api, name="scrubs"))


@pytest.mark.parametrize("name", ["firefly!!!", "  firefly  ", "firefly?", "(firefly)"])
def test_punctuation_in_the_query_is_ignored(api: httpx.Client, name: str) -> None:
    assert set(hit_ids(search(api, name=name))) == FIREFLIES


@pytest.mark.parametrize(
    ("name", "series_id"),
    [
        ("serenity", 78874),  # English alias
        ("Die Anfänger", 76156),  # German alias
        ("醫院", 76156),  # Chinese alias, by prefix
        ("醫院狂想曲", 76156),
        ("螢之光", 105611),
        ("hotaru no hikari", 105611),
        ("enfermeros", 274735),  # the Spanish translation's name, searched in English
    ],
)
def test_aliases_and_translated_names_in_any_language_are_searched(
    api: httpx.Client, name: str, series_id: int
) -> None:
    assert hit_ids(search(api, name=name)) == [series_id]


@pytest.mark.parametrize("language", ["en", "fr", "es", "de", "zh"])
def test_an_alias_is_found_whatever_the_request_language(api: httpx.Client, language: str) -> None:
    assert hit_ids(search(api, language, name="醫院")) == [76156]


def test_24_finds_24seven_and_lost_finds_lostorage(tiny_api: httpx.Client) -> None:
    assert tiny.TWENTY_FOUR in hit_ids(search(tiny_api, name="24"))
    assert hit_ids(search(tiny_api, name="lost")) == [tiny.LOSTORAGE]


@pytest.mark.parametrize("name", ["grey's anatomy", "GREY'S", "greys anatomy"])
def test_an_apostrophe_in_a_name_does_not_stop_a_match(tiny_api: httpx.Client, name: str) -> None:
    assert hit_ids(search(tiny_api, name=name)) == [tiny.APOSTROPHE]


def test_every_word_of_a_long_query_must_match(tiny_api: httpx.Client) -> None:
    name_words = tiny.TEN_WORDS_NAME.lower().split()
    assert hit_ids(search(tiny_api, name=" ".join(reversed(name_words)))) == [tiny.TEN_WORDS]
    response = search(tiny_api, name=" ".join([*name_words[:9], "eleven"]))
    assert_error(response, 404, "Resource not found")


@pytest.mark.parametrize(
    "name",
    [
        " ".join(f"w{i}" for i in range(600)),  # was a 500 on SQLite (compound select limit)
        " ".join(["one"] * 600 + ["eleven"]),
    ],
    ids=["600-words", "repeated-word"],
)
def test_a_query_of_hundreds_of_words_is_answered(tiny_api: httpx.Client, name: str) -> None:
    assert_error(search(tiny_api, name=name), 404, "Resource not found")


def test_a_repeated_word_counts_once(api: httpx.Client) -> None:
    assert hit_ids(search(api, name=" ".join(["serenity"] * 600))) == [78874]


def test_search_answers_at_most_100_hits(tiny_api: httpx.Client) -> None:
    ids = hit_ids(search(tiny_api, name="centum"))
    assert len(ids) == 100 == len(set(ids))
    centum = range(tiny.CENTUM_FIRST, tiny.CENTUM_FIRST + tiny.CENTUM_COUNT)
    assert set(ids) <= set(centum)


# --- translations -------------------------------------------------------------------------


def test_the_hit_name_and_overview_are_translated(api: httpx.Client) -> None:
    translation = demo_bundle(274735)["translations"]["es"]
    hit = search(api, "es", name="scrubbing").json()["data"][0]
    assert hit["seriesName"] == "Enfermeros en LA"
    assert hit["overview"] == translation["overview"]


def test_an_untranslated_hit_keeps_the_original_name_and_leaves_out_overview(
    api: httpx.Client,
) -> None:
    hit = search(api, "fr", name="scrubbing").json()["data"][0]
    assert hit["seriesName"] == "Scrubbing In"
    assert "overview" not in hit
    assert list(hit) == [k for k in SEARCH_KEYS_V3 if k != "overview"]


def test_hit_aliases_and_artwork_come_from_the_original_record_not_the_translation(
    api: httpx.Client, tiny_api: httpx.Client
) -> None:
    # Scrubs' French translation has its own banner; the German show's Spanish one has
    # its own banner and aliases.
    scrubs = search(api, "fr", name="scrubs").json()["data"][0]
    assert scrubs["banner"] == "/banners/graphical/76156-g9.jpg"
    german = search(tiny_api, "es", name="kleine").json()["data"][0]
    assert german["seriesName"] == "Serie Pequeña"
    assert german["aliases"] == ["Kleines Alias"]
    assert german["banner"] == "/banners/graphical/900001-g.jpg"
    assert "overview" not in german  # the Spanish translation has no overview


def test_a_missing_translated_name_falls_back_to_the_original_language_name(
    tiny_api: httpx.Client,
) -> None:
    # The German show's French translation has an overview but no name: German, not English.
    hit = search(tiny_api, "fr", name="little").json()["data"][0]
    assert hit["seriesName"] == "Kleine Serie"
    assert hit["overview"] == "Une petite série."


# --- exact-id searches ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value", "series_id"),
    [
        ("imdbId", "tt0285403", 76156),
        ("zap2itId", "EP00446160", 76156),
        ("slug", "firefly", 78874),
        ("slug", "grave-of-the-fireflies", 368583),
    ],
)
def test_imdb_zap2it_and_slug_searches_answer_one_hit(
    api: httpx.Client, param: str, value: str, series_id: int
) -> None:
    assert hit_ids(search(api, **{param: value})) == [series_id]


def test_every_given_search_parameter_must_match(api: httpx.Client) -> None:
    assert hit_ids(search(api, imdbId="tt0285403", name="scrubs")) == [76156]
    assert search(api, slug="firefly", name="scrubs").content == RESOURCE_NOT_FOUND


# --- no hit and bad queries -------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"name": "the fake show thingy"},
        {"name": "狂想"},  # not a prefix of any word
        {"name": "!!!"},  # no words at all
        {"imdbId": "tt0000000"},
        {"zap2itId": "EP0"},
        {"slug": "no-such-show"},
        {"imdbId": "TT0285403"},  # ids are exact
    ],
)
def test_no_hit_is_404_resource_not_found_exactly(
    api: httpx.Client, params: dict[str, str]
) -> None:
    response = search(api, **params)
    assert_error(response, 404, "Resource not found")
    assert response.content == RESOURCE_NOT_FOUND
    assert len(response.content) == 30


@pytest.mark.parametrize(
    "query", ["", "?name=", "?name=%20%20", "?lang=en", "?page=1", "?name&imdbId="]
)
def test_a_search_without_a_search_parameter_is_400(api: httpx.Client, query: str) -> None:
    assert_error(api.get("/search/series" + query), 400, "No valid query params given")


def test_unknown_parameters_beside_a_valid_one_are_reported_with_the_hits(
    api: httpx.Client,
) -> None:
    body = assert_ok(api.get("/search/series?name=serenity&lang=en&foo=1"))
    assert list(body) == ["data", "errors"]
    assert [hit["id"] for hit in body["data"]] == [78874]
    assert body["errors"] == {"invalidQueryParams": ["lang", "foo"]}


def test_search_results_are_not_paginated(api: httpx.Client) -> None:
    assert list(search(api, name="fire").json()) == ["data"]


# --- params -------------------------------------------------------------------------------


def test_search_params_are_nested_under_params(api: httpx.Client) -> None:
    response = api.get("/search/series/params")
    assert assert_ok(response) == {"data": {"params": ["name", "imdbId", "zap2itId", "slug"]}}
