"""The fields of the edit forms: a record's values as form text, and posted text back as the
typed changes of tvdbd.edits (which checks them: nothing is validated twice here).

Each field posts its text (`value-<field>`) and the JSON of the value it was shown with
(`base-<field>`): a field whose text is still its base's is left alone, any other becomes a
`SetField` with that base, so an edit made meanwhile by someone else is a 409, never lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from tvdbd.edits.changes import SetField
from tvdbd.edits.store import Lock
from tvdbd.edits.targets import TRANSLATED, Target, dumps, editable_fields, field_spec, read
from tvdbd.errors import BadRequest
from tvdbd.languages import language_list
from tvdbd.records.artwork import KEY_TYPES
from tvdbd.records.fields import Kind

_SHORT = 160
# Longer texts get a text area; lists one entry per line (a name may hold a comma).
_AREAS = {"overview"}


@dataclass
class Problem:
    """What went wrong with a posted form, shown on it again: 400 naming a field, 409 with
    the value the field holds now."""

    status: int
    message: str
    field: str | None = None
    current: Any = None
    record_id: int | None = None  # which of several forms on a page (actors, images)


@dataclass
class Row:
    """One field of a form as the template shows it."""

    name: str
    label: str
    widget: str  # line | area | lines | select
    text: str
    base: str  # JSON of the value shown
    language: str  # "" unless the field is kept per language
    lock: Lock | None = None
    upstream: str | None = None  # what upstream says now, when a refresh told
    error: str = ""
    now: str | None = None  # the value someone else stored meanwhile (a 409)
    choices: Sequence[tuple[str, str]] = ()

    @property
    def lock_key(self) -> str:
        return f"{self.name}@{self.language}"


def short(value: Any) -> str:
    """A value as a line of text for the history: strings as they are, lists joined, a whole
    record by its name."""
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        text = value or "(empty)"
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value) or "(none)"
    elif isinstance(value, dict):
        name = value.get("episodeName") or value.get("name") or value.get("fileName")
        text = str(name) if name else orjson.dumps(value).decode()
    else:
        text = orjson.dumps(value).decode()
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


_WORDS = {"id": "ID", "dvd": "DVD", "imdb": "IMDb", "url": "URL", "discid": "disc ID"}


def label_of(name: str) -> str:
    """`airedEpisodeNumber` -> `Aired episode number`, `airedSeasonID` -> `Aired season ID`."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name)
    shown = [_WORDS.get(w.lower(), w if w.isupper() else w.lower()) for w in words]
    text = " ".join(shown)
    return text[:1].upper() + text[1:]


def text_of(kind: Kind, value: Any) -> str:
    """A value as the text of its input."""
    if value is None:
        return ""
    if kind is Kind.LIST and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if kind in (Kind.STR, Kind.INT) and not isinstance(value, dict | list):
        return str(value)
    return dumps(value)


def value_of(kind: Kind, default: Any, text: str) -> Any:
    """Posted text as a value of the field's kind. Text that is not of the kind is passed on
    as it is: the record specs refuse it with a message naming the field."""
    if kind is Kind.LIST:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if text == "":
        return None if kind is not Kind.STR or default is None else ""
    if kind is Kind.STR:
        return text
    if kind is Kind.INT:
        stripped = text.strip()
        return int(stripped) if stripped.lstrip("-").isdigit() else text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n")


def _widget(record: str, name: str, kind: Kind) -> tuple[str, Sequence[tuple[str, str]]]:
    if record == "image" and name == "language":
        return "select", [(e["abbreviation"], e["englishName"]) for e in language_list()]
    if record == "image" and name == "keyType":
        return "select", [(k, k) for k in KEY_TYPES]
    if kind is Kind.LIST:
        return "lines", ()
    return ("area" if name in _AREAS else "line"), ()


def translated(record: str, name: str) -> bool:
    return name in TRANSLATED.get(record, ())


def rows(
    record: str,
    record_id: int,
    bundle: dict[str, Any],
    names: Sequence[str],
    language: str,
    locks: Mapping[tuple[str, int, str, str], Lock],
    *,
    typed: Mapping[str, str] | None = None,
    problem: Problem | None = None,
) -> list[Row]:
    """The rows of a form for these fields of a record; `typed` (what was posted) and the
    `problem` with it when the form is shown again."""
    found: list[Row] = []
    for name in names:
        spec = field_spec(record, name)
        row_language = language if translated(record, name) else ""
        value = read(bundle, Target(record, record_id, name, row_language))
        widget, choices = _widget(record, name, spec.kind)
        row = Row(
            name=name,
            label=label_of(name),
            widget=widget,
            text=text_of(spec.kind, value),
            base=dumps(value),
            language=row_language,
            lock=locks.get((record, record_id, name, row_language)),
            choices=choices,
        )
        if row.lock is not None and row.lock.upstream_seen_at is not None:
            row.upstream = short(row.lock.upstream)
        if typed is not None and f"value-{name}" in typed:
            row.text = typed[f"value-{name}"]
            row.base = typed.get(f"base-{name}", row.base)
        if problem is not None and problem.field == name:
            if problem.status == 409:
                # Sent again, the form replaces the value it now shows as the current one.
                row.now = text_of(spec.kind, problem.current) or "(empty)"
                row.base = dumps(problem.current)
            else:
                row.error = problem.message
        found.append(row)
    return found


def changes_from(
    form: Mapping[str, str], record: str, record_id: int, language: str
) -> list[SetField]:
    """A SetField for each field of the record whose posted text differs from its base's."""
    changes: list[SetField] = []
    for name in editable_fields(record):
        if f"value-{name}" not in form:
            continue
        spec = field_spec(record, name)
        try:
            base = orjson.loads(form.get(f"base-{name}", ""))
        except orjson.JSONDecodeError:
            raise BadRequest("The form could not be read: reload the page.") from None
        text = _normal(form[f"value-{name}"])
        if text == _normal(text_of(spec.kind, base)):
            continue
        changes.append(
            SetField(
                record,
                record_id,
                name,
                value_of(spec.kind, spec.default, text),
                language if translated(record, name) else None,
                base=base,
            )
        )
    return changes


def values_from(form: Mapping[str, str], record: str, names: Sequence[str]) -> dict[str, Any]:
    """The wire values of a new record from a form: the fields given (empty ones left out)."""
    values: dict[str, Any] = {}
    for name in names:
        text = _normal(form.get(f"value-{name}", ""))
        if text.strip():
            spec = field_spec(record, name)
            values[name] = value_of(spec.kind, spec.default, text)
    return values


def lock_map(locks: Sequence[Lock]) -> dict[tuple[str, int, str, str], Lock]:
    return {
        (k.target.record, k.target.record_id, k.target.field, k.target.language): k for k in locks
    }


def problem_of(error: Any, record_id: int | None = None) -> Problem:
    """A Problem from an API error of tvdbd.edits (BadRequest, EditConflict, NotFound)."""
    details = getattr(error, "details", {}) or {}
    field = details.get("field")
    return Problem(
        status=int(error.status),
        message=str(error.message),
        field=field if isinstance(field, str) else None,
        current=details.get("current"),
        record_id=record_id,
    )
