"""The series records: the base record (series_base and the `<Series>` of series_all,
contract §4.1) and the search record (GetSeries, GetSeriesByRemoteID, §4.5).

Field by field from the catalogue's series row (the v2 `GET /series/{id}` fields, §7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tvdbd.db import catalogue, users
from tvdbd.db import v1 as queries
from tvdbd.records.render import combined_rating
from tvdbd.v1.artwork import UserTotals, ordered_actors, ordered_images, top_image
from tvdbd.v1.languages import ENGLISH
from tvdbd.v1.xml import Element, pipes, present

Row = Mapping[Any, Any]


@dataclass
class SeriesData:
    """What every series route of v1 renders from, read once per series and language."""

    row: Row
    language: str
    translations: Mapping[str, Row]  # the requested language's and English, when they exist
    genres: list[str]
    actors: list[Row]  # actors.xml order
    images: list[Row]  # banners.xml order
    image_totals: dict[int, UserTotals]
    totals: UserTotals | None  # users' ratings of the series


def load_series(conn: Connection, series_id: int, language: str) -> SeriesData | None:
    """Six queries, whatever the size of the series."""
    if not 0 <= series_id <= catalogue.MAX_ID:
        return None
    found = queries.series_rows(conn, [series_id])
    row = found.get(series_id)
    if row is None:
        return None
    wanted = list(dict.fromkeys([language, ENGLISH]))
    translations = {
        lang: tr
        for (_, lang), tr in queries.series_translations_in(conn, [series_id], wanted).items()
    }
    images = catalogue.get_images(conn, series_id)
    image_totals = users.image_rating_totals(conn, series_id) if images else {}
    totals = users.rating_totals(conn, "series", [series_id]).get(series_id)
    return SeriesData(
        row=row,
        language=language,
        translations=translations,
        genres=catalogue.get_genres(conn, series_id),
        actors=ordered_actors(catalogue.get_actors(conn, series_id)),
        images=ordered_images(images, image_totals),
        image_totals=image_totals,
        totals=totals,
    )


def _in(row: Row, translations: Mapping[str, Row], language: str, key: str) -> Any:
    """A text in one language: the row's own in the original language, else the
    translation's (None when there is none)."""
    if language == row["original_language"]:
        return row[key]
    translation = translations.get(language)
    return translation[key] if translation else None


def fallback_name(row: Row, translations: Mapping[str, Row], language: str) -> str:
    """decided (§8): requested language -> English -> original-language name, so a series
    known by any name is never nameless (droidshows#81)."""
    return str(
        _in(row, translations, language, "series_name")
        or _in(row, translations, ENGLISH, "series_name")
        or row["series_name"]
        or ""
    )


def fallback_overview(row: Row, translations: Mapping[str, Row], language: str) -> str:
    """requested -> English -> empty ("the English overview if no translation is available")."""
    return str(
        _in(row, translations, language, "overview")
        or _in(row, translations, ENGLISH, "overview")
        or ""
    )


def padded_date(value: str | None) -> str:
    """`YYYY-MM-DD` zero-padded (v2 search hits are not; the stored date may be either)."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return value


def site_rating(stored: str | None, count: int | None, totals: UserTotals | None) -> Element:
    """(Rating, RatingCount) values: one decimal (`9` -> `9.0`), empty when nobody rated;
    the imported figures combined with users' ratings, as v2 does."""
    average, all_count = combined_rating(stored, count, totals or (0, 0))
    return (f"{float(average):.1f}" if all_count else "", str(all_count))


def _artwork(data: SeriesData, key: str) -> str:
    """A translation's own artwork, else the series', else the top-rated image of the kind."""
    translation = data.translations.get(data.language)
    if data.language != data.row["original_language"] and translation and translation[key]:
        return str(translation[key])
    return str(data.row[key] or top_image(data.images, key))


def series_elements(data: SeriesData) -> list[Element]:
    """The base record, in the recorded order (§4.1). `tms_wanted_old` (between poster and
    zap2it_id in 2 of 8 recordings) is not emitted (decided): no catalogue source."""
    row = data.row
    rating, rating_count = site_rating(row["site_rating"], row["site_rating_count"], data.totals)
    return [
        ("id", str(row["id"])),
        ("Actors", pipes(a["name"] or "" for a in data.actors)),  # actors.xml order
        ("Airs_DayOfWeek", row["airs_day_of_week"] or ""),
        ("Airs_Time", row["airs_time"] or ""),
        ("ContentRating", row["rating"] or ""),  # v2 `rating` is the content rating
        ("FirstAired", padded_date(row["first_aired"])),
        ("Genre", pipes(data.genres)),
        ("IMDB_ID", row["imdb_id"] or ""),
        ("Language", data.language),  # the requested code, even when text fell back (§8)
        ("Network", row["network"] or ""),
        ("NetworkID", row["network_id"] or ""),  # "not in use" in v1, filled anyway (§4.1)
        ("Overview", fallback_overview(row, data.translations, data.language)),
        ("Rating", rating),
        ("RatingCount", rating_count),
        ("Runtime", row["runtime"] or ""),
        ("SeriesID", row["legacy_series_id"] or ""),  # the legacy TV.com id
        ("SeriesName", fallback_name(row, data.translations, data.language)),
        ("Status", row["status"] or ""),
        ("added", row["added"] or ""),
        ("addedBy", "" if row["added_by"] is None else str(row["added_by"])),
        ("banner", _artwork(data, "banner")),
        ("fanart", _artwork(data, "fanart")),
        ("lastupdated", str(row["last_updated"] or 0)),
        ("poster", _artwork(data, "poster")),
        ("zap2it_id", row["zap2it_id"] or ""),
    ]


# --- search records -----------------------------------------------------------------------


@dataclass
class SearchHit:
    """One series found, and the language it is rendered in (§4.5)."""

    row: Row
    language: str
    translations: dict[str, Row]
    aliases: list[str]


def aliases_in(
    row: Row,
    translations: Mapping[str, Row],
    aliases: Mapping[tuple[int, str], Sequence[str]],
    language: str,
) -> list[str]:
    """The aliases served in a language, as v2 serves them: a translation's own list when it
    carries one, else the original record's."""
    translation = translations.get(language)
    if language != row["original_language"] and translation and translation["has_aliases"]:
        return list(aliases.get((int(row["id"]), language), []))
    return list(aliases.get((int(row["id"]), ""), []))


def search_elements(hit: SearchHit) -> list[Element]:
    """Order `seriesid language SeriesName AliasNames banner Overview FirstAired Network
    IMDB_ID zap2it_id id` (recorded 8/8 + wiki); empty elements are omitted (§3)."""
    row, language = hit.row, hit.language
    translation = hit.translations.get(language)
    banner = row["banner"] or ""
    if language != row["original_language"] and translation and translation["banner"]:
        banner = translation["banner"]
    return present(
        [
            ("seriesid", str(row["id"])),  # = id
            ("language", language),  # the language actually served
            ("SeriesName", fallback_name(row, hit.translations, language)),
            ("AliasNames", "|".join(hit.aliases)),  # `a|b`, no outer pipes (recorded)
            ("banner", banner),  # without /banners/, unlike v2 search hits
            ("Overview", fallback_overview(row, hit.translations, language)),
            ("FirstAired", padded_date(row["first_aired"])),  # re-padded (§3)
            ("Network", row["network"] or ""),
            ("IMDB_ID", row["imdb_id"] or ""),
            ("zap2it_id", row["zap2it_id"] or ""),
            ("id", str(row["id"])),
        ]
    )
