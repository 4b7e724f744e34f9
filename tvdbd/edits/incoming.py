"""The one hook of local edits in the importer: a series about to be stored keeps its locked
fields' local values, and the values upstream gave are kept beside them.

Every way a series arrives goes through tvdbd.bundles.importer (`tvdbd import`; `sync`,
read-through, `mirror` and the source fetches through tvdbd.sources.store), and it calls
`prepare_incoming` on each batch before storing it, in the storing transaction.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from tvdbd.bundles.parse import SeriesBundle, parse_line
from tvdbd.db.schema import edit_locks, series_table
from tvdbd.edits import kept
from tvdbd.edits import store as edit_store
from tvdbd.edits.targets import WHOLE, dumps, exists, find, read, write
from tvdbd.errors import BundleError

# `tvdbd sync --overwrite-locked`: the flag reaches the importer through sync's tasks and
# threads (contextvars cross both) without a parameter on every function in between.
OVERWRITE_LOCKED: ContextVar[bool] = ContextVar("tvdbd_overwrite_locked", default=False)

IMPORT_EDITOR = "import"


@contextmanager
def overwriting_locked(on: bool = True) -> Iterator[None]:
    """Within this block, imports store upstream values over locked fields (and unlock them)."""
    token = OVERWRITE_LOCKED.set(on)
    try:
        yield
    finally:
        OVERWRITE_LOCKED.reset(token)


def prepare_incoming(
    conn: Connection,
    batch: list[tuple[int, SeriesBundle]],
    errors: list[str],
    *,
    overwrite_locked: bool,
) -> list[tuple[int, SeriesBundle]]:
    """The batch as it is to be stored: locks applied (or, with ``overwrite_locked``, to be
    released), or an export's `edits` section to be restored; a bad section is reported in
    ``errors`` and its series left out."""
    plain = [bundle.series_id for _, bundle in batch if bundle.edits is None]
    locked = edit_store.locks(conn, plain)
    if not locked and len(plain) == len(batch):
        return batch  # the usual case: one indexed query per batch
    now = int(time.time())
    prepared = []
    for number, bundle in batch:
        try:
            if bundle.edits is not None:
                bundle.edit_work = kept.restoring(bundle.series_id, bundle.edits)
            elif bundle.series_id in locked:
                if overwrite_locked:
                    _overwriting(bundle, locked[bundle.series_id], now)
                else:
                    bundle = _applying(conn, bundle, locked[bundle.series_id], now)
        except BundleError as exc:
            exc.line = number
            errors.append(str(exc))
            continue
        prepared.append((number, bundle))
    return prepared


def _applying(
    conn: Connection, bundle: SeriesBundle, locks: list[edit_store.Lock], now: int
) -> SeriesBundle:
    """The bundle with every locked field set to its local value; what upstream gave for
    each is written beside the lock when the series is stored."""
    data = orjson.loads(bundle.raw)
    seen: list[tuple[edit_store.Lock, Any]] = []
    for lock in locks:
        t = lock.target
        if t.field == WHOLE:
            seen.append((lock, find(data, t.record, t.record_id)))
            write(data, t, lock.local)
        elif exists(data, t):
            seen.append((lock, read(data, t)))
            write(data, t, lock.local)
        else:
            # The record is gone upstream (or removed here): nothing to keep a field of.
            seen.append((lock, None))
    stored = conn.execute(
        select(series_table.c.last_updated).where(series_table.c.id == bundle.series_id)
    ).scalar_one_or_none()
    # Never backwards: clients that saw the edit's lastUpdated must see later changes.
    series = data["series"]
    series["lastUpdated"] = max(int(series.get("lastUpdated") or 0), int(stored or 0))
    kept_line = parse_line(orjson.dumps(data))
    assert isinstance(kept_line, SeriesBundle)
    # The hash of the line as given: the same upstream line again is "unchanged".
    kept_line.bundle_hash = kept_line.series_row["bundle_hash"] = bundle.bundle_hash
    kept_line.raw = bundle.raw

    def record_upstream(conn: Connection) -> None:
        for lock, upstream in seen:
            t = lock.target
            conn.execute(
                update(edit_locks)
                .where(
                    edit_locks.c.series_id == lock.series_id,
                    edit_locks.c.record_type == t.record,
                    edit_locks.c.record_id == t.record_id,
                    edit_locks.c.field == t.field,
                    edit_locks.c.language == t.language,
                )
                .values(upstream_value=dumps(upstream), upstream_seen_at=now)
            )

    kept_line.edit_work = record_upstream
    return kept_line


def _overwriting(bundle: SeriesBundle, locks: list[edit_store.Lock], now: int) -> None:
    """Store the bundle as given and release its locks, each release a revision."""
    # Never "unchanged": the stored values are local ones even if this line was seen before.
    digest = hashlib.sha256(b"overwrite-locked\n" + bundle.raw).hexdigest()
    bundle.bundle_hash = bundle.series_row["bundle_hash"] = digest

    def release(conn: Connection) -> None:
        edit_store.replace_locks(conn, bundle.series_id, [])
        for lock in locks:
            t = lock.target
            edit_store.add_revision(
                conn,
                {
                    "series_id": bundle.series_id,
                    "record_type": t.record,
                    "record_id": t.record_id,
                    "field": t.field,
                    "language": t.language,
                    "action": "unlock",
                    "old_value": dumps(lock.local),
                    "new_value": None,
                    "comment": "upstream value stored over the lock (--overwrite-locked)",
                    "editor": IMPORT_EDITOR,
                    "via": "import",
                    "created_at": now,
                    "reverts": None,
                },
            )

    bundle.edit_work = release
