"""The v3 movie routes (contract §2, §3.12): `/movies/{id}` and `/movieupdates`, on the demo.

Decisions pinned here are in docs/api-contract-decisions.md ("Movies").
"""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.api.wire import (
    NOT_AUTHORIZED,
    V3,
    assert_error,
    assert_id_not_found,
    assert_ok,
    assert_wire_headers,
    demo_movie_ids,
    demo_movie_line,
)
from tests.support import LiveServer

NO_VALID_PARAMS = "No valid query params given"
# Contract §3.12, in the swagger's order; snake_case like nothing else on the API.
MOVIE_KEYS = [
    "id", "url", "runtime", "artworks", "genres", "people", "release_dates", "remoteids",
    "trailers", "translations",
]  # fmt: skip
PERSON_KEYS = [
    "id", "imdb_id", "is_featured", "name", "people_facebook", "people_id", "people_image",
    "people_instagram", "people_twitter", "role", "role_image",
]  # fmt: skip
PART_KEYS = {
    "artworks": ["id", "artwork_type", "url", "thumb_url", "tags", "is_primary", "width", "height"],
    "genres": ["id", "name", "url"],
    "release_dates": ["type", "date", "country"],
    "remoteids": ["id", "source_id", "source_name", "source_url", "url"],
    "trailers": ["name", "url"],
    "translations": ["language_code", "name", "overview", "tagline", "is_primary"],
}


def _updated_since(since: int) -> list[int]:
    """What /movieupdates should say, from the demo lines: lastUpdated >= since, oldest first."""
    lines = [demo_movie_line(i) for i in demo_movie_ids()]
    hits = [(line["lastUpdated"], line["movie"]["id"]) for line in lines]
    return [movie_id for updated, movie_id in sorted(hits) if updated >= since]


# --- /movies/{id} ---------------------------------------------------------------------------


@pytest.mark.parametrize("movie_id", demo_movie_ids())
def test_a_movie_is_its_bundle_record_in_data_byte_for_byte(
    api: httpx.Client, movie_id: int
) -> None:
    response = api.get(f"/movies/{movie_id}")
    body = assert_ok(response)
    assert response.content == orjson.dumps({"data": demo_movie_line(movie_id)["movie"]})
    data = body["data"]
    assert list(data) == MOVIE_KEYS
    assert list(data["people"]) == ["actors", "directors", "producers", "writers"]
    assert all(list(p) == PERSON_KEYS for people in data["people"].values() for p in people)
    for key, keys in PART_KEYS.items():
        assert all(list(item) == keys for item in data[key]), key


def test_the_fellowship_of_the_ring_has_its_real_facts(api: httpx.Client) -> None:
    data = api.get("/movies/107").json()["data"]
    assert data["runtime"] == 178
    assert (
        data["url"] == "https://thetvdb.com/movies/the-lord-of-the-rings-the-fellowship-of-the-ring"
    )
    primary = [t for t in data["translations"] if t["is_primary"]]
    assert [t["name"] for t in primary] == ["The Lord of the Rings: The Fellowship of the Ring"]
    assert {r["source_name"]: r["id"] for r in data["remoteids"]} == {
        "IMDB": "tt0120737",
        "TheMovieDB.com": "120",
    }
    assert data["release_dates"][0]["date"] == "2001-12-19"
    assert [p["name"] for p in data["people"]["directors"]] == ["Peter Jackson"]
    assert ("Elijah Wood", "Frodo Baggins") in [
        (p["name"], p["role"]) for p in data["people"]["actors"]
    ]


@pytest.mark.parametrize("language", ["de", "fr", "xx", "de-DE,de;q=0.9"])
def test_the_record_is_the_same_in_every_language(api: httpx.Client, language: str) -> None:
    # Decision: the record carries every translation; Accept-Language changes nothing.
    english = api.get("/movies/157")
    response = api.get("/movies/157", headers={"Accept-Language": language})
    assert_ok(response)
    assert response.content == english.content
    assert response.headers["vary"] == english.headers["vary"]


@pytest.mark.parametrize(
    "movie_id", ["1", "0", "999999999", "76156", "abc", "-107", "0107x", "99999999999999999999999"]
)
def test_unknown_movie_is_404_with_id_message(api: httpx.Client, movie_id: str) -> None:
    # 76156 is a series: movies are an id space of their own.
    assert_id_not_found(api.get(f"/movies/{movie_id}"), movie_id)


def test_a_movie_id_with_leading_zeros_is_that_movie(api: httpx.Client) -> None:
    assert api.get("/movies/0107").json() == api.get("/movies/107").json()


def test_head_of_a_movie_is_the_gets_headers_without_a_body(api: httpx.Client) -> None:
    identity = {"Accept-Encoding": "identity"}
    get, head = api.get("/movies/74", headers=identity), api.head("/movies/74", headers=identity)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_movie_answers_have_etags_304s_and_compression(api: httpx.Client) -> None:
    identity = {"Accept-Encoding": "identity"}
    plain = api.get("/movies/107", headers=identity)
    assert len(plain.content) >= 1024
    again = api.get("/movies/107", headers={**identity, "If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    compressed = api.get("/movies/107", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert compressed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert compressed.content == plain.content  # decoded by httpx
    updates = api.get("/movieupdates?since=0", headers=identity)
    revalidated = api.get(
        "/movieupdates?since=0", headers={**identity, "If-None-Match": updates.headers["etag"]}
    )
    assert revalidated.status_code == 304


# --- /movieupdates --------------------------------------------------------------------------


@pytest.mark.parametrize("since", [0, 1590969600, 1590969601, 1591056000, 1591142400])
def test_movieupdates_lists_the_movies_changed_at_or_after_since(
    api: httpx.Client, since: int
) -> None:
    response = api.get(f"/movieupdates?since={since}")
    assert_ok(response)
    assert response.content == orjson.dumps({"movies": _updated_since(since)})


def test_movieupdates_of_a_quiet_time_is_an_empty_list(api: httpx.Client) -> None:
    response = api.get("/movieupdates?since=1900000000")
    assert_ok(response)
    assert response.content == b'{"movies":[]}'


def test_movieupdates_orders_by_change_then_id(api: httpx.Client) -> None:
    assert api.get("/movieupdates?since=0").json() == {"movies": [107, 157, 74]}


@pytest.mark.parametrize("query", ["", "?since=", "?since=%20", "?fromTime=0", "?Since=0"])
def test_movieupdates_without_since_is_405_with_allow(api: httpx.Client, query: str) -> None:
    response = api.get(f"/movieupdates{query}")
    assert_error(response, 405, NO_VALID_PARAMS)
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD"]


@pytest.mark.parametrize("since", ["abc", "-1", "1.5", "1e9", "0x10", "9" * 13, "１２"])
def test_movieupdates_with_an_unusable_since_is_422(api: httpx.Client, since: str) -> None:
    assert_error(api.get("/movieupdates", params={"since": since}), 422, NO_VALID_PARAMS)


def test_movieupdates_takes_the_first_since_and_ignores_other_parameters(
    api: httpx.Client,
) -> None:
    response = api.get("/movieupdates?since=1591142400&since=0&page=2&x=1")
    assert response.json() == {"movies": [74]}
    assert api.get("/movieupdates?since=%200%20").json() == {"movies": [107, 157, 74]}


# --- both routes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/movies/107", "/movies/1", "/movieupdates?since=0", "/movieupdates"]
)
def test_movie_routes_need_a_token(demo_server: LiveServer, path: str) -> None:
    response = httpx.get(demo_server.base_url + path, timeout=10)
    assert_error(response, 401, "Not authorized")
    assert response.content == NOT_AUTHORIZED
    bad = httpx.get(demo_server.base_url + path, headers={"Authorization": "Bearer x"}, timeout=10)
    assert bad.content == NOT_AUTHORIZED


@pytest.mark.parametrize("path", ["/movies/107", "/movieupdates"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_wrong_method_on_a_movie_route_is_405_with_allow(
    api: httpx.Client, path: str, method: str
) -> None:
    response = api.request(method, path)
    assert_error(response, 405, "Method not allowed")
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD"]


def test_movie_routes_answer_3_0_0_whatever_accept(api: httpx.Client) -> None:
    for path in ("/movies/107", "/movieupdates?since=0", "/movies/1", "/movieupdates"):
        response = api.get(path, headers={"Accept": "application/vnd.thetvdb.v2.1.1"})
        assert_wire_headers(response, V3)
