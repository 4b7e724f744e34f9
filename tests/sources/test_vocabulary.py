"""TheTVDB v2's vocabulary for what the live sources give: genre names as v2 spelled them
(on import, read-through and sync), and TVmaze seasons as `airedSeasonID`s in tvdbd's id
block, the same on every refresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from tests.sources.fixture_server import FixtureServer
from tests.sources.test_sync import entry, feed, fetch_into, run_sync
from tests.sources.test_tvdb_v4 import bundle_of
from tests.sources.test_tvdb_v4 import stored as stored_bundle
from tests.sources.test_tvmaze import DOCTOR_WHO, UNDER_THE_DOME, show
from tests.sources.tvmaze_fixtures import recorded
from tests.sources.v4_fixtures import v2_series
from tests.support import RECORDED, ROOT
from tvdbd.db.catalogue import get_genres
from tvdbd.db.schema import series_genres, series_sources
from tvdbd.sources.genres import (
    TVMAZE_GENRES,
    V2_GENRES,
    V4_GENRES,
    no_v2_equivalent,
    v2_genres,
)
from tvdbd.sources.store import store_series
from tvdbd.sources.tvmaze.mapping import TVDBD_ID_BASE, TVDBD_ID_LIMIT

LOST, FIREFLY, SCRUBS = 73739, 78874, 76156
SOURCES_DOC = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
TVMAZE_RECORDED = Path(__file__).parent / "recorded" / "tvmaze"


# ---------------------------------------------------------------- the genre table


def test_the_v2_names_include_what_thetvdbs_2020_records_say() -> None:
    recorded_genres = set()
    for path in RECORDED.glob("series_*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        record = (data.get("body") or data).get("data")
        if isinstance(record, dict):
            recorded_genres.update(record.get("genre") or [])
    assert recorded_genres == {"Action", "Adventure", "Comedy", "Drama", "Science Fiction"}
    assert recorded_genres <= set(V2_GENRES)
    assert "Science-Fiction" not in V2_GENRES


@pytest.mark.parametrize("table", [TVMAZE_GENRES, V4_GENRES], ids=["tvmaze", "tvdb-v4"])
def test_every_source_genre_has_a_v2_name_or_is_kept_as_the_source_spells_it(
    table: dict[str, str],
) -> None:
    for name, v2 in table.items():
        assert v2 in V2_GENRES or v2 == name, name
    kept = no_v2_equivalent(table)
    assert all(table[name] == name for name in kept)


def test_the_documented_table_names_every_source_genre_and_what_it_becomes() -> None:
    section = SOURCES_DOC.split("## Genres", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[0].strip("` "): cells[1].strip("` ")
        for line in section.splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for name, v2 in {**TVMAZE_GENRES, **V4_GENRES}.items():
        assert name in rows, f"{name} is not in docs/sources.md"
        assert rows[name] == (v2 if v2 in V2_GENRES else "kept"), name


def test_names_come_once_in_the_sources_order_and_unknown_ones_stay() -> None:
    assert v2_genres(["Sports", "Drama", "Sport", "DIY", " Legal "], TVMAZE_GENRES) == [
        "Sport", "Drama", "Home and Garden", "Legal",
    ]  # fmt: skip
    assert v2_genres(["science fiction", "Cooking Shows", None, ""], V4_GENRES) == [
        "Science Fiction", "Cooking Shows",
    ]  # fmt: skip


def test_the_recorded_tvmaze_shows_get_v2_genre_names() -> None:
    mapped = {}
    for path in sorted(TVMAZE_RECORDED.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))["body"]
        if isinstance(body, dict) and body.get("genres"):
            mapped[body["name"]] = v2_genres(body["genres"], TVMAZE_GENRES)
    assert mapped["Under the Dome"] == ["Drama", "Science Fiction", "Thriller"]
    assert mapped["The X-Files"] == ["Drama", "Crime", "Science Fiction"]
    assert mapped["1992"] == ["Drama", "Crime", "History"]  # History: no v2 name, kept
    assert not any("Science-Fiction" in names for names in mapped.values())


def test_a_tvmaze_show_is_stored_with_v2_genre_names(tvmaze: FixtureServer, engine: Engine) -> None:
    stored = store_series(engine, show(tvmaze, DOCTOR_WHO), now=1)
    with engine.connect() as conn:
        assert get_genres(conn, stored.series_id) == ["Drama", "Adventure", "Science Fiction"]


@pytest.mark.parametrize("series_id", [LOST, FIREFLY, SCRUBS])
def test_v4_genres_are_stored_as_thetvdbs_own_v2_records_had_them(
    v4: FixtureServer, engine: Engine, series_id: int
) -> None:
    store_series(engine, bundle_of(v4, series_id), now=1)
    assert (
        stored_bundle(engine, series_id)["series"]["genre"] == v2_series(series_id)["en"]["genre"]
    )


def test_the_recorded_v4_genre_list_is_v2_names() -> None:
    path = Path(__file__).parent / "recorded" / "tvdb-v4" / "fp-genres.json"
    names = [g["name"] for g in json.loads(path.read_text(encoding="utf-8"))["body"]["data"]]
    assert v2_genres(names, V4_GENRES) == names == ["Soap", "Science Fiction"]


def test_a_sync_stores_v2_genres_over_what_an_older_mapping_stored(
    engine: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    now = 1_700_000_000
    fetch_into(engine, v4, FIREFLY, now=now)
    with engine.begin() as conn:  # as the mapping before the genre table stored it
        conn.execute(
            update(series_genres)
            .where(series_genres.c.series_id == FIREFLY, series_genres.c.genre == "Science Fiction")
            .values(genre="Science-Fiction")
        )
        conn.execute(
            update(series_sources)
            .where(series_sources.c.series_id == FIREFLY)
            .values(content_hash="mapped-by-an-older-tvdbd")
        )
    feed(v4, {"series": [entry("series", FIREFLY, now + 10)], "episodes": []})
    report = run_sync(engine, v4, tmp_path)
    assert report.refreshed == [FIREFLY]
    with engine.connect() as conn:
        assert get_genres(conn, FIREFLY) == ["Drama", "Science Fiction"]


# ---------------------------------------------------------------- TVmaze seasons


def test_tvmaze_episodes_carry_their_seasons_ids_in_tvdbds_block(
    tvmaze: FixtureServer, engine: Engine
) -> None:
    seasons = {s["number"]: s["id"] for s in recorded("pl-shows-1-under-the-dome-seasons.json")}
    assert seasons == {1: 1, 2: 2, 3: 6233}
    store_series(engine, show(tvmaze, UNDER_THE_DOME), now=1)
    episodes = stored_bundle(engine, 264492)["episodes"]
    assert len(episodes) == 39
    for episode in episodes:
        assert episode["airedSeasonID"] == TVDBD_ID_BASE + seasons[episode["airedSeason"]]


def test_tvmaze_specials_share_one_season_id_and_an_unlisted_season_has_none(
    tvmaze: FixtureServer,
) -> None:
    episodes = show(tvmaze, DOCTOR_WHO)["episodes"]
    by_season: dict[int, set[int]] = {}
    for episode in episodes:
        by_season.setdefault(episode["airedSeason"], set()).add(episode["airedSeasonID"])
    # Series 1 to 10 as TVmaze lists them (859 ... 38217), one id per season.
    assert by_season[1] == {TVDBD_ID_BASE + 859} and by_season[10] == {TVDBD_ID_BASE + 38217}
    assert all(len(ids) == 1 for ids in by_season.values())
    assert len({next(iter(by_season[n])) for n in range(1, 11)}) == 10
    # The specials (A Christmas Carol): counted down from the top of the block.
    assert by_season[0] == {TVDBD_ID_LIMIT - DOCTOR_WHO}
    # Series 11 to 13 are missing from the recorded seasons answer: no id to give.
    assert by_season[11] == by_season[13] == {0}


def test_tvmaze_season_ids_are_the_same_on_every_refresh(
    tvmaze: FixtureServer, engine: Engine
) -> None:
    first = store_series(engine, show(tvmaze, UNDER_THE_DOME), now=1)
    before = {e["id"]: e["airedSeasonID"] for e in stored_bundle(engine, 264492)["episodes"]}
    again = store_series(engine, show(tvmaze, UNDER_THE_DOME), now=2)
    assert first.changed and not again.changed  # the same bundle: nothing stored again
    # A refresh that stores a change keeps every season id too.
    renamed = {**recorded("pl-shows-1-under-the-dome.json"), "name": "Under the Dome (renamed)"}
    tvmaze.add(f"GET /shows/{UNDER_THE_DOME}", renamed)
    changed = store_series(engine, show(tvmaze, UNDER_THE_DOME), now=3)
    assert changed.changed
    after = {e["id"]: e["airedSeasonID"] for e in stored_bundle(engine, 264492)["episodes"]}
    assert after == before
