"""Read queries of the pages for people (tvdbd.pages) that the API has no use for: a fixed
number of queries per page, each an index scan or a small aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, select

from tvdbd.db.schema import (
    actors,
    api_keys,
    episode_translations,
    episodes,
    images,
    movies,
    series_sources,
    series_table,
    series_translations,
    source_checkpoints,
    user_favorites,
    user_ratings,
    users,
)


def series_episodes(conn: Connection, series_id: int, language: str) -> list[RowMapping]:
    """Every episode of a series with what a list of them shows: numbers in each order, air
    date, the name in ``language`` (``tr_name``) and the original one; one query."""
    tr = episode_translations
    query = (
        select(
            episodes.c.id,
            episodes.c.aired_season,
            episodes.c.aired_episode_number,
            episodes.c.dvd_season,
            episodes.c.dvd_episode_number,
            episodes.c.absolute_number,
            episodes.c.first_aired,
            episodes.c.episode_name,
            tr.c.episode_name.label("tr_name"),
        )
        .select_from(
            episodes.outerjoin(
                tr, and_(tr.c.episode_id == episodes.c.id, tr.c.language == language)
            )
        )
        .where(episodes.c.series_id == series_id)
        .order_by(episodes.c.aired_season, episodes.c.aired_episode_number, episodes.c.id)
    )
    return [row._mapping for row in conn.execute(query)]


def series_source(conn: Connection, series_id: int) -> RowMapping | None:
    """Where a series came from (a live source or a bundle that said so); None: an import."""
    row = conn.execute(select(series_sources).where(series_sources.c.series_id == series_id))
    found = row.first()
    return found._mapping if found else None


def series_names(conn: Connection, series_ids: Sequence[int], language: str) -> dict[int, str]:
    """Names in ``language``, falling back to the original name as /series/{id} does."""
    if not series_ids:
        return {}
    tr = series_translations
    rows = conn.execute(
        select(series_table.c.id, series_table.c.series_name, tr.c.series_name)
        .select_from(
            series_table.outerjoin(
                tr, and_(tr.c.series_id == series_table.c.id, tr.c.language == language)
            )
        )
        .where(series_table.c.id.in_(list(series_ids)))
    )
    return {int(i): translated or name for i, name, translated in rows}


def episode_labels(
    conn: Connection, episode_ids: Sequence[int], language: str
) -> dict[int, dict[str, Any]]:
    """Series id, numbers and name (in ``language``, else the original) of episodes."""
    if not episode_ids:
        return {}
    tr = episode_translations
    rows = conn.execute(
        select(
            episodes.c.id,
            episodes.c.series_id,
            episodes.c.aired_season,
            episodes.c.aired_episode_number,
            episodes.c.episode_name,
            tr.c.episode_name.label("tr_name"),
        )
        .select_from(
            episodes.outerjoin(
                tr, and_(tr.c.episode_id == episodes.c.id, tr.c.language == language)
            )
        )
        .where(episodes.c.id.in_(list(episode_ids)))
    )
    return {
        int(row.id): {
            "series_id": int(row.series_id),
            "season": row.aired_season,
            "number": row.aired_episode_number,
            "name": row.tr_name or row.episode_name,
        }
        for row in rows
    }


def recent_series(conn: Connection, limit: int) -> list[int]:
    """The series changed last (the `last_updated` index, read backwards)."""
    rows = conn.execute(
        select(series_table.c.id)
        .order_by(series_table.c.last_updated.desc(), series_table.c.id.desc())
        .limit(limit)
    )
    return [int(i) for (i,) in rows]


def catalogue_counts(conn: Connection) -> dict[str, int]:
    """How much the catalogue and the accounts hold (one count per table)."""
    tables = {
        "Series": series_table,
        "Episodes": episodes,
        "Actors": actors,
        "Images": images,
        "Movies": movies,
        "Users": users,
        "Favorites": user_favorites,
        "Ratings": user_ratings,
    }
    counts = {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in tables.items()
    }
    counts["API keys (active)"] = int(
        conn.execute(
            select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
        ).scalar_one()
    )
    return counts


def source_counts(conn: Connection) -> list[tuple[str, int, int]]:
    """(source, series stored from it, when one was fetched last) per live source."""
    rows = conn.execute(
        select(series_sources.c.source, func.count(), func.max(series_sources.c.fetched_at))
        .group_by(series_sources.c.source)
        .order_by(series_sources.c.source)
    )
    return [(str(s), int(n), int(f or 0)) for s, n, f in rows]


def checkpoints(conn: Connection) -> list[RowMapping]:
    """The followed feeds (`tvdbd sync`, `tvdbd mirror`): position and when it last moved."""
    rows = conn.execute(select(source_checkpoints).order_by(source_checkpoints.c.name))
    return [row._mapping for row in rows]


def own_rating(conn: Connection, user_id: int, item_type: str, item_id: int) -> int | None:
    """One person's rating of one item (the unique (user, type, item) index), or None."""
    found = conn.execute(
        select(user_ratings.c.rating).where(
            user_ratings.c.user_id == user_id,
            user_ratings.c.item_type == item_type,
            user_ratings.c.item_id == item_id,
        )
    ).scalar_one_or_none()
    return None if found is None else int(found)
