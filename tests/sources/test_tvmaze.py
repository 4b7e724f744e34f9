"""TVmaze as a source: shows mapped to API v2 bundles (ids, specials, cast, images), the CLI
`tvdbd import-tvmaze`, the attribution its licence asks for, and read-through by TheTVDB id."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Engine

from tests.sources.fixture_server import FixtureServer
from tests.support import Databases, LiveServer
from tvdbd.bundles.exporter import iter_bundles
from tvdbd.errors import SourceNotFound
from tvdbd.sources.fetch import FetchPolicy
from tvdbd.sources.store import store_series
from tvdbd.sources.tvmaze.client import Tvmaze
from tvdbd.sources.tvmaze.mapping import ATTRIBUTION, TVDBD_ID_BASE, plain_text

T = TypeVar("T")
UNDER_THE_DOME, DOCTOR_WHO, DAILY_SHOW, UNITE_9, JESSICA_JONES = 1, 210, 3928, 8652, 1370


def with_client(server: FixtureServer, work: Callable[[Tvmaze], Awaitable[T]]) -> T:
    async def main() -> T:
        client = Tvmaze(server.base_url, FetchPolicy(timeout=5, retries=1, rate_per_second=50))
        try:
            return await work(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def show(server: FixtureServer, tvmaze_id: int) -> dict[str, Any]:
    return with_client(server, lambda c: c.show_bundle(tvmaze_id))


def test_a_show_takes_its_thetvdb_id_and_its_facts(tvmaze: FixtureServer) -> None:
    bundle = show(tvmaze, UNDER_THE_DOME)
    series = bundle["series"]
    assert series["id"] == 264492 and series["seriesName"] == "Under the Dome"
    assert (series["status"], series["firstAired"], series["network"]) == (
        "Ended", "2013-06-24", "CBS",
    )  # fmt: skip
    assert (series["airsDayOfWeek"], series["airsTime"], series["runtime"]) == (
        "Thursday", "10:00 PM", "60",
    )  # fmt: skip
    assert series["imdbId"] == "tt1553656" and series["slug"] == "under-the-dome"
    assert series["genre"] == ["Drama", "Science Fiction", "Thriller"]
    assert series["aliases"] == ["Под куполом", "A búra alatt"]
    assert series["poster"] == "tvmaze/original_untouched/0/1.jpg"
    assert series["siteRating"] == 6.5 and series["language"] == "en"


def test_episodes_get_ids_in_tvdbds_own_block_and_keep_their_numbers(
    tvmaze: FixtureServer,
) -> None:
    episodes = show(tvmaze, UNDER_THE_DOME)["episodes"]
    assert len(episodes) == 39
    first = min(episodes, key=lambda e: (e["airedSeason"], e["airedEpisodeNumber"]))
    assert first["id"] == TVDBD_ID_BASE + 1 and first["episodeName"] == "Pilot"
    assert (first["airedSeason"], first["airedEpisodeNumber"], first["absoluteNumber"]) == (1, 1, 1)
    # Above any TheTVDB episode id, inside the 32-bit ids Java and C# clients parse.
    assert all(TVDBD_ID_BASE < e["id"] < 2**31 for e in episodes)
    assert sorted(e["absoluteNumber"] for e in episodes) == list(range(1, 40))


def test_a_special_goes_to_season_0_placed_after_its_season(tvmaze: FixtureServer) -> None:
    episodes = show(tvmaze, DOCTOR_WHO)["episodes"]
    [special] = [e for e in episodes if e["airedSeason"] == 0]
    assert special["id"] == TVDBD_ID_BASE + 13977
    assert (special["episodeName"], special["airedEpisodeNumber"]) == ("A Christmas Carol", 1)
    assert (special["airsAfterSeason"], special["firstAired"]) == (5, "2010-12-25")
    assert special["absoluteNumber"] is None
    assert len(episodes) == 154


def test_cast_and_images_become_actors_and_image_records(tvmaze: FixtureServer) -> None:
    bundle = show(tvmaze, UNDER_THE_DOME)
    actor = bundle["actors"][0]
    assert (actor["name"], actor["role"], actor["sortOrder"]) == (
        "Mike Vogel", 'Dale "Barbie" Barbara', 0,
    )  # fmt: skip
    assert actor["id"] == TVDBD_ID_BASE + 1
    assert actor["image"] == "tvmaze/original_untouched/0/3.jpg"  # the character's picture
    kinds = [(i["keyType"], i["subKey"]) for i in bundle["images"]]
    assert kinds == [("poster", "graphical"), ("season", "1"), ("season", "2")]
    assert bundle["images"][0]["resolution"] == "680x1000"


def test_a_show_without_a_thetvdb_id_gets_one_from_tvdbds_block(tvmaze: FixtureServer) -> None:
    series = show(tvmaze, DAILY_SHOW)["series"]
    assert series["id"] == TVDBD_ID_BASE + DAILY_SHOW
    assert series["imdbId"] == "" and series["seriesName"] == "The Daily Show with Trevor Noah"


def test_a_french_show_is_stored_in_french_and_a_web_channel_is_its_network(
    tvmaze: FixtureServer,
) -> None:
    assert show(tvmaze, UNITE_9)["series"]["language"] == "fr"
    assert show(tvmaze, JESSICA_JONES)["series"]["network"] == "Netflix"


def test_the_lookup_by_thetvdb_id_follows_tvmazes_redirect(tvmaze: FixtureServer) -> None:
    bundle = with_client(tvmaze, lambda c: c.series_bundle(264492))
    assert bundle["series"]["seriesName"] == "Under the Dome"
    assert tvmaze.requests_to("/lookup/shows")[0].status == 301
    with pytest.raises(SourceNotFound):
        with_client(tvmaze, lambda c: c.series_bundle(12345))


def test_every_bundle_carries_the_licence_and_attribution(tvmaze: FixtureServer) -> None:
    source = show(tvmaze, UNDER_THE_DOME)["source"]
    assert source == {
        "name": "tvmaze",
        "id": "1",
        "url": "http://www.tvmaze.com/shows/1/under-the-dome",
        "license": "CC BY-SA 4.0",
        "attribution": ATTRIBUTION,
    }
    assert "TVmaze" in ATTRIBUTION and "CC BY-SA 4.0" in ATTRIBUTION


def test_summaries_lose_their_html() -> None:
    assert plain_text("<p><b>Our show</b> is about &amp; <i>things</i>.</p>") == (
        "Our show is about & things."
    )
    assert plain_text("<p>One.</p><p>Two.</p>") == "One. Two."
    assert plain_text("") is None and plain_text(None) is None and plain_text("<p></p>") is None


def test_an_unknown_show_is_not_found(tvmaze: FixtureServer) -> None:
    with pytest.raises(SourceNotFound):
        show(tvmaze, 999999)


def test_stored_and_exported_the_attribution_stays_with_the_series(
    tvmaze: FixtureServer, engine: Engine
) -> None:
    store_series(engine, show(tvmaze, UNDER_THE_DOME), now=1)
    [exported] = list(iter_bundles(engine))
    assert exported["source"]["license"] == "CC BY-SA 4.0"
    assert exported["source"]["attribution"] == ATTRIBUTION
    assert exported["source"]["fetched"] == 1 and len(exported["source"]["contentHash"]) == 64


# ---------------------------------------------------------------- the command


def tvdbd(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tvdbd", *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_import_tvmaze_takes_ids_thetvdb_ids_and_a_list_file(
    backend: str, databases: Databases, tvmaze: FixtureServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    listing = tmp_path / "shows.txt"
    listing.write_text("# my shows\ntvmaze:143\nthetvdb:78804  # Doctor Who\n\n8652\n")
    env = {"TVDBD_DATABASE_URL": url, "TVDBD_DATA_DIR": str(tmp_path),
           "TVDBD_TVMAZE_URL": tvmaze.base_url,
           "TVDBD_TVMAZE_IMAGE_URL": f"{tvmaze.base_url}/images/",
           "TVDBD_TVMAZE_RATE_PER_SECOND": "50"}  # fmt: skip
    done = tvdbd(["import-tvmaze", "1", "--thetvdb", "284190", "--list", str(listing)], env)
    assert done.returncode == 0, done.stderr.decode()
    assert b"TVmaze: 5 series stored, 0 unchanged, 0 not found, 0 failed" in done.stderr
    ids = sorted(b["series"]["id"] for b in iter_bundles(engine))
    assert ids == [78804, 261952, 264492, 277165, 284190]
    # Artwork arrived in the image store at the paths the records name.
    assert (tmp_path / "banners" / "tvmaze" / "original_untouched" / "0" / "1.jpg").is_file()
    again = tvdbd(["import-tvmaze", "1"], env)
    assert b"0 series stored, 1 unchanged" in again.stderr
    missing = tvdbd(["import-tvmaze", "999999"], env)
    assert missing.returncode == 1 and b"not found: tvmaze 999999" in missing.stderr
    engine.dispose()


def test_import_tvmaze_can_write_bundles_instead(tvmaze: FixtureServer, tmp_path: Path) -> None:
    out = tmp_path / "shows.jsonl"
    env = {"TVDBD_DATA_DIR": str(tmp_path), "TVDBD_TVMAZE_URL": tvmaze.base_url,
           "TVDBD_TVMAZE_RATE_PER_SECOND": "50"}  # fmt: skip
    done = tvdbd(["import-tvmaze", "1", "143", "--output", str(out)], env)
    assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [b["series"]["seriesName"] for b in lines] == ["Under the Dome", "Silicon Valley"]
    assert all(b["source"]["license"] == "CC BY-SA 4.0" for b in lines)
    assert not (tmp_path / "tvdbd.sqlite3").exists()  # nothing stored


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    env = {"TVDBD_DATA_DIR": str(tmp_path)}
    assert b"Give TVmaze show ids" in tvdbd(["import-tvmaze"], env).stderr
    assert b"'abc' is not a TVmaze show id" in tvdbd(["import-tvmaze", "abc"], env).stderr
    listing = tmp_path / "bad.txt"
    listing.write_text("1\nimdb:tt1\n")
    done = tvdbd(["import-tvmaze", "--list", str(listing)], env)
    assert done.returncode != 0 and b"bad.txt:2: expected an id, got 'imdb:tt1'" in done.stderr


def test_tvmaze_read_through_finds_a_series_by_its_thetvdb_id(
    backend: str, databases: Databases, tvmaze: FixtureServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    server = LiveServer(url, tmp_path / "server", TVDBD_READ_THROUGH="tvmaze",
                        TVDBD_TVMAZE_URL=tvmaze.base_url,
                        TVDBD_TVMAZE_RATE_PER_SECOND="50")  # fmt: skip
    try:
        with server.client() as api:
            series = api.get("/series/264492").json()["data"]
            assert series["seriesName"] == "Under the Dome"
            page = api.get("/series/264492/episodes").json()
            assert len(page["data"]) == 39 and page["links"]["last"] == 1
            hits = api.get("/search/series?name=under the dome").json()["data"]
            assert [h["id"] for h in hits] == [264492]
        assert httpx.get(f"{server.base_url}/series/264492").status_code == 401
    finally:
        server.stop()
