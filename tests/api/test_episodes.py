"""/series/{id}/episodes[/query[/params]|/summary] and /episodes/{id}."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import (
    EPISODE_KEYS_V3,
    INVALID_LANGUAGE,
    assert_error,
    assert_id_not_found,
    assert_json_error,
    assert_ok,
    demo_bundle,
    demo_episode,
    expected_episode,
    page_links,
)

DATE = re.compile(r"(\d{4}-\d{2}-\d{2})?")  # or ""
DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})?")


def episodes_of(series_id: int) -> list[dict[str, Any]]:
    return sorted(demo_bundle(series_id)["episodes"], key=lambda e: e["id"])


def get(client: httpx.Client, path: str, language: str | None = None) -> httpx.Response:
    return client.get(path, headers={"Accept-Language": language} if language else {})


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "last"), [(1, 2), (2, 2)])
def test_scrubs_episodes_come_100_a_page_in_id_order_with_links_first(
    api: httpx.Client, page: int, last: int
) -> None:
    everything = episodes_of(76156)
    body = assert_ok(api.get(f"/series/76156/episodes?page={page}"))
    assert list(body) == ["links", "data"]
    assert body["links"] == page_links(page, last)
    assert list(body["links"]) == ["first", "last", "next", "prev"]
    expected = everything[(page - 1) * 100 : page * 100]
    assert body["data"] == [expected_episode(e) for e in expected]
    assert len(body["data"]) == (100 if page == 1 else 94)


def test_a_single_page_has_null_next_and_prev(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/78874/episodes"))
    assert body["links"] == {"first": 1, "last": 1, "next": None, "prev": None}
    assert body["data"] == [expected_episode(e) for e in episodes_of(78874)]


@pytest.mark.parametrize("page", [1, 2, 3])
def test_a_middle_page_links_both_ways(tiny_api: httpx.Client, page: int) -> None:
    body = assert_ok(tiny_api.get(f"/series/{tiny.LONG}/episodes", params={"page": page}))
    assert body["links"] == page_links(page, 3)
    first = tiny.LONG_FIRST_EPISODE + (page - 1) * 100
    assert [e["id"] for e in body["data"]] == list(range(first, min(first + 100, 920202)))


def test_pages_add_up_to_every_episode(tiny_api: httpx.Client) -> None:
    # tvdb-rest: total = (last - 1) * 100 + len(last page).
    first = tiny_api.get(f"/series/{tiny.LONG}/episodes").json()
    last = first["links"]["last"]
    last_page = tiny_api.get(f"/series/{tiny.LONG}/episodes?page={last}").json()
    assert (last - 1) * 100 + len(last_page["data"]) == tiny.LONG_EPISODES


@pytest.mark.parametrize("query", ["", "?page=0", "?page=", "?page=1", "?page=00", "?page=%201"])
def test_page_missing_empty_or_0_means_page_1(api: httpx.Client, query: str) -> None:
    assert (
        api.get("/series/76156/episodes" + query).json()
        == api.get("/series/76156/episodes?page=1").json()
    )


@pytest.mark.parametrize("page", ["3", "4", "100", "99999999999999999999999"])
def test_a_page_after_the_last_is_404_resource_not_found(api: httpx.Client, page: str) -> None:
    assert_error(api.get(f"/series/76156/episodes?page={page}"), 404, "Resource not found")


@pytest.mark.parametrize("page", ["-1", "1.5", "two", "1e2", "0x10", "١"])
def test_a_page_that_is_not_a_number_is_400(api: httpx.Client, page: str) -> None:
    response = api.get("/series/76156/episodes", params={"page": page})
    assert_error(response, 400, f"Invalid page: {page}")


def test_a_series_without_episodes_is_one_empty_page(api: httpx.Client) -> None:
    response = api.get("/series/80288/episodes")
    assert_ok(response)
    assert response.content == b'{"links":{"first":1,"last":1,"next":null,"prev":null},"data":[]}'


def test_page_2_of_a_series_without_episodes_is_404(tiny_api: httpx.Client) -> None:
    response = tiny_api.get(f"/series/{tiny.EMPTY}/episodes?page=2")
    assert_error(response, 404, "Resource not found")


def test_episodes_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/424242/episodes"), "424242")
    assert_id_not_found(api.get("/series/424242/episodes?page=2"), "424242")


def test_unknown_query_parameters_on_the_list_are_reported(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/78874/episodes?lang=en&page=1"))
    assert list(body) == ["links", "data", "errors"]
    assert body["errors"] == {"invalidQueryParams": ["lang"]}
    assert len(body["data"]) == 17


# --- the episode record ---------------------------------------------------------------------


def test_episode_by_id_is_the_whole_record(api: httpx.Client) -> None:
    body = assert_ok(api.get("/episodes/184602"))
    assert body == {"data": expected_episode(demo_episode(76156, 184602))}
    assert list(body["data"]) == EPISODE_KEYS_V3


def test_episode_numbers_keep_their_json_types(api: httpx.Client) -> None:
    for episode in api.get("/series/76156/episodes").json()["data"]:
        for key in ("id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "lastUpdated",
                    "seriesId", "lastUpdatedBy", "siteRatingCount", "isMovie"):  # fmt: skip
            assert type(episode[key]) is int, key
        assert type(episode["siteRating"]) in (int, float)
        assert episode["dvdEpisodeNumber"] is None or type(episode["dvdEpisodeNumber"]) is int
        assert DATE.fullmatch(episode["firstAired"]), episode["firstAired"]
        assert DATE_TIME.fullmatch(episode["thumbAdded"]), episode["thumbAdded"]
    response = api.get("/episodes/184602")
    assert b'"dvdEpisodeNumber":1,' in response.content
    assert b'"siteRating":7.6,' in response.content


def test_episode_defaults_and_derived_series_id(tiny_api: httpx.Client) -> None:
    data = get(tiny_api, "/episodes/910003", "de").json()["data"]
    assert data == {
        "id": 910003, "airedSeason": 0, "airedSeasonID": 0, "airedEpisodeNumber": 1,
        "episodeName": "Spezial", "firstAired": "2001-12-24", "guestStars": [],
        "directors": [], "writers": [], "overview": None,
        "language": {"episodeName": "de", "overview": "de"}, "productionCode": "",
        "showUrl": "", "lastUpdated": 0, "dvdDiscid": "", "dvdSeason": 1,
        "dvdEpisodeNumber": 1.5, "dvdChapter": None, "absoluteNumber": None, "filename": "",
        "seriesId": tiny.GERMAN, "lastUpdatedBy": 0, "airsAfterSeason": None,
        "airsBeforeSeason": None, "airsBeforeEpisode": None, "imdbId": "",
        "contentRating": None, "thumbAuthor": None, "thumbAdded": "", "thumbWidth": None,
        "thumbHeight": None, "siteRating": 0, "siteRatingCount": 0, "isMovie": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    "raw_id", ["0", "1", "184601", "9223372036854775807", "99999999999999999999"]
)
def test_an_unknown_episode_is_404_with_id_message(api: httpx.Client, raw_id: str) -> None:
    assert_id_not_found(api.get(f"/episodes/{raw_id}"), raw_id)


def test_episodes_are_served_in_id_order_whatever_the_bundle_order(
    tiny_api: httpx.Client,
) -> None:
    data = get(tiny_api, f"/series/{tiny.GERMAN}/episodes", "de").json()["data"]
    assert [e["id"] for e in data] == [910001, 910002, 910003]


# --- translations ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "es"])
def test_scrubs_episodes_are_translated_without_errors_when_every_name_is(
    api: httpx.Client, language: str
) -> None:
    for page in (1, 2):
        body = get(api, f"/series/76156/episodes?page={page}", language).json()
        assert list(body) == ["links", "data"]  # null overviews alone add no errors
        expected = episodes_of(76156)[(page - 1) * 100 : page * 100]
        assert body["data"] == [expected_episode(e, language) for e in expected]


@pytest.mark.parametrize("page", [1, 2])
def test_lost_in_french_has_null_texts_and_invalid_language_on_every_page(
    api: httpx.Client, page: int
) -> None:
    body = get(api, f"/series/73739/episodes?page={page}", "fr").json()
    assert list(body) == ["links", "data", "errors"]
    assert body["errors"] == INVALID_LANGUAGE
    for episode in body["data"]:
        assert (episode["episodeName"], episode["overview"]) == (None, None)
        assert episode["language"] == {"episodeName": "fr", "overview": "fr"}


def test_there_is_no_fallback_to_english_for_episodes(api: httpx.Client) -> None:
    body = get(api, "/series/76156/episodes", "de-DE,de;q=0.9").json()
    assert body["errors"] == INVALID_LANGUAGE
    assert {e["episodeName"] for e in body["data"]} == {None}
    assert {e["overview"] for e in body["data"]} == {None}
    assert {e["language"]["episodeName"] for e in body["data"]} == {"de"}


def test_invalid_language_is_decided_per_page(tiny_api: httpx.Client) -> None:
    # Only page 2 holds the episode without a name.
    pages = [tiny_api.get(f"/series/{tiny.LONG}/episodes?page={p}").json() for p in (1, 2, 3)]
    assert [p.get("errors") for p in pages] == [None, INVALID_LANGUAGE, None]
    assert list(pages[1]) == ["links", "data", "errors"]


def test_an_episode_with_a_name_but_no_overview_has_no_errors(api: httpx.Client) -> None:
    body = assert_ok(get(api, "/episodes/184603", "fr"))
    assert list(body) == ["data"]
    assert body["data"] == expected_episode(demo_episode(76156, 184603), "fr")
    assert body["data"]["overview"] is None
    assert body["data"]["episodeName"] is not None


def test_an_episode_without_a_name_in_the_language_has_invalid_language(
    api: httpx.Client,
) -> None:
    body = assert_ok(get(api, "/episodes/127131", "fr"))
    assert body == {
        "data": expected_episode(demo_episode(73739, 127131), "fr"),
        "errors": INVALID_LANGUAGE,
    }


@pytest.mark.parametrize(
    ("episode_id", "language", "name", "overview", "errors"),
    [
        (910001, "de", "Erste Folge", "Die erste.", False),  # the original language
        (910001, "en", "First Episode", None, False),  # a name and no overview: fine
        (910001, "fr", None, "Le premier.", True),  # an overview but no name
        (910002, "en", "Second Episode", "The second.", False),
        (910003, "en", None, None, True),  # no English translation at all
        (910003, "de", "Spezial", None, False),
    ],
)
def test_an_episode_translation_is_taken_as_it_is(
    tiny_api: httpx.Client,
    episode_id: int,
    language: str,
    name: str | None,
    overview: str | None,
    errors: bool,
) -> None:
    body = get(tiny_api, f"/episodes/{episode_id}", language).json()
    data = body["data"]
    assert (data["episodeName"], data["overview"]) == (name, overview)
    assert data["language"] == {"episodeName": language, "overview": language}
    assert body.get("errors") == (INVALID_LANGUAGE if errors else None)


def test_the_german_show_listed_in_english_flags_its_untranslated_special(
    tiny_api: httpx.Client,
) -> None:
    body = get(tiny_api, f"/series/{tiny.GERMAN}/episodes", "en").json()
    assert [e["episodeName"] for e in body["data"]] == ["First Episode", "Second Episode", None]
    assert body["errors"] == INVALID_LANGUAGE


# --- /episodes/query ------------------------------------------------------------------------


def test_query_with_only_page_equals_the_episode_list(api: httpx.Client) -> None:
    for page in ("", "?page=1", "?page=2"):
        assert (
            api.get(f"/series/76156/episodes/query{page}").json()
            == api.get(f"/series/76156/episodes{page}").json()
        )


def _ids(response: httpx.Response) -> list[int]:
    body = assert_ok(response)
    assert list(body) == ["links", "data"]
    return [e["id"] for e in body["data"]]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("airedSeason=1", {"airedSeason": 1}),
        ("airedSeason=0", {"airedSeason": 0}),
        ("airedSeason=1&airedEpisode=3", {"airedSeason": 1, "airedEpisodeNumber": 3}),
        ("airedEpisode=1", {"airedEpisodeNumber": 1}),
        ("absoluteNumber=25", {"absoluteNumber": 25}),
        ("dvdSeason=8", {"dvdSeason": 8}),
        ("dvdSeason=8&dvdEpisode=2", {"dvdSeason": 8, "dvdEpisodeNumber": 2}),
        ("imdbId=tt0696640", {"imdbId": "tt0696640"}),
        ("firstAired=2001-10-02", {"firstAired": "2001-10-02"}),
        ("firstAired=2009-01-13", {"firstAired": "2009-01-13"}),
    ],
)
def test_query_filters_select_matching_episodes(
    api: httpx.Client, query: str, fields: dict[str, Any]
) -> None:
    expected = [e["id"] for e in episodes_of(76156) if all(e[k] == v for k, v in fields.items())]
    assert expected  # the demo has such episodes
    assert _ids(api.get(f"/series/76156/episodes/query?{query}")) == expected


def test_query_returns_whole_records(api: httpx.Client) -> None:
    body = api.get("/series/76156/episodes/query?airedSeason=1&airedEpisode=1").json()
    assert body == {
        "links": page_links(1, 1),
        "data": [expected_episode(demo_episode(76156, 184602))],
    }


def test_query_by_a_decimal_dvd_episode_number(tiny_api: httpx.Client) -> None:
    path = f"/series/{tiny.GERMAN}/episodes/query?dvdEpisode="
    assert _ids(get(tiny_api, path + "1.5", "de")) == [910003]
    assert _ids(get(tiny_api, path + "2.0", "de")) == [910002]
    assert _ids(get(tiny_api, path + "1", "de")) == [910001]


def test_query_results_are_paginated(tiny_api: httpx.Client) -> None:
    body = tiny_api.get(f"/series/{tiny.LONG}/episodes/query?airedSeason=1&page=1").json()
    assert body["links"] == page_links(1, 1)
    assert len(body["data"]) == 60
    response = tiny_api.get(f"/series/{tiny.LONG}/episodes/query?airedSeason=1&page=2")
    assert_error(response, 404, "Resource not found")


def test_query_answers_in_the_requested_language(api: httpx.Client) -> None:
    body = get(api, "/series/73739/episodes/query?airedSeason=1", "fr").json()
    assert body["errors"] == INVALID_LANGUAGE
    assert len(body["data"]) == 24


@pytest.mark.parametrize(
    "query",
    ["airedSeason=42", "airedSeason=1&airedEpisode=99", "firstAired=2000-01-01",
     "imdbId=tt0000000", "absoluteNumber=-5", "dvdEpisode=999.5",
     "airedSeason=999999999999999999"],
)  # fmt: skip
def test_a_query_without_a_match_is_404_resource_not_found(api: httpx.Client, query: str) -> None:
    assert_error(api.get(f"/series/76156/episodes/query?{query}"), 404, "Resource not found")


def test_a_query_of_a_series_without_episodes_is_404(api: httpx.Client) -> None:
    assert_error(api.get("/series/80288/episodes/query?airedSeason=1"), 404, "Resource not found")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("airedSeason", "one"),
        ("airedSeason", ""),
        ("airedSeason", "1.0"),
        ("airedEpisode", "99999999999999999999"),
        ("absoluteNumber", "1e3"),
        ("dvdSeason", "x"),
        ("dvdEpisode", "nan"),
        ("dvdEpisode", "inf"),
        ("dvdEpisode", "1e400"),
        ("dvdEpisode", "two"),
        ("firstAired", "2001-10-2"),
        ("firstAired", "02/10/2001"),
        ("firstAired", "yesterday"),
    ],
)
def test_a_bad_filter_value_is_400_naming_the_parameter(
    api: httpx.Client, name: str, value: str
) -> None:
    response = api.get("/series/76156/episodes/query", params={name: value})
    message = assert_json_error(response, 400)
    assert message.startswith(f"Invalid value for {name}: {value}"), message


def test_unknown_query_parameters_are_reported_beside_the_matches(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/episodes/query?airedSeason=1&season=1&lang=en"))
    assert list(body) == ["links", "data", "errors"]
    assert body["errors"] == {"invalidQueryParams": ["season", "lang"]}
    assert len(body["data"]) == 24


def test_query_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/31337/episodes/query?airedSeason=1"), "31337")


def test_query_params_lists_the_filters(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/episodes/query/params"))
    assert body == {
        "data": ["absoluteNumber", "airedSeason", "airedEpisode", "dvdSeason", "dvdEpisode",
                 "imdbId", "firstAired"]
    }  # fmt: skip


def test_query_params_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/31337/episodes/query/params"), "31337")


# --- summary --------------------------------------------------------------------------------


def test_summary_counts_are_strings_and_seasons_lists_of_strings(api: httpx.Client) -> None:
    episodes = episodes_of(76156)
    body = assert_ok(api.get("/series/76156/episodes/summary"))
    assert list(body["data"]) == ["airedSeasons", "airedEpisodes", "dvdSeasons", "dvdEpisodes"]
    data = body["data"]
    assert sorted(data["airedSeasons"], key=int) == [
        str(s) for s in sorted({e["airedSeason"] for e in episodes})
    ]
    assert sorted(data["dvdSeasons"], key=int) == [
        str(s) for s in sorted({e["dvdSeason"] for e in episodes if e["dvdSeason"] is not None})
    ]
    assert data["airedEpisodes"] == "194"
    assert data["dvdEpisodes"] == str(sum(e["dvdSeason"] is not None for e in episodes))
    assert "0" in data["airedSeasons"]  # specials are season 0


def test_summary_of_a_series_without_episodes_is_empty(api: httpx.Client) -> None:
    assert assert_ok(api.get("/series/80288/episodes/summary")) == {
        "data": {"airedSeasons": [], "airedEpisodes": "0", "dvdSeasons": [], "dvdEpisodes": "0"}
    }


def test_summary_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/2/episodes/summary"), "2")
