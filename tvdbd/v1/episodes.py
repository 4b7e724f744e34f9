"""Episode records: the full record (series_all and the zip, contract §4.2), the single
record (ep_default, ep_dvd, ep_absolute, episode, §4.3) and the air-date record (§4.4).

Field by field from the catalogue's episode rows (the v2 episode fields, §7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from tvdbd.db import users
from tvdbd.db import v1 as queries
from tvdbd.v1.artwork import UserTotals
from tvdbd.v1.languages import ENGLISH
from tvdbd.v1.series import padded_date, site_rating
from tvdbd.v1.xml import Element, number, pipes

Row = Mapping[Any, Any]
Texts = Mapping[tuple[int, str], Row]  # episode translations by (episode id, language)


class EpisodeTexts:
    """Names and overviews of episodes in the requested language and English."""

    def __init__(self, original_language: str, language: str, translations: Texts):
        self.original_language = original_language
        self.language = language
        self.translations = translations

    def _in(self, row: Row, language: str, key: str) -> Any:
        if language == self.original_language:
            return row[key]
        translation = self.translations.get((int(row["id"]), language))
        return translation[key] if translation else None

    def name(self, row: Row) -> str:
        """decided (§8): requested -> English -> original-language name."""
        return str(
            self._in(row, self.language, "episode_name")
            or self._in(row, ENGLISH, "episode_name")
            or row["episode_name"]
            or ""
        )

    def overview(self, row: Row) -> str:
        """requested -> English -> empty."""
        return str(
            self._in(row, self.language, "overview") or self._in(row, ENGLISH, "overview") or ""
        )


def load_texts(
    conn: Connection, series_id: int, original_language: str, language: str, ids: list[int]
) -> EpisodeTexts:
    """One query; only the languages that are not the original are read."""
    wanted = [lang for lang in dict.fromkeys([language, ENGLISH]) if lang != original_language]
    found = (
        queries.episode_translations_of(
            conn, series_id=series_id, languages=wanted, episode_ids=ids
        )
        if wanted
        else {}
    )
    return EpisodeTexts(original_language, language, found)


def episode_totals(conn: Connection, rows: Sequence[Row]) -> dict[int, UserTotals]:
    """Users' ratings of these episodes: one range scan of the ratings index."""
    if not rows:
        return {}
    ids = [int(r["id"]) for r in rows]
    return users.rating_totals_between(conn, "episode", min(ids), max(ids))


def dvd_number(stored: str | None) -> str:
    """DVD_episodenumber: one decimal, more only if needed (`1.0`, `1.1`); stored as the
    JSON literal of the bundle (`1`, `1.1`)."""
    if stored is None:
        return ""
    return repr(float(orjson.loads(stored)))


def image_flag(row: Row) -> str:
    """EpImgFlag — decided (§4.2), no v2 field: empty without an image; else from the
    thumbnail's ratio, 1.31-1.35 -> 1 (4:3), 1.739-1.818 -> 2 (16:9), anything else (an
    unknown size included) -> 3 (the wiki's ranges)."""
    if not row["filename"]:
        return ""
    try:
        ratio = int(row["thumb_width"]) / int(row["thumb_height"])
    except (TypeError, ValueError, ZeroDivisionError):
        return "3"
    if 1.31 <= ratio <= 1.35:
        return "1"
    if 1.739 <= ratio <= 1.818:
        return "2"
    return "3"


def _names(stored: str | None) -> str:
    """directors / writers / guestStars (JSON lists) as `|a|b|` — decided (§3), one rule."""
    return pipes(orjson.loads(stored)) if stored else ""


def _image(row: Row) -> dict[str, str]:
    """filename and thumb_* are all empty without an image (recorded 10/10)."""
    if not row["filename"]:
        return {"filename": "", "thumb_added": "", "thumb_height": "", "thumb_width": ""}
    return {
        "filename": row["filename"],
        "thumb_added": row["thumb_added"] or "",
        "thumb_height": number(row["thumb_height"]),
        "thumb_width": number(row["thumb_width"]),
    }


def _values(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> dict[str, str]:
    """Every v1 episode value, by element name."""
    dvd_season = number(row["dvd_season"])
    dvd_episode = dvd_number(row["dvd_episode_number"])
    season = number(row["aired_season"])
    episode_number = number(row["aired_episode_number"])
    rating, rating_count = site_rating(row["site_rating"], row["site_rating_count"], totals)
    given_series = row["series_id_given"]
    return {
        "id": str(row["id"]),
        # Per component: the DVD value when there is one, else the aired one (§4.2).
        "Combined_episodenumber": dvd_episode or episode_number,
        "Combined_season": dvd_season or season,
        "DVD_chapter": number(row["dvd_chapter"]),
        "DVD_discid": row["dvd_discid"] or "",
        "DVD_episodenumber": dvd_episode,
        "DVD_season": dvd_season,
        "Director": _names(row["directors"]),
        "EpImgFlag": image_flag(row),
        "EpisodeName": texts.name(row),
        "EpisodeNumber": episode_number,
        "FirstAired": padded_date(row["first_aired"]),
        "GuestStars": _names(row["guest_stars"]),
        "IMDB_ID": row["imdb_id"] or "",
        "Language": texts.language,  # the requested code, even when text fell back
        "Overview": texts.overview(row),
        "ProductionCode": row["production_code"] or "",
        "Rating": rating,
        "RatingCount": rating_count,
        "SeasonNumber": season,
        "Writer": _names(row["writers"]),
        "absolute_number": number(row["absolute_number"]),
        "airsafter_season": number(row["airs_after_season"]),
        "airsbefore_episode": number(row["airs_before_episode"]),
        "airsbefore_season": number(row["airs_before_season"]),
        **_image(row),
        "lastupdated": str(row["last_updated"] or 0),
        "seasonid": number(row["aired_season_id"]),
        "seriesid": str(given_series if given_series is not None else series_id),
    }


def _timestamp(epoch: int | None) -> str:
    if not epoch:
        return ""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S")


_FULL_HEAD = [
    "id",
    "Combined_episodenumber",
    "Combined_season",
    "DVD_chapter",
    "DVD_discid",
    "DVD_episodenumber",
    "DVD_season",
    "Director",
    "EpImgFlag",
    "EpisodeName",
    "EpisodeNumber",
    "FirstAired",
    "GuestStars",
    "IMDB_ID",
    "Language",
    "Overview",
    "ProductionCode",
    "Rating",
    "RatingCount",
    "SeasonNumber",
    "Writer",
    "absolute_number",
]
# Only season-0 episodes carry these three, always all three (recorded 30/30, 0/1002).
_SPECIALS = [
    "airsafter_season", "airsbefore_episode", "airsbefore_season",
]  # fmt: skip
_FULL_TAIL = [
    "filename",
    "lastupdated",
    "seasonid",
    "seriesid",
    "thumb_added",
    "thumb_height",
    "thumb_width",
]
# The single record has its own fixed order, without Combined_*, RatingCount or airs*
# (recorded `tvapi/episode_332179.xml`).
_SINGLE = [
    "id",
    "seasonid",
    "EpisodeNumber",
    "EpisodeName",
    "FirstAired",
    "GuestStars",
    "Director",
    "Writer",
    "Overview",
    "ProductionCode",
    "lastupdated",
    "flagged",
    "DVD_discid",
    "DVD_season",
    "DVD_episodenumber",
    "DVD_chapter",
    "absolute_number",
    "filename",
    "seriesid",
    "thumb_added",
    "thumb_width",
    "thumb_height",
    "tms_export",
    "mirrorupdate",
    "IMDB_ID",
    "EpImgFlag",
    "Rating",
    "SeasonNumber",
    "Language",
]
# decided (§4.4): the wiki example's element set in its order, classic spelling.
_AIRDATE = [
    "id",
    "Combined_episodenumber",
    "Combined_season",
    "DVD_chapter",
    "DVD_discid",
    "DVD_episodenumber",
    "DVD_season",
    "Director",
    "EpImgFlag",
    "EpisodeName",
    "EpisodeNumber",
    "FirstAired",
    "GuestStars",
    "IMDB_ID",
    "Language",
    "Overview",
    "ProductionCode",
    "Rating",
    "SeasonNumber",
    "Writer",
    "absolute_number",
    "filename",
    "lastupdated",
    "seasonid",
    "seriesid",
]


def full_elements(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> list[Element]:
    values = _values(row, texts, totals, series_id)
    names = _FULL_HEAD + (_SPECIALS if row["aired_season"] == 0 else []) + _FULL_TAIL
    return [(name, values[name]) for name in names]


def single_elements(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> list[Element]:
    values = _values(row, texts, totals, series_id)
    # Single record only; no v2 source (§4.3, inferred).
    values["flagged"] = "0"
    values["tms_export"] = ""
    values["mirrorupdate"] = _timestamp(row["last_updated"])
    return [(name, values[name]) for name in _SINGLE]


def airdate_elements(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> list[Element]:
    values = _values(row, texts, totals, series_id)
    return [(name, values[name]) for name in _AIRDATE]
