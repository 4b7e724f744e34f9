"""Read queries of the legacy XML API (tvdbd.v1): a fixed number of queries per answer.

The same tables the v2 routes read; only what v1 asks differently is here (a whole series
with every episode and its English fallbacks, the three episode orders, air dates, word
search, updates since a time, user keys as account ids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Float, and_, exists, func, select

from tvdbd.auth import hash_secret
from tvdbd.db.catalogue import MAX_ID
from tvdbd.db.schema import (
    episode_translations,
    episodes,
    search_names,
    search_words,
    series_aliases,
    series_table,
    series_translations,
    user_ratings,
    users,
)

Row = dict[str, Any]


def _rows(result: Any) -> list[Row]:
    return [dict(row._mapping) for row in result]


def series_translations_in(
    conn: Connection, series_ids: Sequence[int], languages: Sequence[str] | None
) -> dict[tuple[int, str], Row]:
    """Translations of these series in these languages (None: all), by (series id, language)."""
    if not series_ids:
        return {}
    query = select(series_translations).where(series_translations.c.series_id.in_(list(series_ids)))
    if languages is not None:
        query = query.where(series_translations.c.language.in_(list(languages)))
    rows = conn.execute(query)
    return {(row.series_id, row.language): dict(row._mapping) for row in rows}


def aliases_of(conn: Connection, series_ids: Sequence[int]) -> dict[tuple[int, str], list[str]]:
    """Every alias of these series by (series id, language); "" is the original record's."""
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    if not series_ids:
        return found
    rows = conn.execute(
        select(series_aliases.c.series_id, series_aliases.c.language, series_aliases.c.alias)
        .where(series_aliases.c.series_id.in_(list(series_ids)))
        .order_by(series_aliases.c.series_id, series_aliases.c.language, series_aliases.c.position)
    )
    for series_id, language, alias in rows:
        found[(int(series_id), language)].append(alias)
    return found


def series_rows(conn: Connection, series_ids: Sequence[int]) -> dict[int, Row]:
    if not series_ids:
        return {}
    rows = conn.execute(select(series_table).where(series_table.c.id.in_(list(series_ids))))
    return {int(row.id): dict(row._mapping) for row in rows}


# --- episodes -----------------------------------------------------------------------------


def series_episodes(conn: Connection, series_id: int) -> list[Row]:
    """Every episode of a series, in (season, episode number, id) order — the classic order
    of `all/<lang>.xml`, season 0 first (contract §4.2)."""
    rows = conn.execute(
        select(episodes)
        .where(episodes.c.series_id == series_id)
        .order_by(episodes.c.aired_season, episodes.c.aired_episode_number, episodes.c.id)
    )
    return _rows(rows)


def episode_translations_of(
    conn: Connection, *, series_id: int, languages: Sequence[str], episode_ids: Sequence[int] = ()
) -> dict[tuple[int, str], Row]:
    """Name and overview of a series' episodes (or only ``episode_ids``) in ``languages``."""
    tr = episode_translations
    query = select(tr.c.episode_id, tr.c.language, tr.c.episode_name, tr.c.overview).where(
        tr.c.series_id == series_id, tr.c.language.in_(list(languages))
    )
    if episode_ids:
        query = query.where(tr.c.episode_id.in_(list(episode_ids)))
    return {(int(row.episode_id), row.language): dict(row._mapping) for row in conn.execute(query)}


def episode_by_id(conn: Connection, episode_id: int) -> Row | None:
    if not 0 <= episode_id <= MAX_ID:
        return None
    row = conn.execute(select(episodes).where(episodes.c.id == episode_id)).first()
    return dict(row._mapping) if row else None


def _first(conn: Connection, query: Any) -> Row | None:
    row = conn.execute(query.limit(1)).first()
    return dict(row._mapping) if row else None


def episode_in_aired_order(
    conn: Connection, series_id: int, season: int, number: int
) -> Row | None:
    return _first(
        conn,
        select(episodes)
        .where(
            episodes.c.series_id == series_id,
            episodes.c.aired_season == season,
            episodes.c.aired_episode_number == number,
        )
        .order_by(episodes.c.id),
    )


def episode_in_dvd_order(conn: Connection, series_id: int, season: int, number: int) -> Row | None:
    """decided (§2): `{episode}` matches the integer part of DVD_episodenumber (2.0 -> 2; of
    1.1 and 1.2 the lowest) — clients pass integers."""
    dvd_number = func.cast(episodes.c.dvd_episode_number, Float())
    return _first(
        conn,
        select(episodes)
        .where(
            episodes.c.series_id == series_id,
            episodes.c.dvd_season == season,
            episodes.c.dvd_episode_number.is_not(None),
            dvd_number >= number,
            dvd_number < number + 1,
        )
        .order_by(dvd_number, episodes.c.id),
    )


def episode_in_absolute_order(conn: Connection, series_id: int, number: int) -> Row | None:
    return _first(
        conn,
        select(episodes)
        .where(episodes.c.series_id == series_id, episodes.c.absolute_number == number)
        .order_by(episodes.c.id),
    )


def episode_on_date(conn: Connection, series_id: int, date: str) -> Row | None:
    """decided (§4.4): one episode; when several aired that day, the first by (season,
    episode number) — pytvdbapi reads only the first."""
    return _first(
        conn,
        select(episodes)
        .where(episodes.c.series_id == series_id, episodes.c.first_aired == date)
        .order_by(episodes.c.aired_season, episodes.c.aired_episode_number, episodes.c.id),
    )


# --- remote ids and search ------------------------------------------------------------------


def series_by_remote_id(conn: Connection, column: str, candidates: Sequence[str]) -> int | None:
    """The lowest series id whose ``column`` (imdb_id, zap2it_id) is one of ``candidates``
    (spellings of one id: an indexed IN, not a case-folding scan)."""
    values = [c for c in dict.fromkeys(candidates) if c and "\x00" not in c]
    if not values:
        return None
    found = conn.execute(
        select(func.min(series_table.c.id)).where(series_table.c[column].in_(values))
    ).scalar()
    return int(found) if found is not None else None


def search_candidates(
    conn: Connection, query_words: Sequence[str], *, offset: int, limit: int
) -> list[int]:
    """Series having every query word as a whole word of one of their names or aliases (in
    any language; the caller checks the languages it serves), best first: an exact name
    first, then by siteRatingCount descending, then by id (decided, §4.5)."""
    distinct = list(dict.fromkeys(query_words))
    if not distinct:
        return []
    s = series_table.c
    conditions = [
        s.id.in_(select(search_words.c.series_id).where(search_words.c.word == word))
        for word in distinct
    ]
    exact = exists().where(
        and_(search_names.c.series_id == s.id, search_names.c.name == " ".join(query_words))
    )
    rows = conn.execute(
        select(s.id)
        .where(*conditions)
        .order_by(exact.desc(), s.site_rating_count.desc(), s.id)
        .offset(offset)
        .limit(limit)
    )
    return [int(i) for (i,) in rows]


# --- updates --------------------------------------------------------------------------------


def series_changed_since(conn: Connection, since: int) -> list[tuple[int, int]]:
    """(id, lastUpdated) of every series changed at or after ``since``, ids ascending."""
    rows = conn.execute(
        select(series_table.c.id, series_table.c.last_updated)
        .where(series_table.c.last_updated >= since)
        .order_by(series_table.c.id)
    )
    return [(int(i), int(t)) for i, t in rows]


def episodes_changed_since(conn: Connection, since: int) -> list[tuple[int, int, int]]:
    """(id, series id, lastUpdated) of every episode changed at or after ``since``.

    Read through the series changed since then (their `lastUpdated` index): a series is
    replaced whole on import, so a changed episode always belongs to a changed series,
    and this never scans the whole episodes table.
    """
    changed = select(series_table.c.id).where(series_table.c.last_updated >= since)
    rows = conn.execute(
        select(episodes.c.id, episodes.c.series_id, episodes.c.last_updated)
        .where(episodes.c.series_id.in_(changed), episodes.c.last_updated >= since)
        .order_by(episodes.c.id)
    )
    return [(int(i), int(s), int(t)) for i, s, t in rows]


# --- users ----------------------------------------------------------------------------------


def user_by_account_id(conn: Connection, account_id: str) -> Row | None:
    """The account whose user key ("Account Identifier") is ``account_id``: matched by its
    sha256, as stored (tvdbd.db.users); the key itself is never stored."""
    if not account_id or "\x00" in account_id:
        return None
    row = conn.execute(
        select(users).where(users.c.userkey_hash == hash_secret(account_id)).order_by(users.c.id)
    ).first()
    return dict(row._mapping) if row else None


def user_series_ratings(
    conn: Connection, user_id: int, series_id: int | None = None
) -> list[tuple[int, int]]:
    """(series id, rating) of the series this user rated, in the order rated."""
    r = user_ratings.c
    query = select(r.item_id, r.rating).where(r.user_id == user_id, r.item_type == "series")
    if series_id is not None:
        query = query.where(r.item_id == series_id)
    return [(int(i), int(v)) for i, v in conn.execute(query.order_by(r.id))]
