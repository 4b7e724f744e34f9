"""`tvdbd edit`, `history`, `revert`, `lock`, `unlock`, `locks` and `import --overwrite-locked`:
the same path as the edit API, made as a named local operator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.api import tiny
from tests.api.accounts import tvdbd_on
from tests.edits.helpers import episode_of, locks, stored
from tests.support import Databases, import_bundles
from tvdbd.edits.history import history

GERMAN = tiny.GERMAN


@pytest.fixture
def cli(backend: str, databases: Databases, tmp_path: Path) -> tuple[str, Engine, Path]:
    url, engine = databases.new_engine(backend)
    assert import_bundles(engine, [tiny.german_show()]).ok
    return url, engine, tmp_path


def run(cli: tuple[str, Engine, Path], *args: str, ok: bool = True) -> str:
    url, _, data_dir = cli
    result = tvdbd_on(url, data_dir, *args)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_edit_series_sets_typed_fields_as_the_named_operator(
    cli: tuple[str, Engine, Path],
) -> None:
    out = run(
        cli, "edit", "series", str(GERMAN), "--set", "seriesName=Little Show!", "--language",
        "en", "--set", "genre=Drama,Crime", "--set", "siteRatingCount=13", "--set",
        "overview:=null", "--comment", "cli test", "--as", "carol",
    )  # fmt: skip
    assert out.count("revision ") == 4
    bundle = stored(cli[1], GERMAN)
    assert bundle["translations"]["en"]["seriesName"] == "Little Show!"
    assert bundle["series"]["genre"] == ["Drama", "Crime"]
    assert bundle["series"]["siteRatingCount"] == 13
    # --language names the language of every translated field set.
    assert bundle["translations"]["en"]["overview"] is None
    assert bundle["series"]["overview"] == "Eine kleine Serie."
    latest = history(cli[1], "series", GERMAN)[0]
    assert (latest.editor, latest.via, latest.comment) == ("carol", "cli", "cli test")


def test_edit_episode_add_and_remove_and_history(cli: tuple[str, Engine, Path]) -> None:
    run(
        cli, "edit", "episode", "910001", "--set", "episodeName=Erste!", "--set", "absoluteNumber=5"
    )
    assert episode_of(stored(cli[1], GERMAN), 910001)["absoluteNumber"] == 5
    out = run(cli, "edit", "add-episode", str(GERMAN), "--set", "airedSeason=2",
              "--set", "airedEpisodeNumber=1")  # fmt: skip
    assert "add episode 1900000000" in out
    run(cli, "edit", "remove-episode", "910002")
    listed = run(cli, "history", "series", str(GERMAN))
    lines = listed.strip().splitlines()
    assert "remove" in lines[0] and "episode 910002" in lines[0]
    assert '"Erste Folge" -> "Erste!"' in listed
    assert "episodeName" in run(cli, "history", "episode", "910001")


def test_add_actor_and_remove_actor(cli: tuple[str, Engine, Path]) -> None:
    out = run(cli, "edit", "add-actor", str(GERMAN), "--set", "name=Jane Neu",
              "--set", "role=Nachbarin", "--set", "sortOrder=2")  # fmt: skip
    assert "add actor 1900000000" in out
    actor = next(a for a in stored(cli[1], GERMAN)["actors"] if a["id"] == 1_900_000_000)
    assert (actor["name"], actor["role"], actor["sortOrder"]) == ("Jane Neu", "Nachbarin", 2)
    assert "field name: is required" in run(
        cli, "edit", "add-actor", str(GERMAN), "--set", "role=x", ok=False
    )
    run(cli, "edit", "remove-actor", str(GERMAN), "1900000000")
    assert 1_900_000_000 not in [a["id"] for a in stored(cli[1], GERMAN)["actors"]]


def test_bad_values_and_fields_are_clear_errors(cli: tuple[str, Engine, Path]) -> None:
    out = run(cli, "edit", "episode", "910001", "--set", "airedSeason=two", ok=False)
    assert "airedSeason" in out
    out = run(cli, "edit", "series", str(GERMAN), "--set", "nonsense=1", ok=False)
    assert "nonsense" in out
    out = run(cli, "edit", "episode", "1", "--set", "episodeName=x", ok=False)
    assert "episode 1 not found" in out
    out = run(cli, "edit", "series", str(GERMAN), "--set", "noequals", ok=False)
    assert "FIELD=VALUE" in out


def test_revert_lock_unlock_and_locks(cli: tuple[str, Engine, Path]) -> None:
    run(cli, "edit", "series", str(GERMAN), "--set", "network=ARD")
    revision = history(cli[1], "series", GERMAN)[0].id
    run(cli, "edit", "series", str(GERMAN), "--set", "network=RTL")
    out = run(cli, "revert", str(revision), ok=False)
    assert "current value" in out and "RTL" in out
    run(cli, "revert", str(revision), "--force")
    assert stored(cli[1], GERMAN)["series"]["network"] == "ZDF"
    run(cli, "lock", "image", "7001", "subKey", "--series", str(GERMAN))
    run(cli, "lock", "episode", "910001", "overview", "--language", "en")
    listed = run(cli, "locks", str(GERMAN))
    assert "image 7001 field subKey" in listed and "episode 910001 field overview (en)" in listed
    run(cli, "unlock", "image", "7001", "subKey", "--series", str(GERMAN))
    assert "image 7001" not in run(cli, "locks", str(GERMAN))
    assert "--series" in run(cli, "lock", "actor", "5001", "role", ok=False)


def test_import_overwrite_locked_takes_the_bundle_values(
    cli: tuple[str, Engine, Path], tmp_path: Path
) -> None:
    run(cli, "edit", "series", str(GERMAN), "--set", "seriesName=Lokal")
    bundle = tmp_path / "upstream.jsonl"
    line = tiny.german_show()
    line["series"]["seriesName"] = "Von oben"
    bundle.write_text(json.dumps(line) + "\n")
    run(cli, "import", str(bundle))
    assert stored(cli[1], GERMAN)["series"]["seriesName"] == "Lokal"
    run(cli, "import", "--overwrite-locked", str(bundle))
    assert stored(cli[1], GERMAN)["series"]["seriesName"] == "Von oben"
    assert locks(cli[1], GERMAN) == []
