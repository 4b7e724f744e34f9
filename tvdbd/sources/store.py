"""Storing what live sources give: whole series through the bundle importer, deletions,
feed checkpoints with a lease, and artwork into the image store.

A fetched series goes through the same importer as a bundle file, in one transaction: the
client sees exactly what it would see after `tvdbd import`, and never half a series.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, delete, select, text, update

from tvdbd.bundles.importer import import_lines
from tvdbd.cache.marks import bump_for
from tvdbd.db.engine import is_sqlite, write_transaction
from tvdbd.db.schema import series_sources, series_table, source_checkpoints
from tvdbd.edits.store import series_with_locks
from tvdbd.errors import SourceDataError
from tvdbd.images.references import bundle_image_paths
from tvdbd.images.store import ImageStore

log = logging.getLogger("tvdbd.sources")


@dataclass(frozen=True)
class Stored:
    series_id: int
    changed: bool  # False: the source gave what was already stored


def content_hash(bundle: dict[str, Any]) -> str:
    """sha256 of a mapped bundle, before the storing time and the hash itself are added."""
    return hashlib.sha256(orjson.dumps(bundle, option=orjson.OPT_SORT_KEYS)).hexdigest()


def store_series(engine: Engine, bundle: dict[str, Any], *, now: int | None = None) -> Stored:
    """Store one mapped series bundle whole, unless it is what the last fetch gave.

    `lastUpdated` becomes the time of storing when that is later than the source's own
    time: `/updated/query` tells clients what changed *here*, and a change that reaches this
    server an hour after TheTVDB made it must still show to a client that asked in between.
    """
    now = int(time.time()) if now is None else now
    series_id = bundle["series"]["id"]
    digest = content_hash(bundle)
    with engine.connect() as conn:
        stored = conn.execute(
            select(series_sources.c.content_hash).where(series_sources.c.series_id == series_id)
        ).scalar_one_or_none()
    if stored == digest:
        with write_transaction(engine) as conn:
            conn.execute(
                update(series_sources)
                .where(series_sources.c.series_id == series_id)
                .values(fetched_at=now)
            )
        return Stored(series_id, changed=False)
    series = {**bundle["series"], "lastUpdated": max(bundle["series"]["lastUpdated"], now)}
    line = {
        **bundle,
        "series": series,
        "source": {**bundle["source"], "fetched": now, "contentHash": digest},
    }
    report = import_lines(engine, [orjson.dumps(line)])
    if report.errors:
        raise SourceDataError(bundle["source"]["name"], f"cannot store {report.errors[0]}")
    return Stored(series_id, changed=True)


def delete_series(engine: Engine, series_id: int) -> bool:
    """Remove a series the source deleted (with everything it holds); False if not stored,
    or if it has locally edited fields (tvdbd.edits): those keep it here."""
    with write_transaction(engine) as conn:
        if series_with_locks(conn, [series_id]):
            log.warning("series %s was deleted upstream; kept: it has local edits", series_id)
            return False
        gone = conn.execute(delete(series_table).where(series_table.c.id == series_id)).rowcount
    if gone:
        bump_for(engine, [series_id], catalogue=True)
    return bool(gone)


def series_from(engine: Engine, source: str) -> dict[int, int]:
    """Series stored from a source: id -> when it was last fetched (0 when unknown)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(series_sources.c.series_id, series_sources.c.fetched_at).where(
                series_sources.c.source == source
            )
        )
        return {int(i): int(f or 0) for i, f in rows}


def is_stored(engine: Engine, series_id: int) -> bool:
    with engine.connect() as conn:
        found = conn.execute(select(series_table.c.id).where(series_table.c.id == series_id))
        return found.first() is not None


# ---------------------------------------------------------------- checkpoints and locks


class Checkpoint:
    """A position in an upstream feed, kept in the database."""

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name

    def position(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(source_checkpoints.c.position).where(source_checkpoints.c.name == self.name)
            ).scalar_one_or_none()

    def start(self, position: Callable[[], int]) -> int:
        """The stored position, or `position()` stored as the first one."""
        with write_transaction(self.engine) as conn:
            found = conn.execute(
                select(source_checkpoints.c.position).where(source_checkpoints.c.name == self.name)
            ).scalar_one_or_none()
            if found is not None:
                return int(found)
            first = position()
            conn.execute(
                source_checkpoints.insert().values(
                    name=self.name, position=first, updated_at=int(time.time())
                )
            )
            return first

    def move(self, position: int) -> None:
        """Record progress (never backwards)."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(source_checkpoints)
                .where(
                    source_checkpoints.c.name == self.name,
                    source_checkpoints.c.position <= position,
                )
                .values(position=position, updated_at=int(time.time()))
            )


class FeedLock:
    """Lets one process at a time follow a feed; the lock dies with its holder, so a sync
    killed with SIGKILL leaves nothing to clean up.

    PostgreSQL: a session advisory lock on a connection kept for the run (any host).
    SQLite: an exclusive lock on a file beside the database (one host, as SQLite is).
    """

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        digest = hashlib.sha256(name.encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self.file_suffix = digest[:6].hex()
        self._conn: Any = None
        self._file: Any = None

    def acquire(self) -> bool:
        if is_sqlite(self.engine):
            database = self.engine.url.database or ""
            if database and database != ":memory:":
                path = Path(f"{database}.feed-{self.file_suffix}.lock")
            else:
                path = Path(tempfile.gettempdir()) / f"tvdbd-feed-{self.file_suffix}.lock"
            handle = path.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
            return True
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        conn.commit()
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._conn.close()
            self._conn = None


# ---------------------------------------------------------------- artwork


def missing_artwork(bundle: dict[str, Any], images: ImageStore) -> list[str]:
    """Store paths a bundle refers to that the image store does not hold yet."""
    return [path for path in bundle_image_paths(bundle) if images.original(path) is None]
