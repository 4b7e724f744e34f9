"""Movie lines in bundles: ``{"movie": {...}, "lastUpdated": int}`` (see docs/bundle-format.md).

A movie is checked key by key (tvdbd.records.movie) and stored whole as the JSON text
served; export writes it back key for key, in movie id order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, insert, select

from tvdbd.db.schema import movies
from tvdbd.errors import BundleError
from tvdbd.records.movie import LINE_KEYS, check_movie

BATCH_MOVIES = 500


@dataclass
class MovieBundle:
    movie_id: int
    row: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def parse_movie(data: dict[str, Any], raw: bytes) -> MovieBundle:
    """A movie line as its storage row; BundleError names the movie id and the field."""
    warnings: list[str] = []
    record = check_movie(data.get("movie"), warnings)
    movie_id = record["id"]
    for key in data:
        if key not in LINE_KEYS:
            warnings.append(f"movie {movie_id}: unknown key {key} ignored")
    last_updated = data.get("lastUpdated", 0)
    if not isinstance(last_updated, int) or isinstance(last_updated, bool):
        raise BundleError(
            f"must be an integer (epoch seconds), got {last_updated!r}",
            field="lastUpdated",
            movie_id=movie_id,
        )
    if not -(2**63) <= last_updated < 2**63:
        raise BundleError("is outside the 64-bit range", field="lastUpdated", movie_id=movie_id)
    row = {
        "id": movie_id,
        "last_updated": last_updated,
        "record": orjson.dumps(record).decode(),
        "bundle_hash": hashlib.sha256(raw.strip()).hexdigest(),
    }
    return MovieBundle(movie_id, row, warnings)


def unchanged_movies(conn: Connection, bundles: Sequence[MovieBundle]) -> set[int]:
    """Ids of the movies whose stored line is the same as this one (nothing to do)."""
    ids = [b.movie_id for b in bundles]
    stored = dict(
        conn.execute(select(movies.c.id, movies.c.bundle_hash).where(movies.c.id.in_(ids))).all()
    )
    return {b.movie_id for b in bundles if stored.get(b.movie_id) == b.row["bundle_hash"]}


def store_movies(conn: Connection, bundles: Sequence[MovieBundle]) -> None:
    """Create or replace these movies (a later line for the same id wins)."""
    rows = {b.movie_id: b.row for b in bundles}
    if not rows:
        return
    conn.execute(delete(movies).where(movies.c.id.in_(list(rows))))
    conn.execute(insert(movies), list(rows.values()))


def iter_movie_bundles(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every movie as a movie line, in id order (read in batches: memory stays flat)."""
    after: int | None = None
    while True:
        with engine.connect() as conn:
            query = select(movies).order_by(movies.c.id).limit(BATCH_MOVIES)
            if after is not None:
                query = query.where(movies.c.id > after)
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield {"movie": orjson.loads(row.record), "lastUpdated": row.last_updated}
        after = rows[-1].id
