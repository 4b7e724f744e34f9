"""Migration 0003: catalogues stored before it get the ranked search index, and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from tests.db.test_search_index import SMALL, bundle, find, names_of, oracle
from tests.support import Databases, import_bundles
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import alembic_config, upgrade
from tvdbd.search import joined_words, stem, words

CATALOGUE = [
    *SMALL,
    bundle(20, "Scrubs", "Scrubs - Die Anfänger", de="Scrubs – Die Anfänger", es="Enfermeros"),
    bundle(21, "Marvel's Agents of S.H.I.E.L.D.", "Agents of SHIELD", fr="Les Agents du SHIELD"),
    bundle(22, "東京物語", ja="東京物語", de="Die Reise nach Tokyo"),
]
QUERIES = ["star", "stars", "st", "star trek", "trek st", "scrubs", "shield", "agents of s",
           "東京", "reise", "greys", "enfermero", "nothing"]  # fmt: skip


@pytest.fixture
def at_0002(backend: str, databases: Databases) -> Iterator[Engine]:
    """CATALOGUE stored as tvdbd stored it at revision 0002 (with that revision's index)."""
    engine = make_engine(databases.new_url(backend))
    upgrade(engine, "0002")
    meta = sa.MetaData()
    meta.reflect(engine)
    series, translations, aliases, search_words = (
        meta.tables[name]
        for name in ("series", "series_translations", "series_aliases", "search_words")
    )
    with engine.begin() as conn:
        for b in CATALOGUE:
            record, series_id = b["series"], b["series"]["id"]
            conn.execute(sa.insert(series), _series_row(record))
            for language, translation in b.get("translations", {}).items():
                conn.execute(
                    sa.insert(translations),
                    {"series_id": series_id, "language": language, "has_aliases": False,
                     "series_name": translation["seriesName"]},
                )  # fmt: skip
            for position, alias in enumerate(record["aliases"]):
                conn.execute(
                    sa.insert(aliases),
                    {"series_id": series_id, "language": "", "position": position, "alias": alias},
                )
            entries = _entries_0002(names_of([b])[series_id])
            if entries:
                conn.execute(
                    sa.insert(search_words),
                    [{"series_id": series_id, "word": w, "stem": s} for w, s in entries],
                )
    yield engine
    engine.dispose()


def _series_row(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "series_name": record["seriesName"],
        "original_language": "en",
        "aired_season_count": 0,
        "episode_count": 0,
        "bundle_hash": f"hash-{record['id']}",
    }


def _entries_0002(names: list[str]) -> set[tuple[str, str]]:
    """Revision 0002's search_words rows of a series: (word, stem) of both readings."""
    return {(w, stem(w)) for name in names for w in (*words(name), *joined_words(name))}


def _index(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The search index rows, without the numbering of a series' readings."""
    queries = {
        "search_names": "SELECT series_id, name, stems FROM search_names",
        "search_words": "SELECT series_id, word, stem, position, name_length FROM search_words",
        "search_pairs": "SELECT series_id, word, other, position, name_length FROM search_pairs",
        "search_prefixes": "SELECT series_id, prefix, position, name_length FROM search_prefixes",
        "search_vocabulary": "SELECT word, stem FROM search_vocabulary",
    }
    with engine.connect() as conn:
        return {
            table: sorted(tuple(row) for row in conn.execute(sa.text(query)))
            for table, query in queries.items()
        }


def test_upgrading_a_stored_catalogue_builds_the_index_an_import_builds(
    at_0002: Engine, backend: str, databases: Databases
) -> None:
    upgrade(at_0002)
    _, imported = databases.new_engine(backend)
    report = import_bundles(imported, CATALOGUE)
    assert report.ok, report.errors
    assert _index(at_0002) == _index(imported)
    assert _index(at_0002)["search_words"]  # not two empty indexes
    for query in QUERIES:
        assert find(at_0002, query) == find(imported, query) == oracle(names_of(CATALOGUE), query)
    imported.dispose()


def test_downgrading_restores_revision_0002s_search_words(at_0002: Engine) -> None:
    upgrade(at_0002)
    config = alembic_config()
    with at_0002.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    columns = {c["name"] for c in sa.inspect(at_0002).get_columns("search_words")}
    assert columns == {"series_id", "word", "stem"}
    assert "search_names" not in sa.inspect(at_0002).get_table_names()
    with at_0002.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT series_id, word, stem FROM search_words")))
    expected = {
        (series_id, word, word_stem)
        for series_id, names in names_of(CATALOGUE).items()
        for word, word_stem in _entries_0002(names)
    }
    assert stored == expected
    upgrade(at_0002)  # and up again
    assert find(at_0002, "star trek") == [5, 7, 9]


def test_the_upgrade_indexes_every_series_of_a_catalogue_larger_than_a_batch(
    backend: str, databases: Databases
) -> None:
    engine = make_engine(databases.new_url(backend))
    upgrade(engine, "0002")
    series = sa.MetaData()
    series.reflect(engine, only=["series"])
    ids = range(1, 1302)  # 0003 reads 500 series at a time
    with engine.begin() as conn:
        rows = [_series_row({"id": i, "seriesName": f"Show {i}"}) for i in ids]
        conn.execute(sa.insert(series.tables["series"]), rows)
    upgrade(engine)
    with engine.connect() as conn:
        indexed = conn.execute(sa.text("SELECT series_id, name FROM search_names")).all()
    assert sorted(indexed) == [(i, f"show {i}") for i in ids]
    assert find(engine, "show 1301") == [1301]
    engine.dispose()
