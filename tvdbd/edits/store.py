"""Rows of the edit tables (tvdbd.db.schema.edit_revisions, edit_locks): plain functions
taking the connection, as the rest of tvdbd.db does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, text, update

from tvdbd.db.schema import edit_locks, edit_revisions
from tvdbd.edits.targets import WHOLE, Target, loads


@dataclass(frozen=True)
class Revision:
    """One stored change."""

    id: int
    series_id: int
    target: Target
    action: str  # set | add | remove | lock | unlock
    old: Any
    new: Any
    comment: str | None
    editor: str
    via: str
    created_at: int
    reverts: int | None

    def as_json(self) -> dict[str, Any]:
        """The revision as the edit API and export bundles write it."""
        return {
            "revision": self.id,
            "series": self.series_id,
            "record": self.target.record,
            "id": self.target.record_id,
            "field": self.target.field,
            "language": self.target.language,
            "action": self.action,
            "old": self.old,
            "new": self.new,
            "comment": self.comment,
            "editor": self.editor,
            "via": self.via,
            "at": self.created_at,
            "reverts": self.reverts,
        }


@dataclass(frozen=True)
class Lock:
    series_id: int
    target: Target
    local: Any
    upstream: Any  # meaningful only when upstream_seen_at is set
    upstream_seen_at: int | None
    locked_by: str
    locked_at: int

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "record": self.target.record,
            "id": self.target.record_id,
            "field": self.target.field,
            "language": self.target.language,
            "local": self.local,
            "lockedBy": self.locked_by,
            "lockedAt": self.locked_at,
        }
        if self.upstream_seen_at is not None:
            found.update(upstream=self.upstream, upstreamSeen=self.upstream_seen_at)
        return found


def _revision(row: Any) -> Revision:
    return Revision(
        id=int(row.id),
        series_id=int(row.series_id),
        target=Target(row.record_type, int(row.record_id), row.field, row.language),
        action=row.action,
        old=loads(row.old_value),
        new=loads(row.new_value),
        comment=row.comment,
        editor=row.editor,
        via=row.via,
        created_at=int(row.created_at),
        reverts=None if row.reverts is None else int(row.reverts),
    )


def _lock(row: Any) -> Lock:
    return Lock(
        series_id=int(row.series_id),
        target=Target(row.record_type, int(row.record_id), row.field, row.language),
        local=loads(row.local_value),
        upstream=loads(row.upstream_value),
        upstream_seen_at=None if row.upstream_seen_at is None else int(row.upstream_seen_at),
        locked_by=row.locked_by,
        locked_at=int(row.locked_at),
    )


def add_revision(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(insert(edit_revisions).values(row))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_revision(conn: Connection, revision_id: int) -> Revision | None:
    row = conn.execute(select(edit_revisions).where(edit_revisions.c.id == revision_id)).first()
    return _revision(row) if row else None


def revisions(
    conn: Connection,
    *,
    series_id: int | None = None,
    record: tuple[str, int] | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[Revision]:
    """Revisions of a series (all its records) or of one record, newest first."""
    query = select(edit_revisions)
    if series_id is not None:
        query = query.where(edit_revisions.c.series_id == series_id)
    if record is not None:
        query = query.where(
            edit_revisions.c.record_type == record[0], edit_revisions.c.record_id == record[1]
        )
    if before is not None:
        query = query.where(edit_revisions.c.id < before)
    query = query.order_by(edit_revisions.c.id.desc()).limit(limit)
    return [_revision(row) for row in conn.execute(query)]


def all_revisions(conn: Connection, series_ids: Sequence[int]) -> dict[int, list[Revision]]:
    """Every revision of these series, oldest first (for export)."""
    found: dict[int, list[Revision]] = {}
    rows = conn.execute(
        select(edit_revisions)
        .where(edit_revisions.c.series_id.in_(series_ids))
        .order_by(edit_revisions.c.id)
    )
    for row in rows:
        found.setdefault(int(row.series_id), []).append(_revision(row))
    return found


def locks(conn: Connection, series_ids: Sequence[int]) -> dict[int, list[Lock]]:
    """The locks of these series, whole-record locks of a record before its field locks."""
    found: dict[int, list[Lock]] = {}
    if not series_ids:
        return found
    rows = conn.execute(
        select(edit_locks)
        .where(edit_locks.c.series_id.in_(series_ids))
        .order_by(
            edit_locks.c.series_id,
            edit_locks.c.record_type,
            edit_locks.c.record_id,
            edit_locks.c.field != WHOLE,
            edit_locks.c.field,
            edit_locks.c.language,
        )
    )
    for row in rows:
        found.setdefault(int(row.series_id), []).append(_lock(row))
    return found


def _where(series_id: int, t: Target) -> Any:
    return and_(
        edit_locks.c.series_id == series_id,
        edit_locks.c.record_type == t.record,
        edit_locks.c.record_id == t.record_id,
        edit_locks.c.field == t.field,
        edit_locks.c.language == t.language,
    )


def get_lock(conn: Connection, series_id: int, t: Target) -> Lock | None:
    row = conn.execute(select(edit_locks).where(_where(series_id, t))).first()
    return _lock(row) if row else None


def put_lock(conn: Connection, series_id: int, t: Target, local: str, *, by: str, at: int) -> None:
    """Lock a field with this local value (JSON text); a lock already there keeps the
    upstream value it saw."""
    changed = conn.execute(
        update(edit_locks).where(_where(series_id, t)).values(local_value=local)
    ).rowcount
    if not changed:
        conn.execute(
            insert(edit_locks).values(
                series_id=series_id,
                record_type=t.record,
                record_id=t.record_id,
                field=t.field,
                language=t.language,
                local_value=local,
                locked_by=by,
                locked_at=at,
            )
        )


def drop_lock(conn: Connection, series_id: int, t: Target) -> bool:
    return bool(conn.execute(delete(edit_locks).where(_where(series_id, t))).rowcount)


def drop_record_locks(conn: Connection, series_id: int, record: str, record_id: int) -> None:
    """Drop the field locks of a record (it was removed; its whole-record lock stays)."""
    conn.execute(
        delete(edit_locks).where(
            edit_locks.c.series_id == series_id,
            edit_locks.c.record_type == record,
            edit_locks.c.record_id == record_id,
            edit_locks.c.field != WHOLE,
        )
    )


def replace_locks(conn: Connection, series_id: int, rows: list[dict[str, Any]]) -> None:
    conn.execute(delete(edit_locks).where(edit_locks.c.series_id == series_id))
    if rows:
        conn.execute(insert(edit_locks), rows)


def replace_revisions(conn: Connection, series_id: int, rows: list[dict[str, Any]]) -> None:
    """Restore a series' history with its revision numbers (an export read back)."""
    conn.execute(delete(edit_revisions).where(edit_revisions.c.series_id == series_id))
    if not rows:
        return
    conn.execute(insert(edit_revisions), rows)
    if conn.dialect.name == "postgresql":
        # Explicit ids do not move the sequence: the next edit must not take a restored id.
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('edit_revisions', 'id'), "
                "(SELECT max(id) FROM edit_revisions))"
            )
        )


def series_with_locks(conn: Connection, series_ids: Sequence[int]) -> set[int]:
    if not series_ids:
        return set()
    rows = conn.execute(
        select(edit_locks.c.series_id).where(edit_locks.c.series_id.in_(series_ids)).distinct()
    )
    return {int(i) for (i,) in rows}


def revision_id_owners(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
    """The series each of these revision numbers belongs to, for those taken."""
    if not ids:
        return {}
    rows = conn.execute(
        select(edit_revisions.c.id, edit_revisions.c.series_id).where(edit_revisions.c.id.in_(ids))
    )
    return {int(i): int(s) for i, s in rows}
