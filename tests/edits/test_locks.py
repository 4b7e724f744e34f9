"""Locks against every way a series arrives: `tvdbd import`, `tvdbd sync` from the v4 fixture
server, a TVmaze refresh, and `tvdbd mirror`. Upstream changes a locked and an unlocked
field; only the unlocked one moves, and the upstream value is kept beside the lock."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.api import tiny
from tests.edits.helpers import ALICE, episode_of, locks, stored
from tests.sources.fixture_server import FixtureServer
from tests.sources.test_mirror import demo, mirror
from tests.sources.test_sync import (
    FIREFLY,
    LOST,
    entry,
    feed,
    fetch_into,
    rename_episodes,
    run_sync,
)
from tests.sources.test_tvmaze import UNDER_THE_DOME, show
from tests.support import Databases, LiveServer, import_bundles
from tvdbd.edits.changes import RemoveRecord, SetField, Unlock, apply_changes
from tvdbd.edits.history import history
from tvdbd.edits.incoming import overwriting_locked
from tvdbd.sources.store import store_series

GERMAN = tiny.GERMAN
FIRST, SECOND = 910001, 910002
SCRUBS = 76156


def upstream_changed() -> dict[str, Any]:
    """The German show as upstream gives it later: a new name, network and episode names."""
    bundle = copy.deepcopy(tiny.german_show())
    bundle["series"]["seriesName"] = "Kleine Serie (upstream)"
    bundle["series"]["network"] = "ARD"
    for item in bundle["episodes"]:
        item["episodeName"] = f"{item['episodeName']} [v2]"
    return bundle


def test_an_import_keeps_locked_fields_and_stores_the_upstream_values_beside_them(
    engine: Engine,
) -> None:
    apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            SetField("series", GERMAN, "seriesName", "Kleine Serie (lokal)"),
            SetField("episode", FIRST, "episodeName", "Erste Folge (lokal)"),
        ],
    )
    edited_at = stored(engine, GERMAN)["series"]["lastUpdated"]
    report = import_bundles(engine, [upstream_changed()])
    assert report.ok and report.imported == 1
    bundle = stored(engine, GERMAN)
    assert bundle["series"]["seriesName"] == "Kleine Serie (lokal)"  # locked
    assert bundle["series"]["network"] == "ARD"  # not locked: follows upstream
    assert episode_of(bundle, FIRST)["episodeName"] == "Erste Folge (lokal)"
    assert episode_of(bundle, SECOND)["episodeName"] == "Zweite Folge [v2]"
    # lastUpdated never goes back behind the edit.
    assert bundle["series"]["lastUpdated"] >= edited_at
    upstream = {lock.target.field: lock.upstream for lock in locks(engine, GERMAN)}
    assert upstream == {
        "seriesName": "Kleine Serie (upstream)",
        "episodeName": "Erste Folge [v2]",
    }
    # The same upstream line again changes nothing.
    again = import_bundles(engine, [upstream_changed()])
    assert again.unchanged == 1 and again.imported == 0


def test_an_unlock_stores_the_upstream_value_seen_last(engine: Engine) -> None:
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "seriesName", "Lokal")])
    import_bundles(engine, [upstream_changed()])
    apply_changes(engine, ALICE, GERMAN, [Unlock("series", GERMAN, "seriesName")])
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Kleine Serie (upstream)"
    assert locks(engine, GERMAN) == []


def test_an_unlock_before_any_refresh_takes_upstream_at_the_next_one(engine: Engine) -> None:
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "seriesName", "Lokal")])
    apply_changes(engine, ALICE, GERMAN, [Unlock("series", GERMAN, "seriesName")])
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Lokal"
    # The very line imported before the edit is stored again, not skipped as unchanged.
    report = import_bundles(engine, [tiny.german_show()])
    assert report.imported == 1
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Kleine Serie"


def test_a_removed_episode_stays_removed_and_an_added_one_stays(engine: Engine) -> None:
    from tvdbd.edits.changes import AddEpisode

    added = apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            RemoveRecord("episode", SECOND),
            AddEpisode({"airedSeason": 1, "airedEpisodeNumber": 3, "episodeName": "Dritte"}),
        ],
    )
    new_id = added.revisions[1].target.record_id
    import_bundles(engine, [upstream_changed()])
    ids = [e["id"] for e in stored(engine, GERMAN)["episodes"]]
    assert SECOND not in ids and new_id in ids and FIRST in ids


def test_overwrite_locked_stores_upstream_and_unlocks_with_a_revision(engine: Engine) -> None:
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "seriesName", "Lokal")])
    import_bundles(engine, [upstream_changed()])  # kept
    report = import_bundles(engine, [upstream_changed()], overwrite_locked=True)
    assert report.imported == 1
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Kleine Serie (upstream)"
    assert locks(engine, GERMAN) == []
    latest = history(engine, "series", GERMAN)[0]
    assert (latest.action, latest.editor, latest.via) == ("unlock", "import", "import")
    # Within overwriting_locked() (how `tvdbd sync --overwrite-locked` reaches the importer).
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "seriesName", "Lokal 2")])
    with overwriting_locked():
        import_bundles(engine, [upstream_changed()])
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Kleine Serie (upstream)"


def test_a_strict_import_keeps_locks_too(engine: Engine) -> None:
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "seriesName", "Lokal")])
    report = import_bundles(engine, [upstream_changed()], strict=True)
    assert report.ok and not report.refused
    assert stored(engine, GERMAN)["series"]["seriesName"] == "Lokal"


# ---------------------------------------------------------------- live sources


@pytest.fixture
def empty(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    yield engine
    engine.dispose()


def _first_two(engine: Engine, series_id: int) -> tuple[int, int]:
    ids = sorted(e["id"] for e in stored(engine, series_id)["episodes"])
    return ids[0], ids[1]


def test_a_v4_sync_keeps_a_locked_episode_name_and_moves_the_unlocked_ones(
    empty: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    started = int(time.time()) - 100
    fetch_into(empty, v4, FIREFLY, now=started)
    locked, unlocked = _first_two(empty, FIREFLY)
    apply_changes(empty, ALICE, FIREFLY, [SetField("episode", locked, "episodeName", "Mine")])
    rename_episodes(v4, FIREFLY, "v2")
    feed(
        v4, {"series": [], "episodes": [entry("episodes", locked, started + 20, series_id=FIREFLY)]}
    )
    report = run_sync(empty, v4, tmp_path)
    assert report.refreshed == [FIREFLY]
    bundle = stored(empty, FIREFLY)
    assert episode_of(bundle, locked)["episodeName"] == "Mine"
    assert episode_of(bundle, unlocked)["episodeName"].endswith("[v2]")
    (lock,) = locks(empty, FIREFLY)
    assert lock.upstream.endswith("[v2]") and lock.upstream_seen_at is not None


def test_a_v4_sync_with_overwrite_locked_takes_the_upstream_name(
    empty: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    started = int(time.time()) - 100
    fetch_into(empty, v4, FIREFLY, now=started)
    locked, _ = _first_two(empty, FIREFLY)
    apply_changes(empty, ALICE, FIREFLY, [SetField("episode", locked, "episodeName", "Mine")])
    rename_episodes(v4, FIREFLY, "v2")
    feed(
        v4, {"series": [], "episodes": [entry("episodes", locked, started + 20, series_id=FIREFLY)]}
    )
    with overwriting_locked():
        run_sync(empty, v4, tmp_path)
    assert episode_of(stored(empty, FIREFLY), locked)["episodeName"].endswith("[v2]")
    assert locks(empty, FIREFLY) == []


def test_a_series_deleted_upstream_stays_while_it_has_local_edits(
    empty: Engine, v4: FixtureServer, tmp_path: Path
) -> None:
    started = int(time.time()) - 100
    fetch_into(empty, v4, LOST, now=started)
    apply_changes(empty, ALICE, LOST, [SetField("series", LOST, "network", "Mine")])
    v4.add(f"GET /series/{LOST}/extended", {"status": "failure", "message": "NotFound"}, 404)
    feed(v4, {"series": [entry("series", LOST, started + 10, "delete")], "episodes": []})
    report = run_sync(empty, v4, tmp_path)
    assert report.deleted == []
    assert stored(empty, LOST)["series"]["network"] == "Mine"


def test_a_tvmaze_refresh_keeps_a_locked_episode_name(empty: Engine, tvmaze: FixtureServer) -> None:
    first = show(tvmaze, UNDER_THE_DOME)
    series_id = first["series"]["id"]
    store_series(empty, first, now=int(time.time()) - 100)
    locked, unlocked = _first_two(empty, series_id)
    apply_changes(empty, ALICE, series_id, [SetField("episode", locked, "episodeName", "Mine")])
    for canned in tvmaze.canned:
        if canned.path == f"/shows/{UNDER_THE_DOME}/episodes":
            for item in canned.body:
                item["name"] = f"{item['name']} [v2]"
    store_series(empty, show(tvmaze, UNDER_THE_DOME))
    bundle = stored(empty, series_id)
    assert episode_of(bundle, locked)["episodeName"] == "Mine"
    assert episode_of(bundle, unlocked)["episodeName"].endswith("[v2]")
    # The licence and attribution stay with the series through the edit and the refresh.
    assert bundle["source"]["name"] == "tvmaze" and bundle["source"]["license"]


# ---------------------------------------------------------------- mirror


@pytest.fixture
def upstream_server(
    backend: str, databases: Databases, tmp_path: Path
) -> Iterator[tuple[LiveServer, Engine]]:
    url, engine = databases.new_engine(backend)
    assert import_bundles(engine, demo()).ok
    server = LiveServer(url, tmp_path / "upstream")
    yield server, engine
    server.stop()
    engine.dispose()


def test_a_mirror_follows_an_edit_and_keeps_its_own_locks(
    upstream_server: tuple[LiveServer, Engine], empty: Engine, tmp_path: Path
) -> None:
    server, upstream = upstream_server
    since = 1_400_000_000
    mirror(empty, server, tmp_path, since=since, artwork=False)
    assert stored(empty, SCRUBS)["series"]["seriesName"] == "Scrubs"
    # The mirror locks the network of its own; upstream then edits the name and network.
    apply_changes(empty, ALICE, SCRUBS, [SetField("series", SCRUBS, "network", "Mine")])
    apply_changes(
        upstream,
        ALICE,
        SCRUBS,
        [
            SetField("series", SCRUBS, "seriesName", "Scrubs (edited upstream)"),
            SetField("series", SCRUBS, "network", "Upstream TV"),
        ],
    )
    report = mirror(empty, server, tmp_path, artwork=False)
    assert SCRUBS in report.refreshed
    series = stored(empty, SCRUBS)["series"]
    assert series["seriesName"] == "Scrubs (edited upstream)"
    assert series["network"] == "Mine"
    (lock,) = locks(empty, SCRUBS)
    assert lock.upstream == "Upstream TV"
