"""Search candidates: series having, for every query word, a word or stem with that prefix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, intersect, or_, select

from tvdbd.db.schema import search_words, series_aliases, series_table, series_translations
from tvdbd.search import stem

# Sorts after every character a word can hold, so [prefix, prefix + HIGH) is a prefix range.
HIGH = "\U0010ffff"


def candidate_ids(conn: Connection, query_words: Sequence[str]) -> list[int]:
    w = search_words.c
    selects = [
        select(w.series_id).where(
            or_(
                (w.word >= q) & (w.word < q + HIGH),
                (w.stem >= stem(q)) & (w.stem < stem(q) + HIGH),
            )
        )
        for q in query_words
    ]
    query = selects[0].distinct() if len(selects) == 1 else intersect(*selects)
    return [int(i) for (i,) in conn.execute(query)]


def names_of(conn: Connection, series_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every name and alias of each series, in every language."""
    names: dict[int, list[str]] = defaultdict(list)
    for series_id, name in conn.execute(
        select(series_table.c.id, series_table.c.series_name).where(
            series_table.c.id.in_(series_ids)
        )
    ):
        names[series_id].append(name)
    for series_id, name in conn.execute(
        select(series_translations.c.series_id, series_translations.c.series_name).where(
            series_translations.c.series_id.in_(series_ids),
            series_translations.c.series_name.is_not(None),
        )
    ):
        names[series_id].append(name)
    for series_id, alias in conn.execute(
        select(series_aliases.c.series_id, series_aliases.c.alias).where(
            series_aliases.c.series_id.in_(series_ids)
        )
    ):
        names[series_id].append(alias)
    return names
