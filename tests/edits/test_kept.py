"""Edits travel in bundles: `tvdbd export` writes each series' locks and history (`edits`),
`tvdbd import` of that export restores them; the round trip on both backends."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from tests.api import tiny
from tests.edits.helpers import ALICE, BOB, locks, stored
from tests.support import Databases, import_bundles
from tvdbd.bundles.exporter import export_file, iter_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.edits.changes import AddEpisode, SetField, apply_changes
from tvdbd.edits.history import history, revert

GERMAN = tiny.GERMAN


def _edited(engine: Engine) -> None:
    apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            SetField("series", GERMAN, "seriesName", "Kleine Serie (lokal)"),
            SetField("episode", 910001, "episodeName", "First!", language="en"),
            AddEpisode({"airedSeason": 2, "airedEpisodeNumber": 1, "episodeName": "Neu"}),
        ],
        comment="fixes",
    )
    done = apply_changes(engine, BOB, GERMAN, [SetField("series", GERMAN, "network", "ARD")])
    revert(engine, ALICE, done.revisions[0].id)
    upstream = copy.deepcopy(tiny.german_show())
    upstream["series"]["seriesName"] = "Upstream name"
    import_bundles(engine, [upstream])  # an upstream value beside the lock


def test_export_then_import_restores_values_locks_and_history(
    engine: Engine, backend: str, databases: Databases, tmp_path: Path
) -> None:
    _edited(engine)
    exported = tmp_path / "out.jsonl"
    export_file(engine, exported)
    (line,) = [orjson.loads(raw) for raw in exported.read_bytes().splitlines()]
    section = line["edits"]
    assert {lock["field"] for lock in section["locks"]} >= {"seriesName", "episodeName", "*"}
    assert [r["revision"] for r in section["revisions"]] == sorted(
        r["revision"] for r in section["revisions"]
    )

    _, restored = databases.new_engine(backend)
    try:
        report = import_file(restored, exported)
        assert report.ok and report.imported == 1, report.errors
        assert stored(restored, GERMAN) == stored(engine, GERMAN)
        assert locks(restored, GERMAN) == locks(engine, GERMAN)
        assert history(restored, "series", GERMAN) == history(engine, "series", GERMAN)
        # export(import(export)) is the same file.
        again = tmp_path / "again.jsonl"
        export_file(restored, again)
        assert again.read_bytes() == exported.read_bytes()
        # The restored locks hold against the next upstream import there too.
        import_bundles(restored, [tiny.german_show()])
        assert stored(restored, GERMAN)["series"]["seriesName"] == "Kleine Serie (lokal)"
        # New revisions there do not take restored numbers.
        top = max(r.id for r in history(restored, "series", GERMAN))
        new = apply_changes(restored, BOB, GERMAN, [SetField("series", GERMAN, "runtime", "31")])
        assert new.revisions[0].id > top
    finally:
        restored.dispose()


def test_a_series_without_edits_has_no_edits_section(engine: Engine) -> None:
    (bundle,) = list(iter_bundles(engine))
    assert "edits" not in bundle


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"locks": [{"record": "movie"}]}, "edits.locks[0].record"),
        ({"locks": "no"}, "edits.locks"),
        ({"revisions": [{"revision": "x", "field": "x"}]}, "edits.revisions[0].revision"),
        (
            {"locks": [{"record": "series", "id": GERMAN, "field": "seriesName"}]},
            "edits.locks[0].local",
        ),
    ],
)
def test_a_bad_edits_section_is_a_bad_line_naming_the_field(
    engine: Engine, section: dict[str, object], field: str
) -> None:
    line = {**tiny.german_show(), "edits": section}
    report = import_bundles(engine, [line])
    assert not report.ok
    assert field in report.errors[0] and "line 1" in report.errors[0]
