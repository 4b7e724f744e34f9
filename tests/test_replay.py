"""Replay every recorded real API response against a live tvdbd and compare it whole.

For each file in ``shared/recorded-api/`` the test builds, in memory and at run time, the
bundles that hold exactly the facts of that response (plus, where a response implies more
than it shows, the facts of its sibling recordings: the other page of the same episode list,
the image lists behind an image summary, the original-language name and artwork of a
translated record),
imports them with the real importer into the database of a live ``tvdbd serve``, sends the
same request with the Accept-Language the recording was evidently made with, and compares
the status, the whole body (values *and* key order), the headers that matter and, where the
recording has one, the Content-Length.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import Engine, select

from tests.support import RECORDED, Databases, LiveServer, import_bundles
from tvdbd.db.schema import series_table

RECORDINGS = sorted(p.stem for p in RECORDED.glob("*.json"))
BASE_LANGUAGE = "en"
MISSING_IMAGE = "/banners/images/missing/series.jpg"
ARTWORK = ("banner", "poster", "fanart")
# Headers compared verbatim (`vary` and `content-length` get their own checks below).
COMPARED_HEADERS = ("content-type", "x-thetvdb-api-version", "cache-control")

# Filled while the tests run: {backend: {recording: matched exactly}}; summed up per backend.
RESULTS: dict[str, dict[str, bool]] = {}


@cache
def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _path(name: str) -> str:
    return urlsplit(recording(name)["url"]).path


def _placeholder(series_id: int) -> dict[str, Any]:
    """A series about which a recording says nothing but its id (episode, actor, image routes).

    Its name matches none of the recorded searches.
    """
    return {"series": {"id": series_id, "seriesName": f"Placeholder {series_id}"}}


@dataclass
class Replay:
    """How to reproduce one recording: what to import and what to ask for."""

    target: str  # path and query, as sent
    language: str  # the Accept-Language sent
    bundles: list[dict[str, Any]] = field(default_factory=list)
    # Search replays need a catalogue in which nothing but the recorded hits can match.
    only_these_series: bool = False


# --- what the recordings say about languages --------------------------------------------


@cache
def series_overviews() -> dict[tuple[int, str], str]:
    """(series id, overview) -> language, from the /series/{id} recordings (which name it)."""
    found: dict[tuple[int, str], str] = {}
    for name in RECORDINGS:
        body = recording(name)["body"]
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict) and "language" in data and data.get("overview"):
            found[(data["id"], data["overview"])] = data["language"]
    return found


def search_language(hits: list[dict[str, Any]]) -> str:
    """The Accept-Language a search was recorded with.

    Search hits do not name their language, but their `overview` is the series' overview in
    the requested language, and the /series/{id} recordings of Scrubs (en, fr, es) and Firefly
    (en) name theirs: a hit whose overview equals one of those was served in that language.
    That gives en for `Scrubs`, `sCruBs`, `Firefly` and scrubs__4d2c98cc, fr for
    scrubs__07af40cf and es for scrubs__3dda1f26.
    """
    overviews = series_overviews()
    languages = {
        overviews[(hit["id"], hit["overview"])]
        for hit in hits
        if (hit["id"], hit.get("overview")) in overviews
    }
    assert len(languages) == 1, f"cannot tell the language of {hits}: {languages}"
    return languages.pop()


@cache
def english_artwork() -> dict[int, dict[str, str]]:
    """Banner, poster and fanart of the English /series/{id} records."""
    artwork: dict[int, dict[str, str]] = {}
    for name in RECORDINGS:
        data = recording(name)["body"].get("data")
        if isinstance(data, dict) and data.get("language") == BASE_LANGUAGE:
            artwork[data["id"]] = {key: data[key] for key in ARTWORK}
    return artwork


@cache
def english_names() -> dict[int, str]:
    """Original-language (English) names, from every English /series record and search."""
    names: dict[int, str] = {}
    for name in RECORDINGS:
        rec = recording(name)
        data = rec["body"].get("data") if isinstance(rec["body"], dict) else None
        if _path(name) == "/search/series" and data and search_language(data) == BASE_LANGUAGE:
            names.update({hit["id"]: hit["seriesName"] for hit in data})
        elif isinstance(data, dict) and data.get("language") == BASE_LANGUAGE:
            names[data["id"]] = data["seriesName"]
    return names


def episode_language(episodes: list[dict[str, Any]]) -> str:
    """The episode `language` object names the requested language (contract Part 1, 6)."""
    languages = {lang for e in episodes for lang in e["language"].values()}
    assert len(languages) == 1, languages
    return languages.pop()


# --- bundles from response bodies --------------------------------------------------------


def series_bundle_from_record(data: dict[str, Any]) -> dict[str, Any]:
    """A /series/{id} body -> its series (base language en; other languages as translations)."""
    language = data["language"]  # the record names the language it was served in
    record = {**data, "language": BASE_LANGUAGE}
    bundle: dict[str, Any] = {"series": record}
    if language != BASE_LANGUAGE:
        # The served name is the translation, or the original name when there is none.
        original = english_names().get(data["id"], data["seriesName"])
        record.update(seriesName=original, overview=None)
        translated = data["seriesName"] if data["seriesName"] != original else None
        translation = {"seriesName": translated, "overview": data["overview"]}
        # The real API served per-language artwork (fr: `-g13`/`-43`, en: `-g9`/`-11`):
        # the base record takes the English artwork, the translation what was served.
        base_artwork = english_artwork().get(data["id"], {})
        record.update(base_artwork)
        translation.update(
            {key: data[key] for key in ARTWORK if data[key] != base_artwork.get(key, data[key])}
        )
        bundle["translations"] = {language: translation}
    return bundle


def _unprefixed(value: str) -> str:
    """Search hits carry artwork as `/banners/<path>`; series records as `<path>`."""
    if value == "":
        return value
    assert value.startswith("/banners/"), value
    return value.removeprefix("/banners/")


def _padded(date: str | None) -> str:
    """Search hits write `2001-10-2` (null when unknown); series records `2001-10-02` ("")."""
    if date is None:
        return ""
    year, month, day = (int(part) for part in date.split("-"))
    return f"{year:04d}-{month:02d}-{day:02d}"


def series_bundle_from_hit(hit: dict[str, Any], language: str) -> dict[str, Any]:
    """A search hit -> the series record that renders as that hit."""
    record: dict[str, Any] = {
        "id": hit["id"],
        "seriesName": hit["seriesName"],
        "aliases": hit["aliases"],
        # `poster` of a hit is derived (null with a null banner, else `image`); `image` is
        # the series poster, or the missing-artwork picture when it has none.
        "poster": "" if hit["image"] == MISSING_IMAGE else _unprefixed(hit["image"]),
        "banner": None if hit["banner"] is None else _unprefixed(hit["banner"]),
        "status": hit["status"],
        "firstAired": _padded(hit["firstAired"]),
        "network": hit["network"] or "",  # a hit shows an empty network as null
        "overview": hit.get("overview"),
        "language": BASE_LANGUAGE,
        "slug": hit["slug"],
    }
    bundle: dict[str, Any] = {"series": record}
    if language != BASE_LANGUAGE:
        # The hit matched the query in some language: keep the original name (from the
        # English recordings) and put what was served into the translation.
        original = english_names().get(hit["id"], hit["seriesName"])
        record.update(seriesName=original, overview=None)
        translated = hit["seriesName"] if hit["seriesName"] != original else None
        if translated is not None or "overview" in hit:
            bundle["translations"] = {
                language: {"seriesName": translated, "overview": hit.get("overview")}
            }
    return bundle


def episode_for_bundle(episode: dict[str, Any], language: str) -> dict[str, Any]:
    """A served episode -> its bundle record; non-English text goes into `translations`."""
    record = {k: v for k, v in episode.items() if k != "language"}
    if language != BASE_LANGUAGE:
        record.update(episodeName=None, overview=None)
        record["translations"] = {
            language: {"episodeName": episode["episodeName"], "overview": episode["overview"]}
        }
    return record


def _query_value(name: str, key: str) -> str | None:
    query = urlsplit(recording(name)["url"]).query
    pairs = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return pairs.get(key)


# --- one replay per recording ------------------------------------------------------------


def plan(name: str) -> Replay:
    rec = recording(name)
    url = urlsplit(rec["url"])
    target = url.path + (f"?{url.query}" if url.query else "")
    parts = url.path.strip("/").split("/")
    body = rec["body"]

    if url.path == "/languages":
        # The language list is built in; nothing in it depends on Accept-Language.
        return Replay(target, BASE_LANGUAGE)

    if url.path == "/search/series":
        if rec["status"] == 404:
            # No hit: nothing in the catalogue may match (every series is a placeholder).
            return Replay(target, BASE_LANGUAGE, only_these_series=True)
        language = search_language(body["data"])
        bundles = [series_bundle_from_hit(hit, language) for hit in body["data"]]
        return Replay(target, language, bundles, only_these_series=True)

    assert parts[0] == "series", url
    if rec["status"] == 404:
        # An id that no catalogue can hold (beyond 64 bits); the error text is not translated.
        return Replay(target, BASE_LANGUAGE)
    series_id = int(parts[1])
    route = parts[2:]

    if route == []:
        data = body["data"]
        return Replay(target, data["language"], [series_bundle_from_record(data)])

    if route == ["actors"]:
        # Actors carry no translated text; the recording client sent its default, en.
        return Replay(target, BASE_LANGUAGE, [{**_placeholder(series_id), "actors": body["data"]}])

    if route == ["episodes"]:
        # The episodes' `language` object names the requested language.
        language = episode_language(body["data"])
        # `links.last` says how many episodes there are: the bundle holds every page
        # recorded in that language for this series (page 1 and page 2 together).
        episodes: dict[int, dict[str, Any]] = {}
        for sibling in RECORDINGS:
            sibling_body = recording(sibling)["body"]
            if _path(sibling) == url.path and episode_language(sibling_body["data"]) == language:
                for episode in sibling_body["data"]:
                    episodes[episode["id"]] = episode_for_bundle(episode, language)
        bundle = {**_placeholder(series_id), "episodes": list(episodes.values())}
        return Replay(target, language, [bundle])

    if route == ["images"]:
        # The summary counts the images the five keyType recordings list; image records
        # carry no translated text, so en (the client's default) was sent.
        images = [
            image
            for sibling in RECORDINGS
            if _path(sibling) == f"{url.path}/query"
            for image in recording(sibling)["body"]["data"]
        ]
        counts: dict[str, int] = {}
        for image in images:
            counts[image["keyType"]] = counts.get(image["keyType"], 0) + 1
        assert counts == body["data"], "the keyType recordings do not add up to the summary"
        return Replay(target, BASE_LANGUAGE, [{**_placeholder(series_id), "images": images}])

    if route == ["images", "query"]:
        key_type = _query_value(name, "keyType")
        if "errors" in body:
            # The body reports `invalidQueryParams: ["lang"]` although the recorded URL has
            # no `lang`: the recording client (tvdb_api's test suite) evidently sent
            # `lang=en` as well, so the replay sends it too.
            assert body["errors"] == {"invalidQueryParams": ["lang"]}
            target = f"{target}&lang=en"
        assert all(image["keyType"] == key_type for image in body["data"])
        bundle = {**_placeholder(series_id), "images": body["data"]}
        return Replay(target, BASE_LANGUAGE, [bundle])

    raise AssertionError(f"no replay plan for {rec['url']}")


# --- the live server ---------------------------------------------------------------------


@dataclass
class ReplayServer:
    server: LiveServer
    engine: Engine
    client: httpx.Client


@pytest.fixture(scope="module")
def replay_server(
    backend: str,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ReplayServer]:
    """One live server per backend on an empty catalogue; each test imports what it needs."""
    url, engine = databases.new_engine(backend)
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"replay-{backend}")))
    results = RESULTS.setdefault(backend, {})
    try:
        with server.client() as client:
            yield ReplayServer(server, engine, client)
    finally:
        server.stop()
        engine.dispose()
        _report(request, backend, results)


def _report(request: pytest.FixtureRequest, backend: str, results: dict[str, bool]) -> None:
    matched = sum(results.values())
    line = f"replay on {backend}: {matched} of {len(RECORDINGS)} recordings match exactly"
    missing = [name for name in RECORDINGS if not results.get(name)]
    if missing:
        line += f" (not: {', '.join(missing)})"
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    # Fixture teardown runs under output capture; the summary belongs on the terminal.
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


def _park_other_series(engine: Engine, keep: set[int]) -> None:
    """Turn every other series into a placeholder, so that no other name can match."""
    with engine.connect() as conn:
        stored = {int(i) for (i,) in conn.execute(select(series_table.c.id))}
    report = import_bundles(engine, [_placeholder(i) for i in sorted(stored - keep)])
    assert report.ok, report.errors


def _first_difference(ours: Any, theirs: Any, where: str = "body") -> str:
    """Where two parsed bodies first differ (values, types or key order)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if list(ours) != list(theirs):
            return f"{where}: keys {list(ours)} != recorded {list(theirs)}"
        for key in ours:
            if json.dumps(ours[key]) != json.dumps(theirs[key]):
                return _first_difference(ours[key], theirs[key], f"{where}.{key}")
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{where}: {len(ours)} items != recorded {len(theirs)}"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if json.dumps(a) != json.dumps(b):
                return _first_difference(a, b, f"{where}[{index}]")
    return f"{where}: {json.dumps(ours)[:300]} != recorded {json.dumps(theirs)[:300]}"


def test_every_indexed_recording_is_replayed() -> None:
    """A missing or partial shared/recorded-api must fail, not shrink the replay silently."""
    index = (RECORDED / "INDEX.md").read_text(encoding="utf-8")
    listed = sorted(
        line.split("|")[1].strip().removesuffix(".json")
        for line in index.splitlines()
        if line.startswith("| ") and ".json" in line.split("|")[1]
    )
    assert listed
    assert listed == RECORDINGS


@pytest.mark.parametrize("name", RECORDINGS)
def test_recorded_response_replays_exactly(
    replay_server: ReplayServer, backend: str, name: str
) -> None:
    rec = recording(name)
    replay = plan(name)
    report = import_bundles(replay_server.engine, replay.bundles)
    assert report.ok, report.errors
    assert not report.warnings, report.warnings
    if replay.only_these_series:
        keep = {bundle["series"]["id"] for bundle in replay.bundles}
        _park_other_series(replay_server.engine, keep)

    response = replay_server.client.get(replay.target, headers={"Accept-Language": replay.language})

    assert response.status_code == rec["status"], response.text[:300]
    ours = response.json()
    # Whole body: equal values of equal JSON types, keys in the same order.
    assert json.dumps(ours) == json.dumps(rec["body"]), _first_difference(ours, rec["body"])

    recorded_headers = {k.lower(): v for k, v in rec["headers"].items()}
    for header in COMPARED_HEADERS:
        assert response.headers.get(header) == recorded_headers[header], header
    # The real API's gzip layer added `Accept-Encoding` to Vary on some of the responses it
    # compressed; tvdbd adds it to every body of 1 KB or more (those it may compress).
    recorded_vary = {token.strip() for token in recorded_headers["vary"].split(",")}
    recorded_vary.discard("Accept-Encoding")
    if len(response.content) >= 1024:
        recorded_vary.add("Accept-Encoding")
    assert {token.strip() for token in response.headers["vary"].split(",")} == recorded_vary
    if "content-length" in recorded_headers:
        # Recorded uncompressed bodies are compact JSON: the byte counts must agree.
        assert response.headers.get("content-length") == recorded_headers["content-length"]
        assert len(response.content) == int(recorded_headers["content-length"])

    RESULTS.setdefault(backend, {})[name] = True
