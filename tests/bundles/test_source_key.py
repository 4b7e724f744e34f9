"""The bundle's `source` key: where a series came from, checked, stored, exported back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import import_bundles
from tvdbd.bundles.exporter import iter_bundles

SOURCE = {"name": "tvmaze", "id": "1", "url": "https://www.tvmaze.com/shows/1/under-the-dome",
          "license": "CC BY-SA 4.0", "attribution": "Data from TVmaze", "fetched": 1795784292,
          "contentHash": "ab" * 32}  # fmt: skip


def bundle(source: Any) -> dict[str, Any]:
    return {"series": {"id": 264492, "seriesName": "Under the Dome"}, "source": source}


def test_a_source_is_kept_and_exported_key_for_key(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [bundle(SOURCE)]).ok
    [exported] = list(iter_bundles(engine))
    assert exported["source"] == SOURCE


def test_unset_source_keys_are_left_out_of_the_export(engine: Engine) -> None:
    assert import_bundles(engine, [bundle({"name": "thetvdb-v4", "id": "81189"})]).ok
    [exported] = list(iter_bundles(engine))
    assert exported["source"] == {"name": "thetvdb-v4", "id": "81189"}


def test_a_series_imported_again_without_a_source_loses_it(engine: Engine) -> None:
    assert import_bundles(engine, [bundle(SOURCE)]).ok
    plain = {"series": {"id": 264492, "seriesName": "Under the Dome"}}
    assert import_bundles(engine, [plain]).ok
    [exported] = list(iter_bundles(engine))
    assert "source" not in exported


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"id": "1"}, "series 264492, field source.name: is required"),
        ({"name": "", "id": "1"}, "series 264492, field source.name: must not be empty"),
        ({"name": "tvmaze", "id": 1}, "series 264492, field source.id: must be a string, got 1"),
        ({"name": "tvmaze", "id": "1", "fetched": "yesterday"},
         "series 264492, field source.fetched: must be an integer"),
        ("tvmaze", "series 264492, field source: must be a JSON object"),
    ],
)  # fmt: skip
def test_a_bad_source_names_the_field_and_stores_nothing(
    engine: Engine, source: Any, message: str
) -> None:
    report = import_bundles(engine, [bundle(source)])
    assert report.imported == 0 and len(report.errors) == 1
    assert report.errors[0].startswith(f"line 1, {message}"), report.errors[0]
    assert list(iter_bundles(engine)) == []
