"""One kept database connection for the read handlers that run on the event loop.

Checking a connection out of SQLAlchemy's pool and returning it (events, reset, on
PostgreSQL a pre-ping round trip) cost about 50 µs a request, a quarter of a whole
cache-off episodes page. Read handlers run one at a time on the event loop's thread
(see api.routes._inline), so that thread keeps one connection between requests:

- after every use it is left outside any transaction (rolled back at the SQLAlchemy and at
  the driver level, since prepared statements run on the driver's cursor), so no snapshot
  is held between requests and SQLite's WAL can be checkpointed;
- a connection idle for more than ``IDLE_SECONDS`` goes back to the pool first, so after a
  quiet spell (or a database restart) the pool's pre-ping checks a fresh one;
- an error while it is in use drops it: the next request starts on a fresh connection;
- other threads (the thread pool of the /user handlers) and nested uses get pool
  connections as before;
- on PostgreSQL it runs in autocommit: a transaction there cost a BEGIN round trip before
  the first read and a ROLLBACK after the last (two of a series record's seven, ~200 µs
  each on a 2-core machine), and bought nothing: at READ COMMITTED, PostgreSQL's default
  and ours, every statement takes its own snapshot inside a transaction too. On SQLite a
  read transaction does hold one snapshot for all the reads of an answer, and costs no
  round trip, so it stays.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, Engine

IDLE_SECONDS = 1.0


class ReadConnections:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._loop_thread: int | None = None
        self._kept: Connection | None = None
        self._last_used = 0.0
        self._in_use = False

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        if self._in_use or not self._on_event_loop():
            with self.engine.connect() as conn:
                yield conn
            return
        conn = self._take()
        self._in_use = True
        try:
            yield conn
        except BaseException:
            self._drop()
            raise
        else:
            self._reset(conn)
        finally:
            self._in_use = False
            self._last_used = time.monotonic()

    def close(self) -> None:
        self._drop()

    def _on_event_loop(self) -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        thread = threading.get_ident()
        if self._loop_thread is None:
            self._loop_thread = thread
        return thread == self._loop_thread

    def _take(self) -> Connection:
        if self._kept is not None and time.monotonic() - self._last_used > IDLE_SECONDS:
            self._drop()
        if self._kept is None:
            conn = self.engine.connect()
            if conn.dialect.name == "postgresql":
                # Back in the pool, SQLAlchemy restores the default isolation level.
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            self._kept = conn
        return self._kept

    def _reset(self, conn: Connection) -> None:
        try:
            if conn.in_transaction():
                conn.rollback()
            conn.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
        except Exception:
            self._drop()

    def _drop(self) -> None:
        conn, self._kept = self._kept, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a broken connection: the pool must not hand it out again
                with suppress(Exception):
                    conn.invalidate()
