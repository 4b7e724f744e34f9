"""Read queries for the catalogue routes: a fixed number of queries per response."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Float, RowMapping, and_, bindparam, func, select, text

from tvdbd.db.prepared import Prepared, utf8_bytes
from tvdbd.db.schema import (
    actors,
    episode_pages,
    episode_translations,
    episodes,
    images,
    languages,
    series_aliases,
    series_genres,
    series_rating_changes,
    series_table,
    series_translations,
)
from tvdbd.records import episode
from tvdbd.records.render import untranslated_json

Row = RowMapping
MAX_ID = 2**63 - 1  # ids are BIGINT


def parse_id(raw: str) -> int | None:
    """A path id as stored (leading zeros allowed), or None if no stored id can be it."""
    if not raw.isascii() or not raw.isdigit():
        return None
    # int() refuses more than 4300 digits, leading zeros included.
    digits = raw.lstrip("0") or "0"
    if len(digits) > 19:
        return None
    value = int(digits)
    return value if value <= MAX_ID else None


def _storable(value: Any) -> bool:
    """Whether a value from a request could equal a stored one.

    PostgreSQL rejects text holding NUL (a 500 for `?imdbId=%00`); no stored text holds it.
    """
    return not (isinstance(value, str) and "\x00" in value)


def get_series(conn: Connection, series_id: int) -> dict[str, Any] | None:
    """The series' row by column name (a prepared read, see _SERIES_ROW), or None."""
    if not 0 <= series_id <= MAX_ID:
        return None
    found = _SERIES_ROW.dicts(conn, series_id=series_id)
    return found[0] if found else None


_SERIES_HEADER = Prepared(
    select(series_table.c.original_language, series_table.c.episode_count).where(
        series_table.c.id == bindparam("series_id")
    )
)


def series_header(conn: Connection, series_id: int) -> tuple[str, int] | None:
    """(original language, episode count) of a series, or None: all an episode list needs."""
    if not 0 <= series_id <= MAX_ID:
        return None
    rows = _SERIES_HEADER.rows(conn, series_id=series_id)
    return (rows[0][0], int(rows[0][1])) if rows else None


def get_series_many(conn: Connection, series_ids: Sequence[int]) -> dict[int, Row]:
    if not series_ids:
        return {}
    rows = conn.execute(select(series_table).where(series_table.c.id.in_(series_ids)))
    return {row.id: row._mapping for row in rows}


def series_modified_at(conn: Connection, series_id: int) -> int | None:
    """When what the series' routes serve last changed: its `lastUpdated`, or later when
    users' ratings changed its site ratings (ratings leave `lastUpdated` alone). None if the
    series does not exist."""
    row = conn.execute(
        select(series_table.c.last_updated, series_rating_changes.c.changed_at)
        .select_from(
            series_table.outerjoin(
                series_rating_changes, series_rating_changes.c.series_id == series_table.c.id
            )
        )
        .where(series_table.c.id == series_id)
    ).first()
    if row is None:
        return None
    return max(int(row.last_updated or 0), int(row.changed_at or 0))


def get_translation(conn: Connection, series_id: int, language: str) -> Row | None:
    row = conn.execute(
        select(series_translations).where(
            series_translations.c.series_id == series_id,
            series_translations.c.language == language,
        )
    ).first()
    return row._mapping if row else None


def get_translations_many(
    conn: Connection, series_ids: Sequence[int], language: str
) -> dict[int, Row]:
    if not series_ids:
        return {}
    rows = conn.execute(
        select(series_translations).where(
            series_translations.c.series_id.in_(series_ids),
            series_translations.c.language == language,
        )
    )
    return {row.series_id: row._mapping for row in rows}


def get_aliases(
    conn: Connection, series_ids: Sequence[int], languages_: Iterable[str] = ("",)
) -> dict[tuple[int, str], list[str]]:
    """Aliases by (series id, language); language "" is the original-language record."""
    result: dict[tuple[int, str], list[str]] = defaultdict(list)
    if not series_ids:
        return result
    rows = conn.execute(
        select(series_aliases.c.series_id, series_aliases.c.language, series_aliases.c.alias)
        .where(
            series_aliases.c.series_id.in_(series_ids),
            series_aliases.c.language.in_(list(languages_)),
        )
        .order_by(series_aliases.c.series_id, series_aliases.c.language, series_aliases.c.position)
    )
    for series_id, language, alias in rows:
        result[(series_id, language)].append(alias)
    return result


def get_genres(conn: Connection, series_id: int) -> list[str]:
    rows = conn.execute(
        select(series_genres.c.genre)
        .where(series_genres.c.series_id == series_id)
        .order_by(series_genres.c.position)
    )
    return [genre for (genre,) in rows]


# --- one series, for /series/{id} and /filter ---------------------------------------------------
#
# Prepared statements (tvdbd.db.prepared) like the episode pages: with the response cache off,
# SQLAlchemy's per-execute work for the four reads cost more than the reads themselves.

_SERIES_ROW = Prepared(select(series_table).where(series_table.c.id == bindparam("series_id")))
_TRANSLATION_ROW = Prepared(
    select(series_translations).where(
        series_translations.c.series_id == bindparam("series_id"),
        series_translations.c.language == bindparam("language"),
    )
)
_ALIASES = Prepared(
    select(series_aliases.c.language, series_aliases.c.alias)
    .where(
        series_aliases.c.series_id == bindparam("series_id"),
        (series_aliases.c.language == "") | (series_aliases.c.language == bindparam("language")),
    )
    .order_by(series_aliases.c.language, series_aliases.c.position)
)
_GENRES = Prepared(
    select(series_genres.c.genre)
    .where(series_genres.c.series_id == bindparam("series_id"))
    .order_by(series_genres.c.position)
)


def series_view(
    conn: Connection, series_id: int, language: str
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, list[str]], list[str]] | None:
    """What GET /series/{id} in `language` serves: the row, the translation (None in the
    original language or when there is none), aliases by language ("" the original's) and
    genres; None when there is no such series."""
    row = get_series(conn, series_id)
    if row is None:
        return None
    translation = None
    if language != row["original_language"]:
        found = _TRANSLATION_ROW.dicts(conn, series_id=series_id, language=language)
        translation = found[0] if found else None
    aliases: dict[str, list[str]] = {"": [], language: []}
    for alias_language, alias in _ALIASES.rows(conn, series_id=series_id, language=language):
        aliases.setdefault(alias_language, []).append(alias)
    genres = [genre for (genre,) in _GENRES.rows(conn, series_id=series_id)]
    return row, translation, aliases, genres


# --- episodes ---------------------------------------------------------------------------------
#
# A 3.0.0 episode list is served from the records stored at import (episodes.wire_v3 and
# episode_translations.wire_v3, see render.stored_episode_json): one query gives each episode's
# id and stored JSON in the requested language, and only the episodes without one (no
# translation in that language, imported before migration 0004) or with users' ratings are
# rendered from their full rows. The v2.2 shape is always rendered.

# What episode_record reads: every stored field, and series_id for get_episode.
_EPISODE_COLUMNS = [episodes.c.series_id, *(episodes.c[f.column] for f in episode.FIELDS)]


def _episode_select(language: str) -> Any:
    tr = episode_translations
    return select(
        *_EPISODE_COLUMNS,
        tr.c.episode_name.label("tr_episode_name"),
        tr.c.overview.label("tr_overview"),
    ).select_from(
        episodes.outerjoin(tr, and_(tr.c.episode_id == episodes.c.id, tr.c.language == language))
    )


EpisodeFilter = tuple[str, Any]


def _filter_clauses(filters: Sequence[EpisodeFilter]) -> list[Any]:
    clauses = []
    for column, value in filters:
        if column == "dvd_episode_number":
            # Stored as the JSON literal (4 or 4.1); compare as a number.
            clauses.append(
                and_(
                    episodes.c.dvd_episode_number.is_not(None),
                    func.cast(episodes.c.dvd_episode_number, Float()) == value,
                )
            )
        else:
            clauses.append(episodes.c[column] == value)
    return clauses


def _filtered(query: Any, columns: Sequence[str]) -> Any:
    """``query`` restricted to a series and to ``columns`` equal to parameters f0, f1..."""
    query = query.where(episodes.c.series_id == bindparam("series_id"))
    placeholders: list[EpisodeFilter] = [(c, bindparam(f"f{i}")) for i, c in enumerate(columns)]
    for clause in _filter_clauses(placeholders):
        query = query.where(clause)
    return query


def _filter_params(filters: Sequence[EpisodeFilter]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Filters in a fixed column order (one statement per set of columns), and their values."""
    ordered = sorted(filters)
    return tuple(c for c, _ in ordered), {f"f{i}": v for i, (_, v) in enumerate(ordered)}


# One statement per (kind, filtered columns), built on first use: at most 2 x 2**7 of each.


@cache
def _count_statement(columns: tuple[str, ...]) -> Prepared:
    return Prepared(_filtered(select(func.count()).select_from(episodes), columns))


def count_episodes(conn: Connection, series_id: int, filters: Sequence[EpisodeFilter]) -> int:
    if not all(_storable(value) for _, value in filters):
        return 0
    columns, params = _filter_params(filters)
    return int(_count_statement(columns).rows(conn, series_id=series_id, **params)[0][0])


def episode_page(
    conn: Connection,
    series_id: int,
    language: str,
    filters: Sequence[EpisodeFilter],
    *,
    offset: int,
    limit: int,
) -> list[Row]:
    """Full rows of a page, for rendering (the v2.2 shape)."""
    if not all(_storable(value) for _, value in filters):
        return []
    query = _episode_select(language).where(episodes.c.series_id == series_id)
    for clause in _filter_clauses(filters):
        query = query.where(clause)
    query = query.order_by(episodes.c.id).offset(offset).limit(limit)
    return [row._mapping for row in conn.execute(query)]


# An episode of a page: (id, its stored 3.0.0 JSON text in the requested language or None to
# render it from the full row, whether its episodeName in that language is null). Plain
# tuples as the driver returns them: making 100 objects per page cost a fifth of the query.
StoredEpisode = tuple[int, str | None, Any]


@cache
def _stored_page_statement(translated: bool, columns: tuple[str, ...]) -> Prepared:
    page = select(episodes.c.id, episodes.c.wire_v3, episodes.c.episode_name)
    page = _filtered(page, columns).order_by(episodes.c.id)
    page = page.limit(bindparam("limit")).offset(bindparam("offset"))
    if translated:
        # The page is cut first, then joined: joined before, the translation lookup ran
        # for every skipped row too (page 20 of a long series: 2,000 lookups, ~0.5 ms).
        cut = page.subquery("page")
        tr = episode_translations
        joined = and_(tr.c.episode_id == cut.c.id, tr.c.language == bindparam("language"))
        query = (
            select(cut.c.id, tr.c.wire_v3, tr.c.episode_name.is_(None), cut.c.wire_v3)
            .select_from(cut.outerjoin(tr, joined))
            .order_by(cut.c.id)
        )
    else:
        query = page.with_only_columns(
            episodes.c.id, episodes.c.wire_v3, episodes.c.episode_name.is_(None)
        )
    return Prepared(query)


_STORED_PAGE = Prepared(
    select(
        episode_pages.c.first_id,
        episode_pages.c.last_id,
        episode_pages.c.name_missing,
        utf8_bytes(episode_pages.c.records),
    ).where(
        episode_pages.c.series_id == bindparam("series_id"),
        episode_pages.c.language == bindparam("language"),
        episode_pages.c.page == bindparam("page"),
    ),
    binary=True,
)


def stored_page(
    conn: Connection, series_id: int, language: str, page: int
) -> tuple[int, int, bool, bytes] | None:
    """A whole stored page (tvdbd.records.pages): first and last episode id, whether an
    episode name is missing, the `data` array as UTF-8 JSON; None when not stored."""
    rows = _STORED_PAGE.rows(conn, series_id=series_id, language=language, page=page)
    if not rows:
        return None
    first, last, missing, records = rows[0]
    return int(first), int(last), bool(missing), bytes(records)


def stored_episode_page(
    conn: Connection,
    series_id: int,
    language: str,
    filters: Sequence[EpisodeFilter],
    *,
    original_language: str,
    offset: int,
    limit: int,
) -> list[StoredEpisode]:
    """A page of episodes as stored records, in id order: one query, no rendering."""
    if not all(_storable(value) for _, value in filters):
        return []
    columns, params = _filter_params(filters)
    translated = language != original_language
    rows = _stored_page_statement(translated, columns).rows(
        conn, series_id=series_id, language=language, offset=offset, limit=limit, **params
    )
    if not translated:
        return rows
    # Without a translation in the language, the original record with name and overview null.
    return [
        (episode_id, untranslated_json(original, language), True)
        if record is None and original is not None
        else (episode_id, record, missing)
        for episode_id, record, missing, original in rows
    ]


def episodes_by_id(conn: Connection, episode_ids: Sequence[int], language: str) -> list[Row]:
    """Full rows of these episodes in ``language``, for rendering."""
    query = _episode_select(language).where(episodes.c.id.in_(episode_ids))
    return [row._mapping for row in conn.execute(query)]


def get_episode(conn: Connection, episode_id: int, language: str) -> Row | None:
    if not 0 <= episode_id <= MAX_ID:
        return None
    row = conn.execute(_episode_select(language).where(episodes.c.id == episode_id)).first()
    return row._mapping if row else None


_STORED_EPISODE = Prepared(
    select(
        episodes.c.series_id,
        series_table.c.original_language,
        episodes.c.wire_v3,
        episodes.c.episode_name.is_(None),
        episode_translations.c.wire_v3,
        episode_translations.c.episode_name.is_(None),
    )
    .select_from(
        episodes.join(series_table, series_table.c.id == episodes.c.series_id).outerjoin(
            episode_translations,
            and_(
                episode_translations.c.episode_id == episodes.c.id,
                episode_translations.c.language == bindparam("language"),
            ),
        )
    )
    .where(episodes.c.id == bindparam("episode_id"))
)


def stored_episode(
    conn: Connection, episode_id: int, language: str
) -> tuple[int, str, str | None, bool] | None:
    """(series id, its original language, the stored record in ``language`` or None, whether
    the episode has no name in ``language``) of an episode; None if there is no such episode."""
    if not 0 <= episode_id <= MAX_ID:
        return None
    rows = _STORED_EPISODE.rows(conn, episode_id=episode_id, language=language)
    if not rows:
        return None
    series_id, original_language, record, missing, tr_record, tr_missing = rows[0]
    if language != original_language:
        if tr_record is None and record is not None:
            tr_record = untranslated_json(record, language)
        record, missing = tr_record, tr_missing
    return int(series_id), original_language, record, bool(missing)


# --- the other reads of the v2 routes ------------------------------------------------------
#
# Prepared too: through SQLAlchemy's execute, building and running these small statements
# cost 100-200 µs each with the response cache off (/series/{id}/images answered 74 bytes in
# 470 µs), several times the queries themselves.

_AIRED_SEASONS = Prepared(
    select(episodes.c.aired_season)
    .where(episodes.c.series_id == bindparam("series_id"))
    .group_by(episodes.c.aired_season)
    .order_by(episodes.c.aired_season)
)
_DVD_SEASONS = Prepared(
    select(episodes.c.dvd_season, func.count())
    .where(episodes.c.series_id == bindparam("series_id"), episodes.c.dvd_season.is_not(None))
    .group_by(episodes.c.dvd_season)
    .order_by(episodes.c.dvd_season)
)
_EPISODE_COUNT = Prepared(
    select(func.count()).select_from(episodes).where(episodes.c.series_id == bindparam("series_id"))
)


def episode_summary(conn: Connection, series_id: int) -> dict[str, Any]:
    """Distinct aired and DVD seasons and the episode counts behind them."""
    aired = [season for (season,) in _AIRED_SEASONS.rows(conn, series_id=series_id)]
    dvd_rows = _DVD_SEASONS.rows(conn, series_id=series_id)
    [(total,)] = _EPISODE_COUNT.rows(conn, series_id=series_id)
    return {
        "aired_seasons": aired,
        "aired_episodes": int(total),
        "dvd_seasons": [season for season, _ in dvd_rows],
        "dvd_episodes": sum(int(count) for _, count in dvd_rows),
    }


_ACTORS = Prepared(
    select(actors).where(actors.c.series_id == bindparam("series_id")).order_by(actors.c.position)
)


def get_actors(conn: Connection, series_id: int) -> list[dict[str, Any]]:
    return _ACTORS.dicts(conn, series_id=series_id)


@cache
def _images_statement(columns: tuple[str, ...]) -> Prepared:
    """Images of a series with these columns equal to the `f_<column>` parameters."""
    query = select(images).where(images.c.series_id == bindparam("series_id"))
    for column in columns:
        query = query.where(images.c[column] == bindparam(f"f_{column}"))
    return Prepared(query.order_by(images.c.position))


def get_images(
    conn: Connection, series_id: int, filters: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Images of a series in their order; ``filters``: column name -> value they must have."""
    filters = filters or {}
    if not all(_storable(value) for value in filters.values()):
        return []
    statement = _images_statement(tuple(sorted(filters)))
    params = {f"f_{column}": value for column, value in filters.items()}
    return statement.dicts(conn, series_id=series_id, **params)


_IMAGE_KEYS = Prepared(
    select(images.c.key_type, images.c.resolution, images.c.sub_key)
    .where(images.c.series_id == bindparam("series_id"))
    .order_by(images.c.position)
)


def image_keys(conn: Connection, series_id: int) -> list[tuple[Any, ...]]:
    """(key type, resolution, sub key) of each image of a series, in the images' order."""
    return _IMAGE_KEYS.rows(conn, series_id=series_id)


_IMAGE_COUNTS = Prepared(
    select(images.c.key_type, func.count())
    .where(images.c.series_id == bindparam("series_id"))
    .group_by(images.c.key_type)
)


def image_counts(conn: Connection, series_id: int) -> dict[str, int]:
    rows = _IMAGE_COUNTS.rows(conn, series_id=series_id)
    return {key_type: int(count) for key_type, count in rows}


_UPDATED_BETWEEN = Prepared(
    select(series_table.c.id, series_table.c.last_updated)
    .where(
        series_table.c.last_updated >= bindparam("from_time"),
        series_table.c.last_updated <= bindparam("to_time"),
    )
    .order_by(series_table.c.last_updated, series_table.c.id)
)


def updated_between(conn: Connection, from_time: int, to_time: int) -> list[tuple[int, int]]:
    rows = _UPDATED_BETWEEN.rows(conn, from_time=from_time, to_time=to_time)
    return [(int(i), int(t)) for i, t in rows]


@cache
def _series_ids_by(column: str) -> Prepared:
    return Prepared(
        select(series_table.c.id)
        .where(series_table.c[column] == bindparam("value"))
        .order_by(series_table.c.id)
    )


def find_series_ids(conn: Connection, column: str, value: str) -> list[int]:
    if not _storable(value):
        return []
    return [int(i) for (i,) in _series_ids_by(column).rows(conn, value=value)]


_LANGUAGES = Prepared(select(languages).order_by(languages.c.position))
_LANGUAGE = Prepared(
    select(languages)
    .where(languages.c.id == bindparam("language_id"))
    .order_by(languages.c.position)
    .limit(1)
)


def all_languages(conn: Connection) -> list[dict[str, Any]]:
    return _LANGUAGES.dicts(conn)


def get_language(conn: Connection, language_id: int) -> dict[str, Any] | None:
    found = _LANGUAGE.dicts(conn, language_id=language_id)
    return found[0] if found else None


def ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1"))
