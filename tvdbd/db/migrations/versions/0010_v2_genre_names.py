"""v2 genre names for series stored from TVmaze and TheTVDB v4

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00

Before this revision TVmaze's genres were stored as TVmaze spells them (`Science-Fiction`,
`Sports`, `DIY`) and TheTVDB v4's `Science Fiction` was stored as `Science-Fiction`; the
mappings now give TheTVDB v2's names (tvdbd.sources.genres). This rewrites the genres of the
series stored from those two sources, so that they read as the next refresh would store them,
and moves their `lastUpdated` to the time of the upgrade (their records changed here, and
`/updated/query` tells clients so). Series from bundles an operator imported are theirs and
left alone. The renames are frozen here: a later change of the table needs its own revision.
Downgrading keeps the v2 names (they are what a refresh stores anyway).
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

RENAMES = {
    "tvmaze": {"Science-Fiction": "Science Fiction", "Sports": "Sport", "DIY": "Home and Garden"},
    "thetvdb-v4": {"Science-Fiction": "Science Fiction"},
}
BATCH_SERIES = 500


def upgrade() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    sources = sa.Table("series_sources", meta, autoload_with=conn)
    genres = sa.Table("series_genres", meta, autoload_with=conn)
    series = sa.Table("series", meta, autoload_with=conn)
    now = int(time.time())
    for source, renames in RENAMES.items():
        # Only series that hold a genre to rename: a handful of queries, whatever the size.
        ids = list(
            conn.execute(
                sa.select(genres.c.series_id)
                .distinct()
                .join(sources, sources.c.series_id == genres.c.series_id)
                .where(sources.c.source == source, genres.c.genre.in_(list(renames)))
                .order_by(genres.c.series_id)
            ).scalars()
        )
        for start in range(0, len(ids), BATCH_SERIES):
            _rename(conn, genres, series, ids[start : start + BATCH_SERIES], renames, now)


def _rename(
    conn: sa.Connection,
    genres: sa.Table,
    series: sa.Table,
    ids: list[int],
    renames: dict[str, str],
    now: int,
) -> None:
    lists: dict[int, list[str]] = {series_id: [] for series_id in ids}
    rows = conn.execute(
        sa.select(genres.c.series_id, genres.c.genre)
        .where(genres.c.series_id.in_(ids))
        .order_by(genres.c.series_id, genres.c.position)
    )
    for series_id, genre in rows:
        renamed = renames.get(genre, genre)
        if renamed not in lists[series_id]:  # `Sport` and `Sports` become one
            lists[series_id].append(renamed)
    conn.execute(sa.delete(genres).where(genres.c.series_id.in_(ids)))
    conn.execute(
        genres.insert(),
        [
            {"series_id": series_id, "position": position, "genre": genre}
            for series_id, names in lists.items()
            for position, genre in enumerate(names)
        ],
    )
    conn.execute(
        sa.update(series)
        .where(series.c.id.in_(ids), series.c.last_updated < now)
        .values(last_updated=now)
    )


def downgrade() -> None:
    pass
