"""What can be edited: records, their fields (from tvdbd.records), and where a field's value
lives in a series bundle (the bundle-format dict every edit is applied to)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tvdbd.errors import BadRequest
from tvdbd.languages import known_abbreviations
from tvdbd.records import artwork, episode, series
from tvdbd.records.fields import Field, Kind

RECORDS = ("series", "episode", "actor", "image")
WHOLE = "*"  # the field of a whole-record change: an episode or image added or removed

# Wire keys of each record that an edit may set: every key of the record spec but its id,
# the keys the server sets itself, and for a series its alias and genre lists.
_SPECS: dict[str, dict[str, Field]] = {
    "series": {
        **{f.wire: f for f in series.FIELDS if f.wire not in ("id", "lastUpdated")},
        "aliases": Field("aliases", "aliases", Kind.LIST, []),
        "genre": Field("genre", "genre", Kind.LIST, []),
    },
    "episode": {
        f.wire: f for f in episode.FIELDS if f.wire not in ("id", "seriesId", "lastUpdated")
    },
    "actor": {f.wire: f for f in artwork.ACTOR_FIELDS if f.wire not in ("id", "seriesId")},
    "image": {f.wire: f for f in artwork.IMAGE_FIELDS if f.wire not in ("id", "seriesLastUpdated")},
}
# Fields kept per language (a series translation, an episode translation).
TRANSLATED = {
    "series": frozenset({"seriesName", "overview", "aliases", *series.TRANSLATION_ARTWORK}),
    "episode": frozenset({"episodeName", "overview"}),
}
# Where each child record lives in a bundle.
_LISTS = {"episode": "episodes", "actor": "actors", "image": "images"}


@dataclass(frozen=True)
class Target:
    """One field of one record of a series; `language` only for translated fields."""

    record: str
    record_id: int
    field: str
    language: str = ""

    def label(self) -> str:
        where = f"{self.record} {self.record_id}"
        if self.field == WHOLE:
            return where
        return f"{where} field {self.field}" + (f" ({self.language})" if self.language else "")


def field_spec(record: str, name: str) -> Field:
    """The spec of an editable field; 400 naming it when there is none."""
    if record not in _SPECS:
        raise BadRequest(f"record must be one of {', '.join(RECORDS)}, got {record!r}")
    spec = _SPECS[record].get(name)
    if spec is None:
        raise BadRequest(
            f"field {name}: {record} has no editable field {name!r} "
            f"(editable: {', '.join(sorted(_SPECS[record]))})"
        )
    return spec


def editable_fields(record: str) -> list[str]:
    return list(_SPECS[record])


def target(
    record: str, record_id: int, name: str, language: str | None, original_language: str
) -> Target:
    """The normalised target of a change: translated fields always name their language (the
    series' original one when none is given); other fields refuse a language."""
    field_spec(record, name)
    if name in TRANSLATED.get(record, ()):
        language = language or original_language
        if language not in known_abbreviations():
            raise BadRequest(f"field language: {language!r} is not a known language")
        return Target(record, record_id, name, language)
    if language:
        raise BadRequest(f"field {name}: {record} field {name} is not kept per language")
    return Target(record, record_id, name)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


# ------------------------------------------------------------------- values in a bundle


def find(bundle: dict[str, Any], record: str, record_id: int) -> dict[str, Any] | None:
    """The record with this id in a bundle (the series record for "series")."""
    if record == "series":
        found = bundle["series"]
        return found if found.get("id") == record_id else None
    for item in bundle.get(_LISTS[record]) or []:
        if isinstance(item, dict) and item.get("id") == record_id:
            return item
    return None


def children(bundle: dict[str, Any], record: str) -> list[dict[str, Any]]:
    """The list of a child record type in a bundle (created when missing)."""
    key = _LISTS[record]
    if not isinstance(bundle.get(key), list):
        bundle[key] = []
    items: list[dict[str, Any]] = bundle[key]
    return items


def original_language(bundle: dict[str, Any]) -> str:
    return str(bundle["series"].get("language") or "en")


def _holder(
    bundle: dict[str, Any], t: Target, *, create: bool
) -> tuple[dict[str, Any] | None, str]:
    """(the dict that holds the field, the key in it); the dict is None when absent."""
    record = find(bundle, t.record, t.record_id)
    if record is None or not t.language or t.language == original_language(bundle):
        return record, t.field
    if t.record == "series":
        translations = bundle.get("translations")
        if not isinstance(translations, dict):
            if not create:
                return None, t.field
            translations = bundle["translations"] = {}
        if t.language not in translations and create:
            translations[t.language] = {"seriesName": None, "overview": None}
        return translations.get(t.language), t.field
    translations = record.get("translations")
    if not isinstance(translations, dict):
        if not create:
            return None, t.field
        translations = record["translations"] = {}
    if t.language not in translations and create:
        translations[t.language] = {"episodeName": None, "overview": None}
    return translations.get(t.language), t.field


def read(bundle: dict[str, Any], t: Target) -> Any:
    """The value a bundle holds for a target (the wire default when the key is missing);
    for WHOLE, the record itself or None."""
    if t.field == WHOLE:
        return find(bundle, t.record, t.record_id)
    holder, key = _holder(bundle, t, create=False)
    if holder is None or key not in holder:
        spec = field_spec(t.record, t.field)
        return None if t.language and holder is None else spec.default
    return holder[key]


def exists(bundle: dict[str, Any], t: Target) -> bool:
    return find(bundle, t.record, t.record_id) is not None


def write(bundle: dict[str, Any], t: Target, value: Any) -> None:
    """Put a value into a bundle; for WHOLE, put the record in (None: take it out)."""
    if t.field == WHOLE:
        items = children(bundle, t.record)
        at = [i for i, item in enumerate(items) if item.get("id") == t.record_id]
        if value is None:
            for i in reversed(at):
                del items[i]
        elif at:
            items[at[0]] = value
        else:
            items.append(value)
        return
    holder, key = _holder(bundle, t, create=True)
    if holder is None:
        raise KeyError(t.label())
    holder[key] = value
    if t.record == "image" and key == "fileName":
        holder.pop("thumbnail", None)  # derived from the file name again
