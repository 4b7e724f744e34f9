"""Storing what live sources give: whole series through the bundle importer, deletions,
feed checkpoints with a lease, and artwork into the image store.

A fetched series goes through the same importer as a bundle file, in one transaction: the
client sees exactly what it would see after `tvdbd import`, and never half a series.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from tvdbd.bundles.importer import import_lines
from tvdbd.cache.marks import bump_for
from tvdbd.db.engine import write_transaction
from tvdbd.db.schema import series_sources, series_table, source_checkpoints
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
    """Remove a series the source deleted (with everything it holds); False if not stored."""
    with write_transaction(engine) as conn:
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


# ---------------------------------------------------------------- checkpoints and leases


class Checkpoint:
    """A position in an upstream feed, kept in the database, moved only by the lease holder."""

    def __init__(self, engine: Engine, name: str, *, lease_seconds: int = 600):
        self.engine = engine
        self.name = name
        self.lease_seconds = lease_seconds
        self.owner = uuid.uuid4().hex

    def position(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(source_checkpoints.c.position).where(source_checkpoints.c.name == self.name)
            ).scalar_one_or_none()

    def acquire(self, start: Callable[[], int]) -> int | None:
        """Take the lease (creating the checkpoint at `start()` if there is none); the position,
        or None when another process holds an unexpired lease."""
        now = int(time.time())
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                select(source_checkpoints).where(source_checkpoints.c.name == self.name)
            ).first()
            if row is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            source_checkpoints.insert().values(
                                name=self.name,
                                position=start(),
                                updated_at=now,
                                lease_owner=self.owner,
                                lease_until=now + self.lease_seconds,
                            )
                        )
                except IntegrityError:
                    return None  # another process created it a moment ago and holds it
                return self.position_in(conn)
            if row.lease_owner not in (None, self.owner) and (row.lease_until or 0) > now:
                return None
            conn.execute(
                update(source_checkpoints)
                .where(source_checkpoints.c.name == self.name)
                .values(lease_owner=self.owner, lease_until=now + self.lease_seconds)
            )
            return int(row.position)

    def position_in(self, conn: Any) -> int:
        return int(
            conn.execute(
                select(source_checkpoints.c.position).where(source_checkpoints.c.name == self.name)
            ).scalar_one()
        )

    def move(self, position: int) -> None:
        """Record progress (never backwards) and renew the lease."""
        now = int(time.time())
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(source_checkpoints)
                .where(
                    source_checkpoints.c.name == self.name,
                    source_checkpoints.c.lease_owner == self.owner,
                    source_checkpoints.c.position <= position,
                )
                .values(position=position, updated_at=now, lease_until=now + self.lease_seconds)
            )

    def release(self) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(source_checkpoints)
                .where(
                    source_checkpoints.c.name == self.name,
                    source_checkpoints.c.lease_owner == self.owner,
                )
                .values(lease_owner=None, lease_until=None)
            )


# ---------------------------------------------------------------- artwork


def missing_artwork(bundle: dict[str, Any], images: ImageStore) -> list[str]:
    """Store paths a bundle refers to that the image store does not hold yet."""
    return [path for path in bundle_image_paths(bundle) if images.original(path) is None]
