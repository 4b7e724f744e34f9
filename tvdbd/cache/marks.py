"""Change marks: counters in a small memory-mapped file shared by every process on a host.

Every writer (an import, a rating) bumps the marks of what it changed *after* its commit;
every cached response remembers the marks it was built under (read before its database
reads) and is served only while they are unchanged. Reading a mark is a memory read, so
checking freshness costs nothing like a database query. Revoking an API key moves a mark
of its own (KEYS_SLOT), so every worker learns of it the same way. Slot 0 is the catalogue-wide mark
(search, updates; every import moves it); series, and episodes for `/episodes/{id}`, fall
into the other slots by id (a collision only causes an extra rebuild, never a stale answer).

The file lives beside the SQLite database, or for PostgreSQL in the system's temporary
folder under a name derived from the database URL, so any process given the same database
URL (server workers, `tvdbd import`, tests) finds the same marks without configuration.
Other hosts learn of every bump through tvdbd.cache.invalidation (PostgreSQL NOTIFY, or
Redis pub/sub), which moves their marks the same way.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

SLOTS = 1 << 16
# Past the record slots: marks of what is not a record. KEYS moves when a registered API key
# is revoked (tvdbd.auth.LiveKeys reloads the active keys then).
KEYS_SLOT = SLOTS
ALL_SLOTS = SLOTS + 8
_SLOT = struct.Struct("<Q")
SIZE = ALL_SLOTS * _SLOT.size


def marks_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{url.database}-marks")
    # The same database whatever driver the URL names (postgresql vs postgresql+psycopg).
    url = url.set(drivername=url.get_backend_name())
    identity = url.render_as_string(hide_password=True).encode()
    digest = hashlib.sha256(identity).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tvdbd-marks-{digest}"


class ChangeMarks:
    """The shared counters of one database."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < SIZE:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE)
        finally:
            os.close(fd)

    @staticmethod
    def slot_of(series_id: int) -> int:
        return 1 + series_id % (SLOTS - 1)

    @staticmethod
    def episode_slot_of(episode_id: int) -> int:
        """`/episodes/{id}` answers: spread differently from series so ids rarely share."""
        return 1 + (episode_id * 2654435761) % (SLOTS - 1)

    def read(self, slot: int) -> int:
        return int(_SLOT.unpack_from(self._map, slot * _SLOT.size)[0])

    def bump(
        self,
        series_ids: Iterable[int] = (),
        *,
        episode_ids: Iterable[int] = (),
        catalogue: bool = False,
    ) -> set[int]:
        """Mark these series and episodes (with ``catalogue``: everything) changed; the
        slots moved."""
        slots = {self.slot_of(i) for i in series_ids}
        slots.update(self.episode_slot_of(i) for i in episode_ids)
        if catalogue:
            slots.add(0)
        self.bump_slots(slots)
        return slots

    def bump_slots(self, slots: Iterable[int]) -> None:
        slots = set(slots)
        if not slots:
            return
        with self.path.open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # increments from several processes add up
            try:
                for slot in sorted(slots):
                    offset = slot * _SLOT.size
                    value = _SLOT.unpack_from(self._map, offset)[0]
                    _SLOT.pack_into(self._map, offset, value + 1)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


@lru_cache(maxsize=16)
def _marks_at(path: Path) -> ChangeMarks:
    return ChangeMarks(path)


def marks_for(engine: Engine) -> ChangeMarks:
    """The marks of ``engine``'s database (one mapping per file and process)."""
    return _marks_at(marks_path(engine.url.render_as_string(hide_password=False)))


def bump_keys(engine: Engine) -> None:
    """Mark that registered API keys changed (a revoke); call after its commit."""
    from tvdbd.cache.invalidation import publish

    marks_for(engine).bump_slots({KEYS_SLOT})
    publish(engine, {KEYS_SLOT})


def bump_for(
    engine: Engine,
    series_ids: Iterable[int] = (),
    *,
    episode_ids: Iterable[int] = (),
    catalogue: bool = False,
) -> None:
    """Mark changes to ``engine``'s database; call after the commit that made them. Other
    hosts are told too (tvdbd.cache.invalidation)."""
    from tvdbd.cache.invalidation import publish

    slots = marks_for(engine).bump(series_ids, episode_ids=episode_ids, catalogue=catalogue)
    publish(engine, slots)
