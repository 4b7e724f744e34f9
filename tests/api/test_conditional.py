"""ETags, If-None-Match and If-Modified-Since on the API, and the Cache-Control setting."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
import xxhash

from tests.api.wire import (
    CACHE_CONTROL,
    DOCUMENTED_ROUTES,
    assert_error,
    assert_ok,
    example_url,
)
from tests.support import Databases, LiveServer

SCRUBS_UPDATED = 1590423366  # lastUpdated of 76156 in the demo catalogue
IDENTITY = {"Accept-Encoding": "identity"}
SERIES_PATHS = [
    "/series/76156",
    "/series/76156/actors",
    "/series/76156/episodes",
    "/series/76156/episodes/query?airedSeason=1",
    "/series/76156/episodes/query/params",
    "/series/76156/episodes/summary",
    "/series/76156/filter?keys=seriesName",
    "/series/76156/filter/params",
    "/series/76156/images",
    "/series/76156/images/query?keyType=poster",
    "/series/76156/images/query/params",
]


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def assert_not_modified(response: httpx.Response, etag: str | None = None) -> None:
    """304, no body, the 200's headers kept (but no Content-Length)."""
    assert response.status_code == 304, response.text[:300]
    assert response.content == b""
    assert "content-length" not in response.headers
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert response.headers["x-thetvdb-api-version"] == "3.0.0"
    assert response.headers["vary"].startswith("Accept-Language")
    if etag is not None:
        assert response.headers["etag"] == etag


# --- ETags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), DOCUMENTED_ROUTES)
def test_every_answer_carries_a_strong_etag_of_its_bytes(
    api: httpx.Client, method: str, path: str
) -> None:
    if path == "/login":
        response = api.post(path, json={"apikey": "k"}, headers=IDENTITY)
    else:
        response = api.request(method, example_url(path), headers=IDENTITY)
    etag = response.headers["etag"]
    if method == "GET" or path == "/login":
        assert etag == '"' + xxhash.xxh3_128_hexdigest(response.content) + '"'
    else:  # HEAD: the GET's ETag
        assert etag == api.get(example_url(path), headers=IDENTITY).headers["etag"]


def test_errors_carry_an_etag_too(api: httpx.Client, demo_server: LiveServer) -> None:
    for response in (
        api.get("/series/1", headers=IDENTITY),
        httpx.get(f"{demo_server.base_url}/series/76156", timeout=10),  # no token
        api.get("/nope", headers=IDENTITY),
    ):
        assert response.headers["etag"] == ('"' + xxhash.xxh3_128_hexdigest(response.content) + '"')


def test_the_etag_follows_the_content(api: httpx.Client) -> None:
    def etag(path: str, **headers: str) -> str:
        return api.get(path, headers={**IDENTITY, **headers}).headers["etag"]

    assert etag("/series/76156") == etag("/series/76156")
    assert etag("/series/76156") != etag("/series/76156", **{"Accept-Language": "fr"})
    # Accept is ignored by default: the same answer, the same ETag.
    assert etag("/series/76156") == etag("/series/76156", Accept="application/vnd.thetvdb.v2")
    assert etag("/series/76156") != etag("/series/78874")


def test_with_negotiation_on_each_shape_has_its_own_etag(negotiating_api: httpx.Client) -> None:
    def etag(**headers: str) -> str:
        return negotiating_api.get("/series/76156", headers={**IDENTITY, **headers}).headers["etag"]

    assert etag() != etag(Accept="application/vnd.thetvdb.v2")
    assert etag(Accept="application/vnd.thetvdb.v2") == etag(Accept="application/vnd.thetvdb.v2")


# --- If-None-Match ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [r for r in DOCUMENTED_ROUTES if r[0] != "POST"])
def test_if_none_match_with_the_etag_is_304_without_a_body(
    api: httpx.Client, method: str, path: str
) -> None:
    url = example_url(path)
    first = api.request(method, url)
    if path == "/refresh_token":  # a new token each time: never the same answer twice
        return
    response = api.request(method, url, headers={"If-None-Match": first.headers["etag"]})
    assert_not_modified(response, first.headers["etag"])
    assert response.headers["vary"] == first.headers["vary"]
    assert response.headers.get("content-encoding") is None


@pytest.mark.parametrize(
    "header",
    ["{etag}", 'W/{etag}', '"other", {etag}', '"a","b" , W/{etag}', "*"],
)  # fmt: skip
def test_if_none_match_compares_weakly_and_takes_lists_and_star(
    api: httpx.Client, header: str
) -> None:
    etag = api.get("/series/76156/actors").headers["etag"]
    response = api.get("/series/76156/actors", headers={"If-None-Match": header.format(etag=etag)})
    assert_not_modified(response, etag)


@pytest.mark.parametrize("header", ['"other"', "", 'W/"other"', "garbage"])
def test_if_none_match_with_another_etag_is_a_full_200(api: httpx.Client, header: str) -> None:
    response = api.get("/series/76156/actors", headers={"If-None-Match": header})
    assert_ok(response)
    assert len(response.json()["data"]) == 18


def test_if_none_match_never_turns_an_error_into_304(
    api: httpx.Client, demo_server: LiveServer
) -> None:
    missing = api.get("/series/1")
    again = api.get("/series/1", headers={"If-None-Match": missing.headers["etag"]})
    assert_error(again, 404, "ID: 1 not found")
    # A valid ETag does not stand in for the token.
    etag = api.get("/series/76156").headers["etag"]
    anonymous = httpx.get(
        f"{demo_server.base_url}/series/76156", headers={"If-None-Match": etag}, timeout=10
    )
    assert_error(anonymous, 401, "Not authorized")
    assert api.get("/series/76156", headers={"If-None-Match": "*"}).status_code == 304
    assert api.get("/series/1", headers={"If-None-Match": "*"}).status_code == 404


def test_login_is_never_answered_304(api: httpx.Client) -> None:
    response = api.post("/login", json={"apikey": "k"}, headers={"If-None-Match": "*"})
    assert response.status_code == 200


# --- If-Modified-Since (series routes, against lastUpdated) -------------------------------------


@pytest.mark.parametrize("path", SERIES_PATHS)
def test_series_routes_are_304_when_not_modified_since(api: httpx.Client, path: str) -> None:
    first = api.get(path)
    for since in (SCRUBS_UPDATED, SCRUBS_UPDATED + 3600):
        response = api.get(path, headers={"If-Modified-Since": http_date(since)})
        assert_not_modified(response, first.headers["etag"])
    changed = api.get(path, headers={"If-Modified-Since": http_date(SCRUBS_UPDATED - 1)})
    assert changed.status_code == 200
    assert changed.content == first.content


def test_head_series_is_304_for_its_own_last_modified(api: httpx.Client) -> None:
    head = api.head("/series/76156")
    assert head.headers["last-modified"] == http_date(SCRUBS_UPDATED)
    again = api.head("/series/76156", headers={"If-Modified-Since": head.headers["last-modified"]})
    assert_not_modified(again, head.headers["etag"])


@pytest.mark.parametrize(
    "since",
    ["yesterday", "", "Sun, 99 Foo 2020 00:00:00 GMT", "1590423366"],
)
def test_a_date_that_is_not_an_http_date_is_ignored(api: httpx.Client, since: str) -> None:
    response = api.get("/series/76156", headers={"If-Modified-Since": since})
    assert response.status_code == 200


def test_the_obsolete_http_date_formats_are_understood(api: httpx.Client) -> None:
    for since in ("Monday, 25-May-20 16:16:06 GMT", "Mon May 25 16:16:06 2020"):
        assert api.get("/series/76156", headers={"If-Modified-Since": since}).status_code == 304


def test_if_none_match_wins_over_if_modified_since(api: httpx.Client) -> None:
    headers = {"If-None-Match": '"other"', "If-Modified-Since": http_date(SCRUBS_UPDATED + 1)}
    assert api.get("/series/76156", headers=headers).status_code == 200


def test_other_routes_and_undated_series_ignore_if_modified_since(api: httpx.Client) -> None:
    future = {"If-Modified-Since": http_date(4102444800)}  # 2100
    for path in ("/languages", "/episodes/184602", "/search/series?name=scrubs"):
        assert api.get(path, headers=future).status_code == 200, path
    # Fireflies (80288) has no lastUpdated in the demo catalogue: nothing to compare with.
    assert api.get("/series/80288", headers=future).status_code == 200
    assert_error(api.get("/series/1", headers=future), 404, "ID: 1 not found")


# --- Cache-Control -----------------------------------------------------------------------------


def test_max_age_is_a_setting(backend: str, databases: Databases, tmp_path: Path) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    server = LiveServer(url, tmp_path, TVDBD_CACHE_MAX_AGE="600")
    try:
        with server.client() as client:
            for response in (client.get("/languages"), client.get("/series/1")):
                assert response.headers["cache-control"] == "private, max-age=600"
    finally:
        server.stop()
