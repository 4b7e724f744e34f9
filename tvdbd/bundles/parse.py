"""Check one bundle line and turn it into the rows that store it (no database access)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tvdbd.bundles.movies import MovieBundle, parse_movie
from tvdbd.bundles.users import UserBundle, parse_user
from tvdbd.errors import BundleError
from tvdbd.languages import known_abbreviations
from tvdbd.records import artwork, episode, series
from tvdbd.records import source as source_record
from tvdbd.records.fields import Field, check_record, check_value
from tvdbd.records.fields import Kind as _Kind
from tvdbd.search import SeriesIndex, index_rows

BUNDLE_KEYS = ("series", "translations", "episodes", "actors", "images", "source", "edits")
_LONG_NUMBER = re.compile(rb"\d{19,}")  # 19 digits or more: maybe beyond 64 bits


@dataclass
class SeriesBundle:
    """Everything needed to replace one series, as storage rows."""

    series_id: int
    series_row: dict[str, Any]
    aliases: list[tuple[str, str]]  # (language or "", alias) in order
    genres: list[str]
    translations: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    episode_translations: list[dict[str, Any]]
    actors: list[dict[str, Any]]
    images: list[dict[str, Any]]
    # The series_sources row, when the bundle says where the series came from.
    source: dict[str, Any] | None
    search_index: SeriesIndex
    bundle_hash: str
    warnings: list[str] = field(default_factory=list)
    # The line as given, and its local-edits section (locks and history; tvdbd.edits reads
    # both when the series is stored, see tvdbd.edits.incoming).
    raw: bytes = b""
    edits: dict[str, Any] | None = None
    # Set by tvdbd.edits.incoming: writes the series' locks and history with it.
    edit_work: Callable[[Any], None] | None = None


def parse_line(raw: bytes) -> SeriesBundle | MovieBundle | UserBundle:
    """Parse and check one JSON line; raise BundleError naming the series id and field."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BundleError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BundleError("a line must be a JSON object")
    if "user" in data and "series" not in data:
        return parse_user(data)
    if "movie" in data and "series" not in data:
        return parse_movie(data, raw)
    record = data.get("series")
    if not isinstance(record, dict):
        raise BundleError("is required and must be an object", field="series")
    series_id = record.get("id")
    if b"\\u0000" in raw:
        _refuse_nul(data, series_id)
    if _LONG_NUMBER.search(raw):
        # orjson reads integers beyond 64 bits as floats: find them exactly, or they would
        # be stored rounded.
        exact = json.loads(raw)
        _refuse_huge_integers(exact, exact["series"].get("id"))
    warnings: list[str] = []
    for key in data:
        if key not in BUNDLE_KEYS:
            warnings.append(f"series {series_id}: unknown key {key} ignored")

    row = check_record(
        series.FIELDS,
        record,
        series_id=series_id,
        where="series.",
        allowed_extra=series.EXTRA_BUNDLE_KEYS,
        warnings=warnings,
    )
    series_id = row["id"]
    language = record.get("language", "en")
    _check_language(language, series_id, "series.language")
    aliases = [("", a) for a in _string_list(record, "aliases", series_id, "series.")]
    genres = _string_list(record, "genre", series_id, "series.")

    translations, translation_aliases = _translations(data, series_id, warnings)
    aliases.extend(translation_aliases)
    episodes, episode_translations = _episodes(data, series_id, warnings)
    actors = _children(data, "actors", artwork.ACTOR_FIELDS, series_id, warnings)
    # An image without a `language` key takes the series' language.
    images = _children(
        data, "images", artwork.IMAGE_FIELDS, series_id, warnings, {"language": language}
    )

    aired_seasons = {e["aired_season"] for e in episodes if e["aired_season"] > 0}
    row.update(
        original_language=language,
        aired_season_count=len(aired_seasons),
        episode_count=len(episodes),
        bundle_hash=hashlib.sha256(raw.strip()).hexdigest(),
    )
    names = [row["series_name"], *(t["series_name"] for t in translations if t["series_name"])]
    names.extend(alias for _, alias in aliases)
    return SeriesBundle(
        series_id=series_id,
        series_row=row,
        aliases=aliases,
        genres=genres,
        translations=translations,
        episodes=episodes,
        episode_translations=episode_translations,
        actors=actors,
        images=images,
        source=_source(data, series_id, warnings),
        search_index=index_rows(names),
        bundle_hash=row["bundle_hash"],
        warnings=warnings,
        raw=raw,
        edits=_edits(data, series_id),
    )


def _edits(data: dict[str, Any], series_id: int) -> dict[str, Any] | None:
    """The `edits` section as given (tvdbd.edits.incoming checks what it holds)."""
    value = data.get("edits")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BundleError("must be an object", field="edits", series_id=series_id)
    return value


def _refuse_huge_integers(value: Any, series_id: Any, where: str = "") -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < 2**64:
            raise BundleError("is outside the 64-bit range", field=where, series_id=series_id)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_huge_integers(item, series_id, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_huge_integers(item, series_id, f"{where}[{index}]")


def _refuse_nul(value: Any, series_id: Any, where: str = "") -> None:
    """PostgreSQL text cannot hold U+0000, so no backend accepts it (the line names the field)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BundleError(
                "must not contain the NUL character (\\u0000)", field=where, series_id=series_id
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(item, series_id, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, series_id, f"{where}[{index}]")


def _check_language(value: Any, series_id: Any, name: str) -> None:
    if not isinstance(value, str) or value not in known_abbreviations():
        raise BundleError(
            f"must be a known language abbreviation, got {value!r}", field=name, series_id=series_id
        )


def _string_list(record: dict[str, Any], key: str, series_id: Any, where: str) -> list[str]:
    if key not in record:
        return []
    value = record[key]
    check_value(Field(key, key, _Kind.LIST), value, series_id=series_id, where=where)
    if value is None:
        raise BundleError("must be a list of strings", field=f"{where}{key}", series_id=series_id)
    return list(value)


def _translations(
    data: dict[str, Any], series_id: int, warnings: list[str]
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    raw = data.get("translations") or {}
    if not isinstance(raw, dict):
        raise BundleError("must be an object", field="translations", series_id=series_id)
    rows: list[dict[str, Any]] = []
    aliases: list[tuple[str, str]] = []
    for language, record in raw.items():
        where = f"translations.{language}."
        _check_language(language, series_id, f"translations.{language}")
        row = check_record(
            series.TRANSLATION_FIELDS,
            record,
            series_id=series_id,
            where=where,
            allowed_extra=frozenset({"aliases"}),
            warnings=warnings,
        )
        row.update(series_id=series_id, language=language, has_aliases="aliases" in record)
        aliases.extend((language, a) for a in _string_list(record, "aliases", series_id, where))
        rows.append(row)
    return rows, aliases


def _episodes(
    data: dict[str, Any], series_id: int, warnings: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    raw = _list(data, "episodes", series_id)
    rows, translations, seen = [], [], set()
    for index, record in enumerate(raw):
        where = f"episodes[{index}]."
        row = check_record(
            episode.FIELDS,
            record,
            series_id=series_id,
            where=where,
            allowed_extra=episode.EXTRA_BUNDLE_KEYS,
            warnings=warnings,
        )
        if row["id"] in seen:
            raise BundleError(
                f"duplicate episode id {row['id']}", field=f"{where}id", series_id=series_id
            )
        seen.add(row["id"])
        row["series_id"] = series_id
        rows.append(row)
        tr = record.get("translations") or {}
        if not isinstance(tr, dict):
            raise BundleError(
                "must be an object", field=f"{where}translations", series_id=series_id
            )
        for language, names in tr.items():
            _check_language(language, series_id, f"{where}translations.{language}")
            tr_row = check_record(
                episode.TRANSLATION_FIELDS,
                names,
                series_id=series_id,
                where=f"{where}translations.{language}.",
                warnings=warnings,
            )
            tr_row.update(episode_id=row["id"], language=language, series_id=series_id)
            translations.append(tr_row)
    rows.sort(key=lambda r: r["id"])
    return rows, translations


def _children(
    data: dict[str, Any],
    key: str,
    fields: list[Field],
    series_id: int,
    warnings: list[str],
    defaults: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for position, record in enumerate(_list(data, key, series_id)):
        row = check_record(
            fields, record, series_id=series_id, where=f"{key}[{position}].", warnings=warnings
        )
        row.update(series_id=series_id, position=position)
        for wire, value in (defaults or {}).items():
            if wire not in record:
                row[wire] = value
        rows.append(row)
    return rows


def _source(data: dict[str, Any], series_id: int, warnings: list[str]) -> dict[str, Any] | None:
    record = data.get("source")
    if record is None:
        return None
    row = check_record(
        source_record.FIELDS, record, series_id=series_id, where="source.", warnings=warnings
    )
    if not row["source"]:
        raise BundleError("must not be empty", field="source.name", series_id=series_id)
    row["series_id"] = series_id
    return row


def _list(data: dict[str, Any], key: str, series_id: int) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BundleError("must be a list", field=key, series_id=series_id)
    return value
