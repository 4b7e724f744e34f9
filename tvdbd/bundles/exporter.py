"""Export the catalogue as series bundles, in series id order with keys in wire order, then
the movies (tvdbd.bundles.movies) in movie id order.

Derived keys (`season`, image `thumbnail` and `seriesLastUpdated`, episode and actor
`seriesId`) are written only when an import gave them, so ``export(import(x)) == x`` for
a bundle in this canonical form. Series are read in batches: memory stays flat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from tvdbd.bundles.files import open_for_writing
from tvdbd.bundles.movies import iter_movie_bundles
from tvdbd.bundles.users import iter_user_bundles
from tvdbd.db.schema import (
    actors,
    episode_translations,
    episodes,
    images,
    series_aliases,
    series_genres,
    series_sources,
    series_table,
    series_translations,
)
from tvdbd.edits.kept import edit_sections
from tvdbd.records import artwork, episode, series
from tvdbd.records import source as source_record
from tvdbd.records.fields import Field, export_value

BATCH_SERIES = 200


@dataclass
class ExportReport:
    series: int = 0
    movies: int = 0
    users: int = 0


def export_file(engine: Engine, path: str | Path, *, with_users: bool = False) -> ExportReport:
    """Write every series, then every movie, to ``path`` (`.gz` and `-` accepted).

    With ``with_users``, user lines (accounts, favorites, ratings) follow.
    """
    report = ExportReport()
    with open_for_writing(path) as out:
        for bundle in iter_bundles(engine):
            out.write(orjson.dumps(bundle) + b"\n")
            report.series += 1
        for movie_line in iter_movie_bundles(engine):
            out.write(orjson.dumps(movie_line) + b"\n")
            report.movies += 1
        if with_users:
            for user_line in iter_user_bundles(engine):
                out.write(orjson.dumps(user_line) + b"\n")
                report.users += 1
    return report


def iter_bundles(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every series as a bundle, in id order (ids may be negative or 0: any 64-bit int)."""
    after: int | None = None
    while True:
        with engine.connect() as conn:
            query = select(series_table.c.id).order_by(series_table.c.id).limit(BATCH_SERIES)
            if after is not None:
                query = query.where(series_table.c.id > after)
            ids = [int(i) for (i,) in conn.execute(query)]
            if not ids:
                return
            yield from _bundles(conn, ids)
        after = ids[-1]


def series_bundle(conn: Connection, series_id: int) -> dict[str, Any] | None:
    """One stored series as a bundle (without its `edits` section), or None."""
    found = list(_bundles(conn, [series_id], with_edits=False))
    return found[0] if found else None


def _by_series(conn: Connection, table: Any, ids: Sequence[int], *order: Any) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in conn.execute(select(table).where(table.c.series_id.in_(ids)).order_by(*order)):
        grouped[row.series_id].append(row._mapping)
    return grouped


def _record(fields: list[Field], row: Any) -> dict[str, Any]:
    record = {}
    for f in fields:
        value = row[f.column]
        if f.derived and value is None:
            continue
        record[f.wire] = export_value(f, value)
    return record


def _bundles(
    conn: Connection, ids: Sequence[int], *, with_edits: bool = True
) -> Iterator[dict[str, Any]]:
    rows = {
        r.id: r._mapping
        for r in conn.execute(select(series_table).where(series_table.c.id.in_(ids)))
    }
    if not rows:
        return
    edits = edit_sections(conn, ids) if with_edits else {}
    translations = _by_series(conn, series_translations, ids, series_translations.c.language)
    aliases = _by_series(
        conn, series_aliases, ids, series_aliases.c.language, series_aliases.c.position
    )
    genres = _by_series(conn, series_genres, ids, series_genres.c.position)
    episode_rows = _by_series(conn, episodes, ids, episodes.c.id)
    episode_names: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for tr in conn.execute(
        select(episode_translations)
        .where(episode_translations.c.series_id.in_(ids))
        .order_by(episode_translations.c.episode_id, episode_translations.c.language)
    ):
        episode_names[tr.episode_id][tr.language] = _record(episode.TRANSLATION_FIELDS, tr._mapping)
    actor_rows = _by_series(conn, actors, ids, actors.c.position)
    image_rows = _by_series(conn, images, ids, images.c.position)
    source_rows = _by_series(conn, series_sources, ids)

    for series_id in ids:
        row = rows[series_id]
        alias_lists: dict[str, list[str]] = defaultdict(list)
        for alias in aliases.get(series_id, []):
            alias_lists[alias["language"]].append(alias["alias"])
        bundle: dict[str, Any] = {
            "series": _series_record(row, alias_lists[""], [g["genre"] for g in genres[series_id]])
        }
        if translations.get(series_id):
            bundle["translations"] = {
                t["language"]: _translation_record(t, alias_lists[t["language"]])
                for t in translations[series_id]
            }
        if episode_rows.get(series_id):
            bundle["episodes"] = [
                _episode_record(e, episode_names.get(e["id"])) for e in episode_rows[series_id]
            ]
        if actor_rows.get(series_id):
            bundle["actors"] = [_record(artwork.ACTOR_FIELDS, a) for a in actor_rows[series_id]]
        if image_rows.get(series_id):
            bundle["images"] = [_record(artwork.IMAGE_FIELDS, i) for i in image_rows[series_id]]
        if source_rows.get(series_id):
            # Unset keys of a source are left out (null and missing mean the same there).
            record = _record(source_record.FIELDS, source_rows[series_id][0])
            bundle["source"] = {k: v for k, v in record.items() if v is not None}
        if series_id in edits:
            # Local edits: the locks and the history travel with the series (tvdbd.edits.kept).
            bundle["edits"] = edits[series_id]
        yield bundle


def _series_record(row: Any, aliases: list[str], genres: list[str]) -> dict[str, Any]:
    stored = _record(series.FIELDS, row)
    stored.update(aliases=aliases, genre=genres, language=row["original_language"])
    return {key: stored[key] for key in series.WIRE_ORDER_V3 if key in stored}


def _translation_record(row: Any, aliases: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {"seriesName": row["series_name"], "overview": row["overview"]}
    if row["has_aliases"]:
        record["aliases"] = aliases
    for key in series.TRANSLATION_ARTWORK:
        if row[key] is not None:
            record[key] = row[key]
    return record


def _episode_record(row: Any, names: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    record = _record(episode.FIELDS, row)
    if names:
        record["translations"] = names
    return record
