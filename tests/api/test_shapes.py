"""Version shapes (contract Part 1 §2: Accept ignored by default, negotiated with the
`accept_version_negotiation` setting on), the envelope of every route (§3), and the served
bytes against the recorded real responses in ../shared/recorded-api."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import (
    DOCUMENTED_ROUTES,
    EPISODE_KEYS_V2,
    EPISODE_KEYS_V3,
    IMAGE_KEYS_V2,
    SEARCH_KEYS_V2,
    SERIES_KEYS_V2,
    SERIES_KEYS_V3,
    V2,
    V3,
    assert_ok,
    assert_wire_headers,
    example_url,
    expected_vary,
    recorded,
)

V2_ACCEPTS = [
    "application/vnd.thetvdb.v2",
    "application/vnd.thetvdb.v2.1.0",
    "application/vnd.thetvdb.v2.1.1",  # node-tvdb
    "application/vnd.thetvdb.v2.2.0",
    "application/vnd.thetvdb.v2.1.1+json",
    "APPLICATION/VND.THETVDB.V2.1.1",
    "application/json, application/vnd.thetvdb.v2.1.1;q=0.9",
]
V3_ACCEPTS = [
    "application/vnd.thetvdb.v3.0.0",
    "application/vnd.thetvdb.v3",
    "application/vnd.thetvdb.v20",
    "application/json",
    "*/*",
    "text/html",
    "nonsense",
    "",
]


def as_v2(accept: str = "application/vnd.thetvdb.v2.1.1") -> dict[str, str]:
    return {"Accept": accept}


# --- the default: Accept is ignored ----------------------------------------------------------

NODE_TVDB_ACCEPT = "application/vnd.thetvdb.v2.1.1"  # node-tvdb 4.1.0 sends it on every call
# One URL per route family, answered 200 by the demo catalogue.
FAMILY_URLS = [
    "/languages",
    "/languages/7",
    "/episodes/184602",
    "/search/series?name=scrubs",
    "/search/series/params",
    "/series/76156",
    "/series/76156/actors",
    "/series/76156/episodes?page=2",
    "/series/76156/episodes/query?airedSeason=3",
    "/series/76156/episodes/query/params",
    "/series/76156/episodes/summary",
    "/series/76156/filter?keys=season,poster,fanart,language,banner",
    "/series/76156/filter/params",
    "/series/76156/images",
    "/series/76156/images/query?keyType=poster",
    "/series/76156/images/query/params",
    "/updated/query?fromTime=1590000000",
    "/updated/query/params",
    "/movies/107",
    "/movieupdates?since=0",
]


@pytest.mark.parametrize("accept", [*V2_ACCEPTS, *V3_ACCEPTS])
def test_by_default_any_accept_gets_the_3_0_0_series_shape(api: httpx.Client, accept: str) -> None:
    body = assert_ok(api.get("/series/76156", headers={"Accept": accept}), V3)
    assert list(body["data"]) == SERIES_KEYS_V3
    assert body["data"]["season"] == "9"


@pytest.mark.parametrize("url", FAMILY_URLS)
def test_by_default_node_tvdbs_accept_gets_the_3_0_0_answer_byte_for_byte(
    api: httpx.Client, url: str
) -> None:
    plain = api.get(url)
    # Asked first with the v2 header, then without, and again: the response cache sees both.
    for headers in ({"Accept": NODE_TVDB_ACCEPT}, {}, {"Accept": NODE_TVDB_ACCEPT}):
        response = api.get(url, headers=headers)
        assert_ok(response, V3)
        assert response.content == plain.content
        assert response.headers["etag"] == plain.headers["etag"]


def test_by_default_the_3_0_0_fields_node_tvdb_users_read_are_there(api: httpx.Client) -> None:
    v2 = {"Accept": NODE_TVDB_ACCEPT}
    series = api.get("/series/76156", headers=v2).json()["data"]
    assert (series["fanart"], series["poster"], series["season"]) == (
        "fanart/original/76156-11.jpg",
        "posters/76156-6.jpg",
        "9",
    )
    assert api.get("/episodes/184602", headers=v2).json()["data"]["contentRating"] == "TV-PG"
    hit = api.get("/search/series?name=scrubs", headers=v2).json()["data"][0]
    assert hit["image"] == "/banners/posters/76156-6.jpg"
    images = api.get("/series/76156/images/query?keyType=fanart", headers=v2).json()["data"]
    assert {image["language"] for image in images} == {"en"}


def test_by_default_errors_and_tokens_answer_3_0_0_whatever_accept(api: httpx.Client) -> None:
    v2 = {"Accept": NODE_TVDB_ACCEPT}
    assert_wire_headers(api.get("/refresh_token", headers=v2), V3)
    assert_wire_headers(api.post("/login", json={"apikey": "k"}, headers=v2), V3)
    assert_wire_headers(api.head("/series/76156", headers=v2), V3)
    assert_wire_headers(api.get("/series/1", headers=v2), V3)
    assert_wire_headers(api.get("/nope", headers=v2), V3)


# --- negotiation (the accept_version_negotiation setting on) ----------------------------------


@pytest.mark.parametrize("accept", V2_ACCEPTS)
def test_a_v2_accept_gets_the_v2_2_series_shape(negotiating_api: httpx.Client, accept: str) -> None:
    body = assert_ok(negotiating_api.get("/series/76156", headers=as_v2(accept)), V2)
    v3 = negotiating_api.get("/series/76156").json()["data"]
    assert body == {"data": {key: v3[key] for key in SERIES_KEYS_V2}}
    assert list(body["data"]) == SERIES_KEYS_V2


@pytest.mark.parametrize("accept", V3_ACCEPTS)
def test_any_other_accept_gets_the_3_0_0_shape_and_never_406(
    negotiating_api: httpx.Client, accept: str
) -> None:
    body = assert_ok(negotiating_api.get("/series/76156", headers={"Accept": accept}), V3)
    assert list(body["data"]) == SERIES_KEYS_V3


def test_negotiated_answers_are_cached_per_shape(negotiating_api: httpx.Client) -> None:
    for _ in range(2):
        v2 = negotiating_api.get("/series/76156/episodes?page=2", headers=as_v2())
        v3 = negotiating_api.get("/series/76156/episodes?page=2")
        assert v2.headers["x-thetvdb-api-version"] == V2
        assert v3.headers["x-thetvdb-api-version"] == V3
        assert [list(e) for e in v2.json()["data"]] == [EPISODE_KEYS_V2] * 94
        assert [list(e) for e in v3.json()["data"]] == [EPISODE_KEYS_V3] * 94


def test_a_v2_episode_has_the_legacy_director_string_and_v2_2_order(
    negotiating_api: httpx.Client,
) -> None:
    body = assert_ok(negotiating_api.get("/episodes/184602", headers=as_v2()), V2)
    v3 = negotiating_api.get("/episodes/184602").json()["data"]
    assert list(body["data"]) == EPISODE_KEYS_V2
    assert body["data"]["director"] == "Adam Bernstein"
    assert body["data"] == {key: v3.get(key, "Adam Bernstein") for key in EPISODE_KEYS_V2}


@pytest.mark.parametrize(
    ("episode_id", "director"), [(910001, "Anna Regie"), (910002, ""), (910003, "")]
)
def test_the_v2_director_is_the_first_director_or_empty(
    tiny_negotiating_api: httpx.Client, episode_id: int, director: str
) -> None:
    data = tiny_negotiating_api.get(f"/episodes/{episode_id}", headers=as_v2()).json()["data"]
    assert data["director"] == director


def test_v2_episode_lists_keep_links_and_use_the_v2_2_records(
    negotiating_api: httpx.Client,
) -> None:
    for path in ("/series/76156/episodes?page=2", "/series/76156/episodes/query?airedSeason=3"):
        body = assert_ok(negotiating_api.get(path, headers=as_v2()), V2)
        v3 = negotiating_api.get(path).json()
        assert list(body) == ["links", "data"]
        assert body["links"] == v3["links"]
        assert [list(e) for e in body["data"]] == [EPISODE_KEYS_V2] * len(v3["data"])


def test_v2_episode_errors_are_the_same(negotiating_api: httpx.Client) -> None:
    headers = {**as_v2(), "Accept-Language": "fr"}
    french = {"Accept-Language": "fr"}
    assert (
        negotiating_api.get("/series/73739/episodes", headers=headers).json()["errors"]
        == negotiating_api.get("/series/73739/episodes", headers=french).json()["errors"]
    )


def test_v2_images_leave_out_language_and_series_last_updated(
    negotiating_api: httpx.Client,
) -> None:
    path = "/series/76156/images/query?keyType=poster"
    body = assert_ok(negotiating_api.get(path, headers=as_v2()), V2)
    v3 = negotiating_api.get(path).json()["data"]
    assert body["data"] == [{key: image[key] for key in IMAGE_KEYS_V2} for image in v3]
    assert [list(i) for i in body["data"]] == [IMAGE_KEYS_V2] * len(v3)


def test_v2_search_hits_leave_out_image_and_poster(negotiating_api: httpx.Client) -> None:
    body = assert_ok(negotiating_api.get("/search/series?name=scrubs", headers=as_v2()), V2)
    v3 = negotiating_api.get("/search/series?name=scrubs").json()["data"]
    assert body["data"] == [
        {k: v for k, v in hit.items() if k not in ("image", "poster")} for hit in v3
    ]
    for hit in body["data"]:
        assert list(hit) == [k for k in SEARCH_KEYS_V2 if k in hit]


def test_v2_filter_knows_only_v2_keys(negotiating_api: httpx.Client) -> None:
    params = negotiating_api.get("/series/76156/filter/params", headers=as_v2()).json()
    assert sorted(params["data"]["params"]) == sorted(SERIES_KEYS_V2)
    body = negotiating_api.get("/series/76156/filter?keys=season,banner", headers=as_v2()).json()
    assert body == {
        "data": {"banner": "graphical/76156-g9.jpg"},
        "errors": {"invalidFilters": ["season"]},
    }


@pytest.mark.parametrize(
    "path",
    [
        "/languages",
        "/languages/7",
        "/series/76156/actors",
        "/series/76156/episodes/summary",
        "/series/76156/episodes/query/params",
        "/series/76156/images",
        "/series/76156/images/query/params",
        "/search/series/params",
        "/updated/query?fromTime=1590000000",
        "/updated/query/params",
        "/movies/107",
        "/movieupdates?since=0",
    ],
)
def test_records_without_a_v2_variant_are_the_same_in_both_shapes(
    negotiating_api: httpx.Client, path: str
) -> None:
    v2 = assert_ok(negotiating_api.get(path, headers=as_v2()), V2)
    assert v2 == negotiating_api.get(path).json()


def test_tokens_and_head_answer_in_the_negotiated_version(negotiating_api: httpx.Client) -> None:
    api = negotiating_api
    assert_wire_headers(api.get("/refresh_token", headers=as_v2()), V2)
    assert_wire_headers(api.post("/login", json={"apikey": "k"}, headers=as_v2()), V2)
    head = api.head("/series/76156", headers=as_v2())
    assert_wire_headers(head, V2)
    assert int(head.headers["content-length"]) == len(
        api.get("/series/76156", headers=as_v2()).content
    )


# --- the envelope of every route --------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), DOCUMENTED_ROUTES)
def test_every_documented_route_answers_its_envelope(
    api: httpx.Client, method: str, path: str
) -> None:
    if path == "/login":
        response = api.post(path, json={"apikey": "k"})
    else:
        response = api.request(method, example_url(path))
    assert response.status_code == 200, response.text[:300]
    assert_wire_headers(response)
    if method == "HEAD":
        assert response.content == b""
        return
    body = response.json()
    if path in ("/login", "/refresh_token"):
        assert list(body) == ["token"]
    elif path in ("/series/{id}/episodes", "/series/{id}/episodes/query"):
        assert list(body) == ["links", "data"]
    else:
        assert list(body) == ["data"]


def test_paginated_envelopes_put_links_then_data_then_errors(tiny_api: httpx.Client) -> None:
    response = tiny_api.get(f"/series/{tiny.LONG}/episodes?page=2&x=1")
    assert response.content.startswith(b'{"links":{"first":1,"last":3,"next":3,"prev":1},"data":[')
    assert list(response.json()) == ["links", "data", "errors"]
    assert list(response.json()["errors"]) == ["invalidLanguage", "invalidQueryParams"]


# --- the recorded real responses --------------------------------------------------------------

RECORDED_HEADERS = ["Content-Type", "Cache-Control", "X-Thetvdb-Api-Version"]
# Our demo keeps the real facts but writes its own summaries and alias lists.
OWN_TEXT = {"overview", "aliases"}


def real(name: str) -> dict[str, Any]:
    response = recorded(name)
    if response is None:
        pytest.skip("../shared/recorded-api is not available")
    return response


def served(client: httpx.Client, recording: dict[str, Any], **headers: str) -> httpx.Response:
    path = recording["url"].removeprefix("https://api.thetvdb.com")
    response = client.get(path, headers=headers)
    assert response.status_code == recording["status"]
    for name in RECORDED_HEADERS:
        assert response.headers[name] == recording["headers"][name]
    # Some were gzipped on the way: `Vary: Accept-Encoding,Accept-Language`; tvdbd adds
    # Accept-Encoding to every body big enough to be compressed.
    assert "Accept-Language" in recording["headers"]["Vary"].split(",")
    assert response.headers["Vary"] == expected_vary(response)
    return response


def without(record: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


@pytest.mark.parametrize(
    "name",
    [
        "languages__e707a7b2.json",
        "series_76156_actors__6bdf7786.json",
        "series_76156_images__28b5e718.json",
        "series_76156_images_query_keyType_fanart__e085517c.json",
        "series_76156_images_query_keyType_poster__4c269d04.json",
        "series_76156_images_query_keyType_seasonwide__f2502214.json",
        "series_76156_images_query_keyType_series__ce8430a8.json",
        "search_series_name_the_20fake_20show_20thingy__cfecf585.json",
        "series_999999999999999999999999__5a6d8f22.json",
    ],
)
def test_served_like_the_recording_exactly(api: httpx.Client, name: str) -> None:
    recording = real(name)
    assert served(api, recording).json() == recording["body"]


def test_season_images_are_served_like_the_recording(api: httpx.Client) -> None:
    # The recorded client also sent `lang`, reported in errors; the images are the same.
    recording = real("series_76156_images_query_keyType_season__a9a62262.json")
    assert served(api, recording).json()["data"] == recording["body"]["data"]


@pytest.mark.parametrize(
    "name",
    ["series_73739__bd8fa3a1.json", "series_76156__f5b84280.json", "series_78874__3b184ea3.json"],
)
def test_series_is_served_like_the_recording_but_for_our_own_texts(
    api: httpx.Client, name: str
) -> None:
    recording = real(name)
    body = served(api, recording, **{"Accept-Language": "en"}).json()
    assert list(body["data"]) == list(recording["body"]["data"])
    assert without(body["data"], OWN_TEXT) == without(recording["body"]["data"], OWN_TEXT)


@pytest.mark.parametrize("name", ["series_76156__44e3b934.json", "series_76156__2c3d2663.json"])
def test_translated_series_keeps_the_recorded_key_order_and_language(
    api: httpx.Client, name: str
) -> None:
    recording = real(name)
    language = recording["body"]["data"]["language"]
    body = served(api, recording, **{"Accept-Language": language}).json()
    assert list(body["data"]) == list(recording["body"]["data"])
    assert body["data"]["language"] == language
    assert body["data"]["banner"] == recording["body"]["data"]["banner"]


@pytest.mark.parametrize(
    "name",
    [
        "series_73739_episodes__7e5ab061.json",
        "series_73739_episodes_page_2__cdc28d5a.json",
        "series_76156_episodes__ed66cf25.json",
        "series_76156_episodes_page_2__409edd23.json",
        "series_78874_episodes__4780a4e9.json",
    ],
)
def test_english_episode_pages_are_served_like_the_recording_but_for_overviews(
    api: httpx.Client, name: str
) -> None:
    recording = real(name)
    body = served(api, recording, **{"Accept-Language": "en"}).json()
    assert list(body) == list(recording["body"])
    assert body["links"] == recording["body"]["links"]
    assert [list(e) for e in body["data"]] == [list(e) for e in recording["body"]["data"]]
    assert [list(e) for e in body["data"]] == [EPISODE_KEYS_V3] * len(body["data"])
    assert [without(e, {"overview"}) for e in body["data"]] == [
        without(e, {"overview"}) for e in recording["body"]["data"]
    ]


@pytest.mark.parametrize(
    "name",
    [
        "search_series_name_Firefly__91dd1fbd.json",
        "search_series_name_Scrubs__9efad0ef.json",
        "search_series_name_sCruBs__923a0d0a.json",
    ],
)
def test_search_answers_the_recorded_hits_with_the_recorded_keys(
    api: httpx.Client, name: str
) -> None:
    recording = real(name)
    body = served(api, recording, **{"Accept-Language": "en"}).json()
    assert [h["id"] for h in body["data"]] == [h["id"] for h in recording["body"]["data"]]
    assert [list(h) for h in body["data"]] == [list(h) for h in recording["body"]["data"]]
    for ours, theirs in zip(body["data"], recording["body"]["data"], strict=True):
        for key in ("banner", "firstAired", "image", "poster", "seriesName", "slug"):
            assert ours[key] == theirs[key], key
