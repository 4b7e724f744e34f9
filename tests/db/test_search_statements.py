"""Search runs prepared statements (tvdbd.db.prepared) on the driver's cursor: each gives the
rows SQLAlchemy gives for the same statement, and the hits' records are those of the generic
reads (tvdbd.db.search_hits against tvdbd.db.catalogue)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import Databases, import_bundles
from tvdbd.db import catalogue
from tvdbd.db import search as search_db
from tvdbd.db.prepared import Prepared
from tvdbd.db.search_hits import HIT_COLUMNS, hit_records


def bundle(series_id: int, name: str, *aliases: str, **translated: str) -> dict[str, Any]:
    record = {"id": series_id, "seriesName": name, "aliases": list(aliases),
              "overview": f"about {name}", "network": "NBC", "status": "Ended",
              "firstAired": "2001-10-02", "banner": f"graphical/{series_id}.jpg"}  # fmt: skip
    translations = {
        language: {"seriesName": n, "overview": f"{n} ({language})"}
        for language, n in translated.items()
    }
    return {"series": record, "translations": translations} if translations else {"series": record}


CATALOGUE = [
    bundle(1, "Lone Star", "The Lone Star", "Star Alone"),
    bundle(2, "Starling"),
    bundle(3, "Stars", de="Sterne", fr="Étoiles"),
    bundle(4, "Star"),
    bundle(5, "Star Trek", "Trek", de="Raumschiff"),
    bundle(6, "Dark Star Rising"),
    bundle(7, "Morning", "Star Trek Voyager"),
    bundle(8, "Trek of the Star", fr="Étoile"),
]


@pytest.fixture(scope="module")
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    report = import_bundles(engine, CATALOGUE)
    assert report.ok, report.errors
    yield engine
    engine.dispose()


ranges = search_db._ranges
STATEMENTS: list[tuple[str, Callable[[], Prepared], dict[str, Any]]] = [
    ("words", lambda: search_db._word_stream(2), {"w0": "star", "w1": "trek", "limit": 4}),
    ("longer words", lambda: search_db._range_stream(False), {**ranges("sta"), "limit": 50}),
    ("stem only", lambda: search_db._range_stream(True), {**ranges("stars"), "limit": 50}),
    ("prefixes", search_db._prefix_stream, {"q": "st", "limit": 50}),
    ("pairs", lambda: search_db._pair_stream(1, False), {"x0": "star", "y0": "trek", "limit": 9}),
    (
        "pairs with names",
        lambda: search_db._pair_stream(2, True),
        {"x0": "star", "y0": "trek", "x1": "star", "y1": "voyager", "limit": 9},
    ),
    ("vocabulary", lambda: search_db._vocabulary_query(False), {**ranges("st"), "limit": 65}),
    (
        "vocabulary stems",
        lambda: search_db._vocabulary_query(True),
        {**ranges("stars"), "limit": 65},
    ),
    (
        "expansions",
        lambda: search_db._expansions_query(2),
        {**ranges("star", "0"), **ranges("tr", "1"), "limit": 65},
    ),
    (
        "exact word",
        lambda: search_db._exact_query(False),
        {"x": "star", "length": 1, "name": "star"},
    ),
    (
        "exact pair",
        lambda: search_db._exact_query(True),
        {"x": "star", "y": "trek", "length": 2, "name": "star trek"},
    ),
    (
        "candidates",
        lambda: search_db._candidates_query(("word", "range"), 1),
        {"x0": "star", **ranges("sta"), "f0": "% trek%", "g0": "% trek%", "cap": 5000},
    ),
    (
        "count",
        lambda: search_db._count_query(("word", "stem")),
        {"x0": "star", **ranges("stars"), "cap": 1000},
    ),
]


@pytest.mark.parametrize(
    ("kind", "statement", "params"), STATEMENTS, ids=[s[0] for s in STATEMENTS]
)
def test_each_search_statement_gives_the_rows_sqlalchemy_gives(
    engine: Engine, kind: str, statement: Callable[[], Prepared], params: dict[str, Any]
) -> None:
    prepared = statement()
    with engine.connect() as conn:
        expected = [tuple(row) for row in conn.execute(prepared.statement, params)]
        assert expected, f"{kind}: the case should find something"
        assert prepared.rows(conn, **params) == expected


def test_a_search_compiles_each_statement_once_per_dialect(engine: Engine) -> None:
    with engine.connect() as conn:
        search_db.find_series(conn, ["star"])
        compiled = dict(search_db._word_stream(1)._compiled)
        search_db.find_series(conn, ["star"])
        assert search_db._word_stream(1)._compiled == compiled
        assert conn.dialect.name in compiled


def generic_records(engine: Engine, ids: list[int], language: str) -> list[Any]:
    """What the handler read before search_hits: whole rows, translations and aliases."""
    with engine.connect() as conn:
        rows = catalogue.get_series_many(conn, ids)
        translations = catalogue.get_translations_many(conn, ids, language)
        aliases = catalogue.get_aliases(conn, ids)
    found = []
    for i in ids:
        row, translation = rows[i], translations.get(i)
        found.append((
            {name: row[name] for name in HIT_COLUMNS},
            {key: translation[key] if translation else None for key in ("series_name", "overview")},
            aliases[(i, "")],
        ))  # fmt: skip
    return found


@pytest.mark.parametrize("language", ["en", "de", "fr", "ja"])
@pytest.mark.parametrize(
    "ids", [[1], [3, 5], [5, 3, 1], [8, 7, 6, 5, 4, 3, 2, 1], [2, 4, 6, 8, 1]], ids=str
)
def test_hit_records_are_those_of_the_generic_reads(
    engine: Engine, ids: list[int], language: str
) -> None:
    with engine.connect() as conn:
        records = hit_records(conn, ids, language)
    assert records == generic_records(engine, ids, language)


def test_hit_records_skip_ids_that_are_not_stored(engine: Engine) -> None:
    with engine.connect() as conn:
        assert [row["id"] for row, _, _ in hit_records(conn, [5, 999, 1], "en")] == [5, 1]
        assert hit_records(conn, [], "en") == []
