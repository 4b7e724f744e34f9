"""Migration 0010: series stored from TVmaze and TheTVDB v4 before the genre table get
TheTVDB v2's genre names; an operator's own imported series keep theirs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support import Databases, import_bundles
from tvdbd.db.catalogue import get_genres
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade
from tvdbd.db.schema import series_table


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    engine = make_engine(databases.new_url(backend))
    upgrade(engine, "0009")  # the revision before 0010
    yield engine
    engine.dispose()


def bundle(series_id: int, genres: list[str], source: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "series": {"id": series_id, "seriesName": f"Series {series_id}", "genre": genres,
                   "lastUpdated": 1_500_000_000},
    }  # fmt: skip
    if source:
        found["source"] = {"name": source, "id": str(series_id), "license": "CC BY-SA 4.0"}
    return found


def test_genres_stored_from_sources_become_v2_names_and_the_series_show_as_updated(
    engine: Engine,
) -> None:
    as_stored_before = [
        bundle(264492, ["Drama", "Science-Fiction", "Thriller"], "tvmaze"),
        bundle(2000003928, ["Sports", "DIY", "Legal", "Sport"], "tvmaze"),
        bundle(2000000143, ["Comedy"], "tvmaze"),
        bundle(78874, ["Drama", "Science-Fiction"], "thetvdb-v4"),
        bundle(76156, ["Comedy", "Sports"], "thetvdb-v4"),  # v4 never said Sports: kept
        bundle(900001, ["Science-Fiction"], None),  # an operator's own bundle
    ]
    assert import_bundles(engine, as_stored_before).ok
    before = int(time.time())
    upgrade(engine)
    with engine.connect() as conn:
        genres = {b["series"]["id"]: get_genres(conn, b["series"]["id"]) for b in as_stored_before}
        updated = dict(conn.execute(select(series_table.c.id, series_table.c.last_updated)).all())
    assert genres == {
        264492: ["Drama", "Science Fiction", "Thriller"],
        2000003928: ["Sport", "Home and Garden", "Legal"],
        2000000143: ["Comedy"],
        78874: ["Drama", "Science Fiction"],
        76156: ["Comedy", "Sports"],
        900001: ["Science-Fiction"],
    }
    changed = {i for i, at in updated.items() if at >= before}
    assert changed == {264492, 2000003928, 78874}
    assert updated[2000000143] == updated[900001] == 1_500_000_000
    upgrade(engine)  # again: nothing to do
