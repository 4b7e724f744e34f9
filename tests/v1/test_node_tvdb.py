"""node-tvdb 2.0.20 (npm, the last major version on the XML API) against a live tvdbd with
the demo catalogue, comparing what it parsed with the raw XML of the same request.

tests/v1/clients/node/ holds its pinned package.json and package-lock.json (`scripts/test`
runs `npm ci` there) and calls.js, which makes every call of the library once and prints
what each returned. The library is used as published: its `baseURL` is a public property.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer
from tests.v1.clients.raw import as_xml2js, fetch

NODE_DIR = Path(__file__).parent / "clients" / "node"
K = "/node-v1-key"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing: the client tests need Node.js and npm")
        pytest.skip("node is missing (install Node.js 18+ and run npm ci in tests/v1/clients/node)")
    if not (NODE_DIR / "node_modules" / "node-tvdb" / "package.json").exists():
        pytest.fail(f"node-tvdb 2 is not installed: run `npm ci` in {NODE_DIR} (scripts/test does)")
    return node


@pytest.fixture(scope="module")
def calls(demo_server: LiveServer) -> dict[str, Any]:
    done = subprocess.run(
        [_node(), "calls.js"],
        cwd=NODE_DIR,
        env={**os.environ, "TVDBD_BASE_URL": demo_server.base_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results: dict[str, Any] = json.loads(done.stdout)
    return results


def value(calls: dict[str, Any], name: str) -> Any:
    outcome = calls[name]
    assert "error" not in outcome, outcome
    return outcome.get("value")


REMOTE = "/GetSeriesByRemoteID.php?imdbid=tt0303461&language=en"
AIRDATE = "/GetEpisodeByAirDate.php?apikey=k&seriesid=78874&airdate=2002-09-20"
# (call, path it requests, the child of the raw document's root the library returns; ""
# for the whole document)
SAME_AS_RAW = [
    ("getLanguages", f"{K}/languages.xml", "Language"),
    ("getSeriesByName", "/GetSeries.php?seriesname=scrubs&language=en", "Series"),
    ("getSeriesById", f"{K}/series/76156/en.xml", "Series"),
    ("getSeriesByIdInFrench", f"{K}/series/76156/fr.xml", "Series"),
    ("getSeriesByRemoteId", REMOTE, "Series"),
    ("getEpisodesById", f"/api{K}/series/78874/all/en.xml", "Episode"),
    ("getEpisodeById", f"{K}/episodes/297989/en.xml", "Episode"),
    ("getEpisodeByAirDate", AIRDATE, "Episode"),
    ("getActors", f"{K}/series/76156/actors.xml", "Actor"),
    ("getBanners", f"{K}/series/76156/banners.xml", "Banner"),
    ("getUpdateRecords", f"{K}/updates/updates_all.xml", ""),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "part"), SAME_AS_RAW, ids=[c[0] for c in SAME_AS_RAW])
def test_node_tvdb_parses_what_the_raw_xml_holds(
    demo_server: LiveServer, calls: dict[str, Any], name: str, path: str, part: str
) -> None:
    raw = as_xml2js(fetch(demo_server.base_url, path))
    assert value(calls, name) == (raw[part] if part else raw)


def test_the_zip_gives_the_series_with_all_its_episodes(
    demo_server: LiveServer, calls: dict[str, Any]
) -> None:
    raw = as_xml2js(fetch(demo_server.base_url, f"{K}/series/78874/all/en.zip", member="en.xml"))
    series = value(calls, "getSeriesAllById")
    assert series == {**raw["Series"], "Episodes": raw["Episode"]}
    assert len(series["Episodes"]) == 17


def test_a_french_series_is_read_in_french(calls: dict[str, Any]) -> None:
    assert value(calls, "getSeriesByIdInFrench")["Language"] == "fr"


def test_times_and_updates_are_read(demo_server: LiveServer, calls: dict[str, Any]) -> None:
    assert value(calls, "getTime").isdigit()
    updates = value(calls, "getUpdates")
    raw = as_xml2js(fetch(demo_server.base_url, "/Updates.php?type=all&time=0"))
    assert updates["Series"] == raw["Series"] and updates["Episode"] == raw["Episode"]


def test_misses_are_what_node_tvdb_expects(calls: dict[str, Any]) -> None:
    assert calls["getSeriesByIdUnknown"] == {
        "error": "Could not complete the request",
        "statusCode": 404,
    }
    assert value(calls, "getSeriesByNameWithoutHit") is None
    # The `<Error>` is inside `<Data>`: node-tvdb resolves with no episode (it rejects only
    # a root `<Error>`), pytvdbapi raises TVDBNotFoundError on it.
    assert value(calls, "getEpisodeByAirDateWithoutHit") is None


def test_every_call_of_the_library_was_made(calls: dict[str, Any]) -> None:
    assert len(calls) == 17
