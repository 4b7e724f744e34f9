"""pytvdbapi 0.5.0 and tvdb_api 1.10, the Python clients of the XML API that still run on
Python 3.11, against a live tvdbd with the demo catalogue: what each parsed is compared
with the raw XML of the same requests, converted the way each library documents.

They run in their own process (tests/v1/clients/python/calls.py) from
tests/v1/clients/python/site, where `scripts/test` installs them with `pip --target`
(tvdb_api 3.1.0 in .venv is for the v2 tests); the shims their age needs are in calls.py.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer
from tests.v1.clients.raw import fetch

CLIENTS = Path(__file__).parent / "clients" / "python"
K = "/python-v1-key"
ARTWORK = "http://thetvdb.com/banners/"  # tvdb_api's own prefix for artwork paths


@pytest.fixture(scope="module")
def calls(demo_server: LiveServer) -> dict[str, Any]:
    if not (CLIENTS / "site" / "pytvdbapi").exists():
        if os.environ.get("CI"):
            pytest.fail("the old Python clients are missing: scripts/test installs them")
        pytest.skip(f"pip install --no-deps --target {CLIENTS}/site -r requirements.txt")
    done = subprocess.run(
        [sys.executable, "calls.py", demo_server.base_url],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results: dict[str, Any] = json.loads(done.stdout)
    return results


def value(outcome: dict[str, Any]) -> Any:
    assert "error" not in outcome, outcome
    return outcome["value"]


# --- pytvdbapi --------------------------------------------------------------------------------


def pytvdbapi_value(text: str | None) -> Any:
    """pytvdbapi's documented conversions (xmlhelpers.parse_xml): stripped; YYYY-MM-DD a
    date, a value holding `|` a list, digits an int, digits.digits a float."""
    value = (text or "").strip()
    try:
        return "date:" + datetime.datetime.strptime(value, "%Y-%m-%d").date().isoformat()
    except ValueError:
        pass
    if "|" in value:
        return [part.strip() for part in value.strip("|").split("|")]
    if re.match(r"^\d+\.\d+$", value):
        return float(value)
    if re.match(r"^\d+$", value):
        return int(value)
    return value


def pytvdbapi_record(element: ET.Element) -> dict[str, Any]:
    return {child.tag: pytvdbapi_value(child.text) for child in element}


@pytest.fixture(scope="module")
def py(calls: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = calls["pytvdbapi"]
    return results


def test_pytvdbapi_follows_the_mirror_tvdbd_names(
    demo_server: LiveServer, py: dict[str, Any]
) -> None:
    mirror = fetch(demo_server.base_url, f"{K}/mirrors.xml").findtext("Mirror/mirrorpath")
    assert value(py["mirror"]) == mirror == demo_server.base_url


def test_pytvdbapi_search(demo_server: LiveServer, py: dict[str, Any]) -> None:
    raw = fetch(demo_server.base_url, "/GetSeries.php?seriesname=scrubs&language=en")
    assert value(py["search"]) == [pytvdbapi_record(s) for s in raw]
    assert value(py["searchWithoutHit"]) == 0


def test_pytvdbapi_show_from_the_zip_with_actors_and_banners(
    demo_server: LiveServer, py: dict[str, Any]
) -> None:
    show = value(py["show"])
    full = fetch(demo_server.base_url, f"{K}/series/76156/all/en.zip", member="en.xml")
    series = full.find("Series")
    assert series is not None
    assert show["series"] == pytvdbapi_record(series)
    by_id = sorted(show["episodes"], key=lambda e: e["id"])
    assert by_id == sorted(
        (pytvdbapi_record(e) for e in full.findall("Episode")), key=lambda e: e["id"]
    )
    mirror = demo_server.base_url
    actors = fetch(demo_server.base_url, f"{K}/series/76156/actors.xml")
    assert show["actors"] == [
        {**pytvdbapi_record(a), "image_url": f"{mirror}/banners/{a.findtext('Image')}"}
        for a in actors
    ]
    banners = fetch(demo_server.base_url, f"{K}/series/76156/banners.xml")
    assert show["banners"] == [
        {**pytvdbapi_record(b), "banner_url": f"{mirror}/banners/{b.findtext('BannerPath')}"}
        for b in banners
    ]


def test_pytvdbapi_misses(py: dict[str, Any]) -> None:
    assert py["showUnknown"] == {"error": "TVDBIdError"}  # the 404
    assert py["airDateWithoutHit"] == {"error": "TVDBNotFoundError"}  # the <Error> element


def test_pytvdbapi_remote_id(demo_server: LiveServer, py: dict[str, Any]) -> None:
    raw = fetch(demo_server.base_url, "/GetSeriesByRemoteID.php?imdbid=tt0303461&language=en")
    assert value(py["showByImdb"]) == pytvdbapi_record(raw[0])


@pytest.mark.parametrize("call", ["episodeById", "episodeDefault", "episodeDvd", "episodeAbsolute"])
def test_pytvdbapi_single_episode_in_every_order(
    demo_server: LiveServer, py: dict[str, Any], call: str
) -> None:
    raw = fetch(demo_server.base_url, f"{K}/episodes/297989/en.xml")
    assert value(py[call]) == pytvdbapi_record(raw[0])


def test_pytvdbapi_air_date(demo_server: LiveServer, py: dict[str, Any]) -> None:
    raw = fetch(
        demo_server.base_url, "/GetEpisodeByAirDate.php?apikey=k&seriesid=78874&airdate=2002-09-20"
    )
    assert value(py["airDate"]) == pytvdbapi_record(raw[0])


# --- tvdb_api 1.10 ----------------------------------------------------------------------------


def tvdb_api_value(tag: str, text: str | None, prefixed: tuple[str, ...]) -> Any:
    """tvdb_api 1.10: tags lower-cased; an empty element None; artwork paths prefixed with
    its thetvdb.com banner URL; other texts stripped (`_cleanData`)."""
    if text is None:
        return None
    if tag.lower() in prefixed:
        return ARTWORK + text
    return text.replace("&amp;", "&").strip()


def tvdb_api_record(element: ET.Element, prefixed: tuple[str, ...]) -> dict[str, Any]:
    return {c.tag.lower(): tvdb_api_value(c.tag, c.text, prefixed) for c in element}


@pytest.fixture(scope="module")
def old(calls: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = calls["tvdb_api"]
    return results


@pytest.mark.parametrize(
    ("call", "language", "path"),
    [
        ("scrubs", "en", "all/en.xml"),
        ("scrubsZipped", "en", "all/en.zip"),
        ("scrubsInFrench", "fr", "all/fr.xml"),
    ],
)
def test_tvdb_api_show_with_episodes_actors_and_banners(
    demo_server: LiveServer, old: dict[str, Any], call: str, language: str, path: str
) -> None:
    show = value(old[call])
    base = fetch(demo_server.base_url, f"{K}/series/76156/{language}.xml").find("Series")
    assert base is not None
    assert show["series"] == tvdb_api_record(base, ("banner", "fanart", "poster"))
    member = f"{language}.xml" if path.endswith(".zip") else None
    full = fetch(demo_server.base_url, f"{K}/series/76156/{path}", member=member)
    expected = sorted(
        (tvdb_api_record(e, ("filename",)) for e in full.findall("Episode")),
        key=lambda e: int(e["id"]),
    )
    assert sorted(show["episodes"], key=lambda e: int(e["id"])) == expected
    actors = fetch(demo_server.base_url, f"{K}/series/76156/actors.xml")
    assert show["actors"] == [tvdb_api_record(a, ("image",)) for a in actors]
    banners = fetch(demo_server.base_url, f"{K}/series/76156/banners.xml")
    grouped: dict[str, dict[str, list[str]]] = {}
    for b in banners:
        sizes = grouped.setdefault(b.findtext("BannerType", ""), {})
        sizes.setdefault(b.findtext("BannerType2", ""), []).append(b.findtext("id", ""))
    assert show["banners"] == {
        k: {s: sorted(ids) for s, ids in v.items()} for k, v in grouped.items()
    }


def test_tvdb_api_dvd_order_reads_the_dvd_numbers(
    demo_server: LiveServer, old: dict[str, Any]
) -> None:
    order = value(old["fireflyDvdOrder"])["order"]
    full = fetch(demo_server.base_url, f"{K}/series/78874/all/en.xml")
    expected = []
    for e in full.findall("Episode"):
        dvd_season, dvd_number = e.findtext("DVD_season"), e.findtext("DVD_episodenumber")
        if dvd_season and dvd_number:
            season, number = int(dvd_season), int(float(dvd_number))
        else:
            season, number = (
                int(e.findtext("SeasonNumber", "")),
                int(e.findtext("EpisodeNumber", "")),
            )
        expected.append([season, number, e.findtext("id")])
    assert order == sorted(expected)
    assert [1, 2, "297989"] in order  # The Train Job is DVD episode 2


def test_tvdb_api_raises_show_not_found_on_an_empty_search(old: dict[str, Any]) -> None:
    assert value(old["missing"]) == "tvdb_shownotfound"
