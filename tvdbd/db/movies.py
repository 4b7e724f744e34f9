"""Read queries for the movie routes (`/movies/{id}`, `/movieupdates`)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from tvdbd.db.catalogue import MAX_ID
from tvdbd.db.schema import movies


def get_movie_record(conn: Connection, movie_id: int) -> str | None:
    """The movie's record as served (JSON text), or None."""
    if not 0 <= movie_id <= MAX_ID:
        return None
    record = conn.execute(select(movies.c.record).where(movies.c.id == movie_id)).scalar()
    return str(record) if record is not None else None


def updated_since(conn: Connection, since: int) -> list[int]:
    """Ids of the movies whose `lastUpdated` is `since` or later, oldest change first."""
    rows = conn.execute(
        select(movies.c.id)
        .where(movies.c.last_updated >= since)
        .order_by(movies.c.last_updated, movies.c.id)
    )
    return [int(movie_id) for (movie_id,) in rows]
