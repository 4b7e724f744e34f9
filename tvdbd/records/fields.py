"""Field kinds shared by every record type: how a bundle value is checked, stored and served."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson

from tvdbd.errors import BundleError


class Kind(Enum):
    INT = "int"  # JSON integer (or null), stored as BIGINT
    STR = "str"  # JSON string (or null), stored as TEXT
    NUM = "num"  # JSON number (or null); int-vs-float kept by storing the JSON literal
    LIST = "list"  # JSON list of strings, stored as its JSON text
    RATINGS = "ratings"  # {"average": number, "count": int}, stored as its JSON text


@dataclass(frozen=True)
class Field:
    """One wire key of a record and the storage column that holds it."""

    wire: str
    column: str
    kind: Kind
    default: Any = None
    required: bool = False
    # Derived keys are stored only when a bundle gives them (NULL means "derive it").
    derived: bool = False

    @property
    def stored_as_json(self) -> bool:
        return self.kind in (Kind.NUM, Kind.LIST, Kind.RATINGS)


def dumps(value: Any) -> str:
    """Canonical compact JSON text, as stored for NUM, LIST and RATINGS columns."""
    return orjson.dumps(value).decode()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def check_value(f: Field, value: Any, *, series_id: Any = None, where: str = "") -> Any:
    """Check one bundle value against its field; return the value as it is stored."""
    name = f"{where}{f.wire}"
    if value is None:
        if f.required:
            raise BundleError("is required and may not be null", field=name, series_id=series_id)
        return None
    if f.kind is Kind.INT:
        if not _is_int(value):
            raise BundleError(f"must be an integer, got {value!r}", field=name, series_id=series_id)
        if not -(2**63) <= value < 2**63:
            raise BundleError("is outside the 64-bit range", field=name, series_id=series_id)
        return value
    if f.kind is Kind.STR:
        if not isinstance(value, str):
            raise BundleError(f"must be a string, got {value!r}", field=name, series_id=series_id)
        return value
    if f.kind is Kind.NUM:
        if not _is_number(value):
            raise BundleError(f"must be a number, got {value!r}", field=name, series_id=series_id)
        return dumps(value)
    if f.kind is Kind.LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BundleError("must be a list of strings", field=name, series_id=series_id)
        return dumps(value)
    if f.kind is Kind.RATINGS:
        if (
            not isinstance(value, dict)
            or set(value) != {"average", "count"}
            or not _is_number(value["average"])
            or not _is_int(value["count"])
        ):
            raise BundleError(
                'must be {"average": number, "count": integer}', field=name, series_id=series_id
            )
        return dumps({"average": value["average"], "count": value["count"]})
    raise AssertionError(f"unknown kind {f.kind}")


def stored_default(f: Field) -> Any:
    """The stored form of a field's wire default (used when a bundle leaves the key out)."""
    if f.derived or f.default is None:
        return None
    return dumps(f.default) if f.stored_as_json else f.default


def check_record(
    fields: Sequence[Field],
    record: Mapping[str, Any],
    *,
    series_id: Any,
    where: str,
    allowed_extra: frozenset[str] = frozenset(),
    warnings: list[str],
) -> dict[str, Any]:
    """Check a bundle record; return {column: stored value}, with defaults for missing keys.

    Unknown keys are reported in ``warnings`` and ignored, as the bundle format says.
    """
    if not isinstance(record, dict):
        raise BundleError("must be a JSON object", field=where.rstrip("."), series_id=series_id)
    known = {f.wire for f in fields}
    for key in record:
        if key not in known and key not in allowed_extra:
            warnings.append(f"series {series_id}: unknown key {where}{key} ignored")
    row: dict[str, Any] = {}
    for f in fields:
        if f.wire in record:
            row[f.column] = check_value(f, record[f.wire], series_id=series_id, where=where)
        elif f.required:
            raise BundleError("is required", field=f"{where}{f.wire}", series_id=series_id)
        else:
            row[f.column] = stored_default(f)
    return row


def wire_value(f: Field, stored: Any) -> Any:
    """The value served on the wire for a stored value (JSON text is passed through as-is)."""
    if stored is None:
        return None
    if f.stored_as_json:
        return orjson.Fragment(stored)
    return stored


def export_value(f: Field, stored: Any) -> Any:
    """The value written to an export bundle for a stored value."""
    if stored is None:
        return None
    if f.stored_as_json:
        return orjson.loads(stored)
    return stored
