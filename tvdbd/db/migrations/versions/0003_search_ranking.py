"""search ranking: match position and name length per indexed word

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:00:00

Replaces `search_words(series_id, word, stem)` with the ranked search index that tvdbd.search
describes (search_names, search_words, search_pairs, search_prefixes, search_vocabulary) and
builds it for the series already stored, a batch of series at a time (memory stays flat),
because an unchanged bundle imported again is skipped and would never get it otherwise.
Downgrade restores 0002's table and rebuilds its rows the same way.

The rows come from today's tvdbd.search; should a later revision change them, it rebuilds
the index itself (this one then builds rows the later revision replaces).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from tvdbd.search import SeriesIndex, index_rows, joined_words, stem, words

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH_SERIES = 500


def _key_text() -> sa.Text:
    """Text for range-scanned columns: code-point order on PostgreSQL (see 0001)."""
    return sa.Text(collation="C") if op.get_bind().dialect.name == "postgresql" else sa.Text()


def _series_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["series_id"], ["series.id"], name=op.f(f"fk_{table}_series_id_series"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.drop_table("search_words")
    key = _key_text
    op.create_table(
        "search_names",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("name_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("stems", sa.Text(), nullable=False),
        _series_fk("search_names"),
        sa.PrimaryKeyConstraint("series_id", "name_no", name=op.f("pk_search_names")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_words",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("name_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("word", key(), nullable=False),
        sa.Column("stem", key(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_length", sa.Integer(), nullable=False),
        _series_fk("search_words"),
        sa.PrimaryKeyConstraint("series_id", "name_no", "word", name=op.f("pk_search_words")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_pairs",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("name_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("word", key(), nullable=False),
        sa.Column("other", key(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_length", sa.Integer(), nullable=False),
        _series_fk("search_pairs"),
        sa.PrimaryKeyConstraint(
            "series_id", "name_no", "word", "other", name=op.f("pk_search_pairs")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_prefixes",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("prefix", key(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_length", sa.Integer(), nullable=False),
        _series_fk("search_prefixes"),
        sa.PrimaryKeyConstraint("series_id", "prefix", name=op.f("pk_search_prefixes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_vocabulary",
        sa.Column("word", key(), nullable=False),
        sa.Column("stem", key(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_vocabulary")),
        sqlite_with_rowid=False,
    )
    _rank_index("search_words", "word", "position", "name_length", "series_id", "name_no")
    op.create_index(op.f("ix_search_words_stem"), "search_words", ["stem"])
    _rank_index("search_pairs", "word", "other", "position", "name_length", "series_id", "name_no")
    _rank_index("search_prefixes", "prefix", "position", "name_length", "series_id")
    op.create_index(op.f("ix_search_vocabulary_stem"), "search_vocabulary", ["stem"])
    _rebuild(_insert_ranked)


def _rank_index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_rank"), table, list(columns))


def downgrade() -> None:
    for table in (
        "search_vocabulary",
        "search_prefixes",
        "search_pairs",
        "search_words",
        "search_names",
    ):
        op.drop_table(table)
    op.create_table(
        "search_words",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("word", _key_text(), nullable=False),
        sa.Column("stem", _key_text(), nullable=False),
        _series_fk("search_words"),
    )
    for column in ("series_id", "stem", "word"):
        op.create_index(op.f(f"ix_search_words_{column}"), "search_words", [column])
    _rebuild(_insert_0002)


# --- rebuilding from the stored names -----------------------------------------------------

_series = sa.table("series", sa.column("id", sa.BigInteger), sa.column("series_name", sa.Text))
_translations = sa.table(
    "series_translations",
    sa.column("series_id", sa.BigInteger),
    sa.column("language", sa.Text),
    sa.column("series_name", sa.Text),
)
_aliases = sa.table(
    "series_aliases",
    sa.column("series_id", sa.BigInteger),
    sa.column("language", sa.Text),
    sa.column("position", sa.Integer),
    sa.column("alias", sa.Text),
)


def _rebuild(insert: Callable[[sa.Connection, dict[int, list[str]]], None]) -> None:
    conn = op.get_bind()
    for names in _names_in_batches(conn):
        insert(conn, names)


def _names_in_batches(conn: sa.Connection) -> Iterator[dict[int, list[str]]]:
    """Every series' names (name, translated names, aliases), BATCH_SERIES series at a time."""
    last: int | None = None
    while True:
        query = sa.select(_series.c.id, _series.c.series_name).order_by(_series.c.id)
        if last is not None:
            query = query.where(_series.c.id > last)
        batch = conn.execute(query.limit(BATCH_SERIES)).all()
        if not batch:
            return
        names: dict[int, list[str]] = defaultdict(list)
        for series_id, name in batch:
            names[series_id].extend([name] if name else [])
        first, last = batch[0][0], batch[-1][0]
        for series_id, name in conn.execute(
            sa.select(_translations.c.series_id, _translations.c.series_name)
            .where(_translations.c.series_id.between(first, last))
            .where(_translations.c.series_name.is_not(None))
            .order_by(_translations.c.series_id, _translations.c.language)
        ):
            names[series_id].append(name)
        for series_id, alias in conn.execute(
            sa.select(_aliases.c.series_id, _aliases.c.alias)
            .where(_aliases.c.series_id.between(first, last))
            .order_by(_aliases.c.series_id, _aliases.c.language, _aliases.c.position)
        ):
            names[series_id].append(alias)
        yield names


def _insert_ranked(conn: sa.Connection, names: dict[int, list[str]]) -> None:
    tables = {
        "search_names": ("name_no", "name", "stems"),
        "search_words": ("name_no", "word", "stem", "position", "name_length"),
        "search_pairs": ("name_no", "word", "other", "position", "name_length"),
        "search_prefixes": ("prefix", "position", "name_length"),
    }
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    vocabulary: set[tuple[str, str]] = set()
    for series_id, series_names in names.items():
        index: SeriesIndex = index_rows(series_names)
        for table, values in (
            ("search_names", index.names),
            ("search_words", index.words),
            ("search_pairs", index.pairs),
            ("search_prefixes", index.prefixes),
        ):
            columns = tables[table]
            rows[table].extend(
                {"series_id": series_id, **dict(zip(columns, value, strict=True))}
                for value in values
            )
        vocabulary |= index.vocabulary
    for table, columns in tables.items():
        if rows[table]:
            target = sa.table(table, *(sa.column(c) for c in ("series_id", *columns)))
            conn.execute(sa.insert(target), rows[table])
    if vocabulary:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        target = sa.table("search_vocabulary", sa.column("word"), sa.column("stem"))
        conn.execute(
            dialect.insert(target).on_conflict_do_nothing(),
            [{"word": word, "stem": word_stem} for word, word_stem in sorted(vocabulary)],
        )


def _insert_0002(conn: sa.Connection, names: dict[int, list[str]]) -> None:
    """0002's rows: the distinct (word, stem) pairs of both readings of every name."""
    target = sa.table("search_words", sa.column("series_id"), sa.column("word"), sa.column("stem"))
    rows = [
        {"series_id": series_id, "word": word, "stem": stem(word)}
        for series_id, series_names in names.items()
        for word in sorted(
            {w for name in series_names for w in (*words(name), *joined_words(name))}
        )
    ]
    if rows:
        conn.execute(sa.insert(target), rows)
