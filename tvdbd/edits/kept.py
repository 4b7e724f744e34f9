"""Locks and history in bundles: `tvdbd export` writes a series' `edits` section, and
`tvdbd import` of it restores them (docs/bundle-format.md, "Local edits")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from tvdbd.edits import store as edit_store
from tvdbd.edits.targets import RECORDS, WHOLE, dumps
from tvdbd.errors import BundleError

ACTIONS = ("set", "add", "remove", "lock", "unlock")


def edit_sections(conn: Connection, series_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The `edits` section of each of these series that has locks or history."""
    locks = edit_store.locks(conn, series_ids)
    history = edit_store.all_revisions(conn, series_ids)
    sections: dict[int, dict[str, Any]] = {}
    for series_id in set(locks) | set(history):
        sections[series_id] = {
            "locks": [lock.as_json() for lock in locks.get(series_id, [])],
            "revisions": [
                {k: v for k, v in r.as_json().items() if k != "series"}
                for r in history.get(series_id, [])
            ],
        }
    return sections


def restoring(series_id: int, section: dict[str, Any]) -> Callable[[Connection], None]:
    """Check an `edits` section; the work that replaces the series' locks and history."""
    lock_rows = [_lock_row(series_id, item, i) for i, item in enumerate(_list(section, "locks"))]
    revision_rows = [
        _revision_row(series_id, item, i) for i, item in enumerate(_list(section, "revisions"))
    ]

    def restore(conn: Connection) -> None:
        edit_store.replace_locks(conn, series_id, lock_rows)
        edit_store.replace_revisions(conn, series_id, revision_rows)

    return restore


def _list(section: dict[str, Any], key: str) -> list[Any]:
    value = section.get(key, [])
    if not isinstance(value, list):
        raise BundleError("must be a list", field=f"edits.{key}")
    return value


class _Checker:
    def __init__(self, item: Any, where: str, series_id: int):
        if not isinstance(item, dict):
            raise BundleError("must be an object", field=where, series_id=series_id)
        self.item = item
        self.where = where
        self.series_id = series_id

    def fail(self, key: str, reason: str) -> BundleError:
        return BundleError(reason, field=f"{self.where}.{key}", series_id=self.series_id)

    def integer(self, key: str, *, optional: bool = False) -> int | None:
        value = self.item.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"must be an integer, got {value!r}")
        return value

    def text(self, key: str, *, optional: bool = False, choices: Sequence[str] = ()) -> str | None:
        value = self.item.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        if choices and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def value(self, key: str, *, required: bool = False) -> str | None:
        """The JSON text of a value of any type (None when absent and not required)."""
        if key not in self.item:
            if required:
                raise self.fail(key, "is required")
            return None
        return dumps(self.item[key])


def _lock_row(series_id: int, item: Any, index: int) -> dict[str, Any]:
    c = _Checker(item, f"edits.locks[{index}]", series_id)
    seen = c.integer("upstreamSeen", optional=True)
    return {
        "series_id": series_id,
        "record_type": c.text("record", choices=RECORDS),
        "record_id": c.integer("id"),
        "field": c.text("field"),
        "language": c.text("language", optional=True) or "",
        "local_value": c.value("local", required=True),
        "upstream_value": c.value("upstream") if seen is not None else None,
        "upstream_seen_at": seen,
        "locked_by": c.text("lockedBy"),
        "locked_at": c.integer("lockedAt"),
    }


def _revision_row(series_id: int, item: Any, index: int) -> dict[str, Any]:
    c = _Checker(item, f"edits.revisions[{index}]", series_id)
    field = c.text("field")
    if field == "":
        raise c.fail("field", f"must name a field or {WHOLE!r}")
    return {
        "id": c.integer("revision"),
        "series_id": series_id,
        "record_type": c.text("record", choices=RECORDS),
        "record_id": c.integer("id"),
        "field": field,
        "language": c.text("language", optional=True) or "",
        "action": c.text("action", choices=ACTIONS),
        "old_value": c.value("old"),
        "new_value": c.value("new"),
        "comment": c.text("comment", optional=True),
        "editor": c.text("editor"),
        "via": c.text("via", optional=True) or "import",
        "created_at": c.integer("at"),
        "reverts": c.integer("reverts", optional=True),
    }
