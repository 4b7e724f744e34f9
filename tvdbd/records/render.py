"""Build wire records from stored rows: one function per record type, in wire key order.

Rows come from tvdbd.db.catalogue; ``shape`` is "3.0.0" (default) or "2.2.0" (Accept v2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from tvdbd.records import artwork, episode, series
from tvdbd.records.fields import Field

V3 = "3.0.0"
V2 = "2.2.0"

# Stored rows as the database layer returns them (SQLAlchemy RowMapping or plain dicts).
Row = Mapping[Any, Any]

# (wire key, column, stored as JSON text) per field, worked out once: rendering a page of
# 100 episodes reads 3,400 values, so the per-value work is kept to a dict lookup.
Plan = list[tuple[str, str, bool]]


def _plan(fields: list[Field]) -> Plan:
    return [(f.wire, f.column, f.stored_as_json) for f in fields]


_SERIES_FIELDS = _plan(series.FIELDS)
_EPISODE_FIELDS = _plan(episode.FIELDS)
_ACTOR_FIELDS = _plan(artwork.ACTOR_FIELDS)
_IMAGE_FIELDS = _plan(artwork.IMAGE_FIELDS)
_Fragment = orjson.Fragment

# Users' (count, sum) of ratings for one item; see tvdbd.db.users.rating_totals.
UserRatings = tuple[int, int]


def combined_rating(
    stored_rating: str | None, stored_count: int | None, user_ratings: UserRatings
) -> tuple[Any, int]:
    """The imported average and count combined with users' ratings.

    The imported figures stand for ``stored_count`` ratings averaging ``stored_rating``; the
    result is rounded to one decimal and written as an int when whole, as the real API did.
    """
    imported = float(orjson.loads(stored_rating)) if stored_rating else 0.0
    imported_count = stored_count or 0
    count, total = user_ratings
    all_count = imported_count + count
    average = round((imported * imported_count + total) / all_count, 1) if all_count else 0
    return (int(average) if float(average).is_integer() else average), all_count


def _wire_values(plan: Plan, row: Row) -> dict[str, Any]:
    """Stored values as served; JSON text columns pass through as-is (see fields.wire_value)."""
    values: dict[str, Any] = {}
    for wire, column, is_json in plan:
        value = row[column]
        values[wire] = _Fragment(value) if is_json and value is not None else value
    return values


def series_record(
    row: Row,
    *,
    language: str,
    translation: Row | None,
    aliases: Sequence[str],
    genres: Sequence[str],
    shape: str = V3,
    user_ratings: UserRatings | None = None,
) -> dict[str, Any]:
    """``GET /series/{id}`` in ``language``.

    The name falls back to the original-language name, the overview does not (null);
    a translation may carry its own aliases and artwork.
    """
    values = _wire_values(_SERIES_FIELDS, row)
    if language != row["original_language"]:
        name = translation["series_name"] if translation else None
        values["seriesName"] = name if name is not None else row["series_name"]
        values["overview"] = translation["overview"] if translation else None
        if translation:
            for key in series.TRANSLATION_ARTWORK:
                if translation[key] is not None:
                    values[key] = translation[key]
    if user_ratings:
        values["siteRating"], values["siteRatingCount"] = combined_rating(
            row["site_rating"], row["site_rating_count"], user_ratings
        )
    if values["season"] is None:
        values["season"] = str(row["aired_season_count"])
    values["aliases"] = list(aliases)
    values["genre"] = list(genres)
    values["language"] = language
    order = series.WIRE_ORDER_V3 if shape == V3 else series.WIRE_ORDER_V2
    return {key: values[key] for key in order}


def search_hit(
    row: Row,
    *,
    language: str,
    translation: Row | None,
    aliases: Sequence[str],
    shape: str = V3,
) -> dict[str, Any]:
    """One ``/search/series`` hit: keys alphabetical, artwork with the /banners/ prefix.

    Aliases and artwork come from the original-language record, never a translation.
    """
    if language == row["original_language"]:
        name, overview = row["series_name"], row["overview"]
    else:
        name = translation["series_name"] if translation else None
        name = name if name is not None else row["series_name"]
        overview = translation["overview"] if translation else None
    banner = row["banner"]
    image = f"/banners/{row['poster']}" if row["poster"] else series.MISSING_SERIES_IMAGE
    hit: dict[str, Any] = {
        "aliases": list(aliases),
        "banner": banner if not banner else f"/banners/{banner}",
        "firstAired": _unpadded_date(row["first_aired"]),
        "id": row["id"],
    }
    if shape == V3:
        hit["image"] = image
    hit["network"] = row["network"] or None
    if overview:
        hit["overview"] = overview
    if shape == V3:
        # The real API tied `poster` to the banner: null when the banner is null.
        hit["poster"] = None if banner is None else image
    hit["seriesName"] = name
    hit["slug"] = row["slug"]
    hit["status"] = row["status"]
    return hit


def _unpadded_date(value: str | None) -> str | None:
    """Search hits write dates without zero padding (``2001-10-2``), null when unknown."""
    if not value:
        return None
    parts = value.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return value
    return f"{int(parts[0])}-{int(parts[1])}-{int(parts[2])}"


def episode_record(
    row: Row,
    *,
    series_id: int,
    original_language: str,
    language: str,
    shape: str = V3,
    user_ratings: UserRatings | None = None,
) -> dict[str, Any]:
    """An episode in ``language``: no fallback to another language for name or overview.

    ``row`` carries the translation's columns as ``tr_episode_name``/``tr_overview``.
    """
    values = _wire_values(_EPISODE_FIELDS, row)
    if language != original_language:
        values["episodeName"] = row["tr_episode_name"]
        values["overview"] = row["tr_overview"]
    if values["seriesId"] is None:
        values["seriesId"] = series_id
    if user_ratings:
        values["siteRating"], values["siteRatingCount"] = combined_rating(
            row["site_rating"], row["site_rating_count"], user_ratings
        )
    values["language"] = {"episodeName": language, "overview": language}
    if shape == V3:
        return {key: values[key] for key in episode.WIRE_ORDER_V3}
    directors = orjson.loads(row["directors"]) if row["directors"] else []
    values["director"] = directors[0] if directors else ""
    return {key: values[key] for key in episode.WIRE_ORDER_V2}


def stored_episode_json(row: Row, *, series_id: int, original_language: str, language: str) -> str:
    """The record kept in ``episodes.wire_v3`` (``language`` is the original language) or
    ``episode_translations.wire_v3`` (``row`` carries that translation): 3.0.0 shape, the
    catalogue's own siteRating.

    Made by episode_record itself, so a stored answer is the dynamic one byte for byte. A
    change to what episode_record returns for 3.0.0 needs a migration that sets the stored
    copies to NULL (always correct: served dynamically) or rebuilds them.
    """
    record = episode_record(
        row, series_id=series_id, original_language=original_language, language=language
    )
    # orjson writes UTF-8; stored as text because PostgreSQL would send bytea hex-encoded.
    return orjson.dumps(record).decode()


def untranslated_json(original: str, language: str) -> str:
    """The stored original-language record as served in a ``language`` the episode has no
    translation in: what episode_record gives then (name and overview null, ``language``
    naming the asked language), every other value as stored.

    Spliced, not re-encoded (~1 µs a record against ~4 µs to parse and re-encode, ~10 µs to
    render from the full row). The cuts are safe because the stored record is orjson's
    output in the 3.0.0 key order: a `"` inside a JSON string is always escaped, so a
    `,"key":` found in the text is a key, never part of a value. Anything unexpected falls
    back to parsing and re-encoding.
    """
    name_start = original.find(_NAME_KEY)  # only numbers come before it
    name_end = original.find(',"firstAired":', name_start)
    language_start = original.find(',"language":{"episodeName":', name_end)
    overview_start = original.rfind(',"overview":', name_end, language_start)
    language_end = original.find('},"productionCode":', language_start)
    if min(name_start, name_end, language_start, overview_start, language_end) < 0:
        record = orjson.loads(original)
        record["episodeName"] = None
        record["overview"] = None
        record["language"] = {"episodeName": language, "overview": language}
        return orjson.dumps(record).decode()
    code = orjson.dumps(language).decode()
    return "".join((
        original[: name_start + len(_NAME_KEY)], "null",
        original[name_end:overview_start], ',"overview":null,"language":{"episodeName":', code,
        ',"overview":', code, original[language_end:],
    ))  # fmt: skip


_NAME_KEY = '"episodeName":'


def actor_record(row: Row, *, series_id: int) -> dict[str, Any]:
    values = _wire_values(_ACTOR_FIELDS, row)
    if values["seriesId"] is None:
        values["seriesId"] = series_id
    return values


def image_record(
    row: Row,
    *,
    series_last_updated: int | None,
    shape: str = V3,
    user_ratings: UserRatings | None = None,
) -> dict[str, Any]:
    values = _wire_values(_IMAGE_FIELDS, row)
    if user_ratings:
        info = orjson.loads(row["ratings_info"]) if row["ratings_info"] else {}
        imported_average = info.get("average", 0)
        if not 0 <= imported_average <= 10:
            # 3.0.0 data carries the vote count as `average` (average == count): it is no
            # rating, so only the users' ratings make the average; the counts still add up.
            imported_average = round(user_ratings[1] / user_ratings[0], 1)
        average, count = combined_rating(
            orjson.dumps(imported_average).decode(), info.get("count", 0), user_ratings
        )
        values["ratingsInfo"] = {"average": average, "count": count}
    if values["thumbnail"] is None:
        values["thumbnail"] = artwork.thumbnail_for(row["file_name"] or "")
    if values["seriesLastUpdated"] is None:
        values["seriesLastUpdated"] = series_last_updated
    if shape == V3:
        return values
    return {key: values[key] for key in artwork.IMAGE_WIRE_ORDER_V2}
