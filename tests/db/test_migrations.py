"""Migrations: from an empty database to the schema of tvdbd.db.schema, on each backend."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from tests.support import ROOT, Databases
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import current_revision, head_revision, upgrade
from tvdbd.db.schema import metadata


@pytest.fixture
def empty(backend: str, databases: Databases) -> Iterator[Engine]:
    """A database with nothing in it: not even the migration table."""
    engine = make_engine(databases.new_url(backend))
    yield engine
    engine.dispose()


def test_upgrade_from_empty_creates_every_table_and_the_184_languages(empty: Engine) -> None:
    assert inspect(empty).get_table_names() == []
    assert current_revision(empty) is None
    upgrade(empty)
    assert set(inspect(empty).get_table_names()) == {*metadata.tables, "alembic_version"}
    assert current_revision(empty) == head_revision() is not None
    with empty.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM languages")).scalar_one() == 184
        for table in metadata.sorted_tables:
            if table.name != "languages":
                count = conn.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one()
                assert count == 0, table.name


def test_the_languages_are_the_shipped_list_in_served_order(empty: Engine) -> None:
    upgrade(empty)
    shipped = json.loads((ROOT / "tvdbd" / "data" / "languages.json").read_text("utf-8"))
    with empty.connect() as conn:
        rows = conn.execute(
            text("SELECT position, id, abbreviation, name, english_name FROM languages "
                 "ORDER BY position")
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        (position, e["id"], e["abbreviation"], e["name"], e["englishName"])
        for position, e in enumerate(shipped)
    ]


def test_the_migrated_schema_matches_the_metadata(empty: Engine) -> None:
    upgrade(empty)
    with empty.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, metadata) == []


def test_upgrade_again_changes_nothing(empty: Engine) -> None:
    upgrade(empty)
    before = _schema(empty)
    upgrade(empty)
    upgrade(empty)
    assert _schema(empty) == before
    assert current_revision(empty) == head_revision()
    with empty.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM languages")).scalar_one() == 184
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_search_keys_sort_by_code_point_on_postgresql(backend: str, empty: Engine) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite compares text by code point already")
    upgrade(empty)
    with empty.connect() as conn:
        collations = conn.execute(
            text("SELECT table_name, column_name, collation_name FROM information_schema.columns "
                 "WHERE table_schema = current_schema() AND table_name LIKE 'search%' "
                 "AND collation_name IS NOT NULL ORDER BY table_name, column_name")
        ).all()  # fmt: skip
    # The key columns, read as prefix ranges; whole readings (search_names) are not.
    assert [tuple(c) for c in collations] == [
        ("search_pairs", "other", "C"),
        ("search_pairs", "word", "C"),
        ("search_prefixes", "prefix", "C"),
        ("search_vocabulary", "stem", "C"),
        ("search_vocabulary", "word", "C"),
        ("search_words", "stem", "C"),
        ("search_words", "word", "C"),
    ]


def _schema(engine: Engine) -> dict[str, object]:
    inspector = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
            sorted(i["name"] or "" for i in inspector.get_indexes(name)),
        )
        for name in sorted(inspector.get_table_names())
    }
