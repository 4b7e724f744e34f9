"""What every route test checks: TheTVDB's headers, error bodies and record key orders.

The key orders are copied from the contract (docs §3), not imported from `tvdbd.records`,
so that these tests stay black-box: a change in the server's tables cannot move them.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import httpx
import orjson

from tests.support import DEMO_BUNDLE, RECORDED

JSON_UTF8 = "application/json; charset=utf-8"
V3 = "3.0.0"
V2 = "2.2.0"
CACHE_CONTROL = "private, max-age=86400"
RESOURCE_NOT_FOUND = b'{"Error":"Resource not found"}'
NOT_AUTHORIZED = b'{"Error":"Not authorized"}'
INVALID_LANGUAGE = {
    "invalidLanguage": "Some translations were not available in the specified language"
}

# Contract §3.1 (3.0.0) and the v2.1-2.2 order.
SERIES_KEYS_V3 = [
    "id", "seriesId", "seriesName", "aliases", "season", "poster", "banner", "fanart",
    "status", "firstAired", "network", "networkId", "runtime", "language", "genre",
    "overview", "lastUpdated", "airsDayOfWeek", "airsTime", "rating", "imdbId", "zap2itId",
    "added", "addedBy", "siteRating", "siteRatingCount", "slug",
]  # fmt: skip
SERIES_KEYS_V2 = [
    "id", "seriesName", "aliases", "banner", "seriesId", "status", "firstAired", "network",
    "networkId", "runtime", "genre", "overview", "lastUpdated", "airsDayOfWeek", "airsTime",
    "rating", "imdbId", "zap2itId", "added", "addedBy", "siteRating", "siteRatingCount", "slug",
]  # fmt: skip
# Contract §3.2 (3.0.0) and the v2.2 order (legacy `director`, imdbId after the thumbs).
EPISODE_KEYS_V3 = [
    "id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "episodeName", "firstAired",
    "guestStars", "directors", "writers", "overview", "language", "productionCode", "showUrl",
    "lastUpdated", "dvdDiscid", "dvdSeason", "dvdEpisodeNumber", "dvdChapter",
    "absoluteNumber", "filename", "seriesId", "lastUpdatedBy", "airsAfterSeason",
    "airsBeforeSeason", "airsBeforeEpisode", "imdbId", "contentRating", "thumbAuthor",
    "thumbAdded", "thumbWidth", "thumbHeight", "siteRating", "siteRatingCount", "isMovie",
]  # fmt: skip
EPISODE_KEYS_V2 = [
    "id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "episodeName", "firstAired",
    "guestStars", "director", "directors", "writers", "overview", "language",
    "productionCode", "showUrl", "lastUpdated", "dvdDiscid", "dvdSeason", "dvdEpisodeNumber",
    "dvdChapter", "absoluteNumber", "filename", "seriesId", "lastUpdatedBy",
    "airsAfterSeason", "airsBeforeSeason", "airsBeforeEpisode", "thumbAuthor", "thumbAdded",
    "thumbWidth", "thumbHeight", "imdbId", "siteRating", "siteRatingCount",
]  # fmt: skip
# Contract §3.3: alphabetical; `image` and `poster` are 3.0.0 only; `overview` may be absent.
SEARCH_KEYS_V3 = [
    "aliases", "banner", "firstAired", "id", "image", "network", "overview", "poster",
    "seriesName", "slug", "status",
]  # fmt: skip
SEARCH_KEYS_V2 = [k for k in SEARCH_KEYS_V3 if k not in ("image", "poster")]
# Contract §3.4 and §3.5.
ACTOR_KEYS = [
    "id", "seriesId", "name", "role", "sortOrder", "image", "imageAuthor", "imageAdded",
    "lastUpdated",
]  # fmt: skip
IMAGE_KEYS_V3 = [
    "id", "keyType", "subKey", "fileName", "languageId", "language", "resolution",
    "ratingsInfo", "thumbnail", "seriesLastUpdated",
]  # fmt: skip
IMAGE_KEYS_V2 = [
    "id", "keyType", "subKey", "fileName", "languageId", "resolution", "ratingsInfo",
    "thumbnail",
]  # fmt: skip


def assert_wire_headers(response: httpx.Response, version: str = V3) -> None:
    """The headers api.thetvdb.com sent on every answer, errors included (contract §1.2)."""
    assert response.headers["content-type"] == JSON_UTF8
    assert response.headers["x-thetvdb-api-version"] == version
    assert response.headers["vary"] == expected_vary(response)
    assert response.headers["cache-control"] == expected_cache_control(response)
    assert re.fullmatch(r'"[0-9a-f]{32}(-gzip|-br)?"', response.headers["etag"])


def expected_cache_control(response: httpx.Response) -> str:
    """A day for catalogue answers; a user's own lists must be revalidated (our decision)."""
    if response.request.url.path.startswith("/user") and response.status_code < 300:
        return "private, no-cache"
    return CACHE_CONTROL


def expected_vary(response: httpx.Response) -> str:
    """`Accept-Language`, plus `Accept-Encoding` on bodies big enough to be compressed (1 KB)."""
    size = len(response.content) or int(response.headers.get("content-length", 0))
    return "Accept-Language, Accept-Encoding" if size >= 1024 else "Accept-Language"


def assert_ok(response: httpx.Response, version: str = V3) -> Any:
    """A 200 with the wire headers; returns the parsed body."""
    assert response.status_code == 200, response.text[:300]
    assert_wire_headers(response, version)
    return response.json()


def assert_error(response: httpx.Response, status: int, message: str, version: str = V3) -> None:
    """`{"Error": message}` exactly (compact, as the real API wrote it) with the wire headers."""
    assert response.status_code == status, response.text[:300]
    assert_wire_headers(response, version)
    assert response.content == orjson.dumps({"Error": message})


def assert_id_not_found(response: httpx.Response, raw_id: str) -> None:
    assert_error(response, 404, f"ID: {raw_id} not found")


def assert_json_error(response: httpx.Response, status: int) -> str:
    """Any `{"Error": "<text>"}` with `status`; returns the text."""
    assert response.status_code == status, response.text[:300]
    assert_wire_headers(response, response.headers["x-thetvdb-api-version"])
    body = response.json()
    assert list(body) == ["Error"]
    assert isinstance(body["Error"], str) and body["Error"]
    return str(body["Error"])


def page_links(page: int, last: int) -> dict[str, int | None]:
    """Contract §1.3: first 1, `prev` (not `previous`), nulls at the edges."""
    return {
        "first": 1,
        "last": last,
        "next": page + 1 if page < last else None,
        "prev": page - 1 if page > 1 else None,
    }


@cache
def _demo() -> dict[tuple[str, int], dict[str, Any]]:
    """The demo's series bundles and movie lines, by ("series"|"movie", id)."""
    lines = {}
    for line in DEMO_BUNDLE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            bundle = json.loads(line)
            kind = "series" if "series" in bundle else "movie"
            lines[(kind, bundle[kind]["id"])] = bundle
    return lines


def demo_bundle(series_id: int) -> dict[str, Any]:
    """A fresh copy of one series bundle of the demo catalogue (what the server imported)."""
    return copy.deepcopy(_demo()[("series", series_id)])


def demo_movie_line(movie_id: int) -> dict[str, Any]:
    """A fresh copy of one movie line of the demo catalogue: `{"movie", "lastUpdated"}`."""
    return copy.deepcopy(_demo()[("movie", movie_id)])


def demo_movie_ids() -> list[int]:
    return sorted(movie_id for kind, movie_id in _demo() if kind == "movie")


def demo_episode(series_id: int, episode_id: int) -> dict[str, Any]:
    return next(e for e in demo_bundle(series_id)["episodes"] if e["id"] == episode_id)


def expected_episode(bundle_episode: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """The 3.0.0 record of an episode of an English series, as served in `language`."""
    values = {k: v for k, v in bundle_episode.items() if k != "translations"}
    if language != "en":
        translation = bundle_episode.get("translations", {}).get(language, {})
        values["episodeName"] = translation.get("episodeName")
        values["overview"] = translation.get("overview")
    values["language"] = {"episodeName": language, "overview": language}
    return {key: values[key] for key in EPISODE_KEYS_V3}


def recorded(name: str) -> dict[str, Any] | None:
    """A real response from ../shared/recorded-api (None when that folder is not there)."""
    path = RECORDED / name
    if not path.exists():
        return None
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


# Contract §2, read side of v2, in the order of the documentation (user and movie routes
# come later).
DOCUMENTED_ROUTES = [
    ("POST", "/login"),
    ("GET", "/refresh_token"),
    ("GET", "/episodes/{id}"),
    ("GET", "/languages"),
    ("GET", "/languages/{id}"),
    ("GET", "/search/series"),
    ("GET", "/search/series/params"),
    ("GET", "/series/{id}"),
    ("HEAD", "/series/{id}"),
    ("GET", "/series/{id}/actors"),
    ("GET", "/series/{id}/episodes"),
    ("GET", "/series/{id}/episodes/query"),
    ("GET", "/series/{id}/episodes/query/params"),
    ("GET", "/series/{id}/episodes/summary"),
    ("GET", "/series/{id}/filter"),
    ("GET", "/series/{id}/filter/params"),
    ("GET", "/series/{id}/images"),
    ("GET", "/series/{id}/images/query"),
    ("GET", "/series/{id}/images/query/params"),
    ("GET", "/updated/query"),
    ("GET", "/updated/query/params"),
]
# The user routes of the contract's §2, in its order (tests/api/test_user.py covers them).
DOCUMENTED_USER_ROUTES = [
    ("GET", "/user"),
    ("GET", "/user/favorites"),
    ("PUT", "/user/favorites/{id}"),
    ("DELETE", "/user/favorites/{id}"),
    ("GET", "/user/ratings"),
    ("GET", "/user/ratings/query"),
    ("GET", "/user/ratings/query/params"),
    ("PUT", "/user/ratings/{itemType}/{itemId}/{itemRating}"),
    ("DELETE", "/user/ratings/{itemType}/{itemId}"),
]
# The v3 movie routes, last in the contract's §2 (tests/api/test_movies.py covers them).
DOCUMENTED_MOVIE_ROUTES = [("GET", "/movies/{id}"), ("GET", "/movieupdates")]
PROTECTED_ROUTES = [(m, p) for m, p in DOCUMENTED_ROUTES if p != "/login"]
# Paths whose `{id}` is a series, episode or language id.
ID_ROUTES = sorted({p for _, p in DOCUMENTED_ROUTES if "{id}" in p})

_EXAMPLE_QUERIES = {
    "/search/series": "?name=scrubs",
    "/series/{id}/filter": "?keys=seriesName,network",
    "/series/{id}/images/query": "?keyType=poster",
    "/updated/query": "?fromTime=1590000000",
}


def example_url(path: str, id_: str | None = None) -> str:
    """A demo-catalogue URL for a documented path that answers 200 (or `id_` in place)."""
    if id_ is None:
        id_ = "184602" if path.startswith("/episodes") else "7" if "languages" in path else "76156"
    return path.replace("{id}", id_) + _EXAMPLE_QUERIES.get(path, "")
