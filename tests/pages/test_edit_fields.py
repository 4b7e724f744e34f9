"""tvdbd.pages.edit_fields: a record's values as form text and posted text back as the
changes of tvdbd.edits (only fields whose text moved from their base's)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tvdbd.edits.changes import SetField
from tvdbd.pages.edit_fields import changes_from, label_of, text_of, value_of
from tvdbd.records.fields import Kind


@pytest.mark.parametrize(
    ("name", "label"),
    [("airedEpisodeNumber", "Aired episode number"), ("airedSeasonID", "Aired season ID"),
     ("dvdDiscid", "DVD disc ID"), ("zap2itId", "Zap2it ID"), ("imdbId", "IMDb ID"),
     ("showUrl", "Show URL"), ("seriesName", "Series name")],
)  # fmt: skip
def test_labels_read_as_words(name: str, label: str) -> None:
    assert label_of(name) == label


@pytest.mark.parametrize(
    ("kind", "default", "value"),
    [(Kind.STR, "", "ZDF"), (Kind.STR, None, None), (Kind.STR, "", ""), (Kind.INT, None, 12),
     (Kind.INT, None, None), (Kind.INT, 0, -3), (Kind.NUM, None, 4.1), (Kind.NUM, 0, 7),
     (Kind.LIST, [], ["Drama", "Smith, Jr."]), (Kind.LIST, [], []),
     (Kind.RATINGS, None, {"average": 7.5, "count": 3})],
)  # fmt: skip
def test_a_value_shown_as_text_reads_back_as_itself(kind: Kind, default: Any, value: Any) -> None:
    assert value_of(kind, default, text_of(kind, value)) == value


def test_text_not_of_the_fields_kind_is_passed_on_for_the_specs_to_refuse() -> None:
    assert value_of(Kind.INT, None, "one") == "one"
    assert value_of(Kind.NUM, None, "4,1") == "4,1"


def test_only_fields_whose_text_moved_from_their_base_become_changes() -> None:
    form = {
        "value-network": "ARD", "base-network": orjson.dumps("ZDF").decode(),
        "value-runtime": "30", "base-runtime": orjson.dumps("30").decode(),
        "value-genre": "Drama\r\nComedy", "base-genre": orjson.dumps(["Drama", "Comedy"]).decode(),
        "value-seriesName": "Neu", "base-seriesName": orjson.dumps("Alt").decode(),
    }  # fmt: skip
    changes = changes_from(form, "series", 1, "en")
    assert changes == [
        SetField("series", 1, "seriesName", "Neu", "en", base="Alt"),
        SetField("series", 1, "network", "ARD", None, base="ZDF"),
    ]
