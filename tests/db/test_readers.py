"""The connection kept for read handlers on the event loop (tvdbd.db.readers)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support import Databases, import_bundles
from tvdbd.db import readers
from tvdbd.db.prepared import Prepared
from tvdbd.db.readers import ReadConnections
from tvdbd.db.schema import series_table

_ANY_SERIES = Prepared(select(series_table.c.id).limit(1))


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    yield engine
    engine.dispose()


def _driver_connection(conn: Any) -> Any:
    return conn.connection.dbapi_connection


def _in_transaction(driver: Any) -> bool:
    if hasattr(driver, "info"):  # psycopg
        import psycopg

        return bool(driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)
    return bool(driver.in_transaction)  # sqlite3


def _on_loop(work: Any) -> Any:
    async def run() -> Any:
        return work()

    return asyncio.run(run())


def test_the_event_loop_keeps_one_connection_between_requests(engine: Engine) -> None:
    kept = ReadConnections(engine)

    def twice() -> tuple[Any, Any]:
        with kept.connect() as first:
            first.execute(select(series_table.c.id)).all()
            one = _driver_connection(first)
        with kept.connect() as second:
            return one, _driver_connection(second)

    one, two = _on_loop(twice)
    assert one is two
    kept.close()


def test_a_kept_connection_is_outside_any_transaction_between_requests(engine: Engine) -> None:
    kept = ReadConnections(engine)

    def use() -> bool:
        with kept.connect() as conn:
            conn.execute(select(series_table.c.id)).all()  # SQLAlchemy's own transaction
            _ANY_SERIES.rows(conn)  # and the driver's, behind SQLAlchemy's back
            driver = _driver_connection(conn)
        return _in_transaction(driver)

    assert _on_loop(use) is False
    kept.close()


def test_on_postgresql_the_kept_connection_reads_in_autocommit_and_leaves_it_in_the_pool(
    engine: Engine, backend: str
) -> None:
    """No BEGIN and ROLLBACK round trips around a request's reads (READ COMMITTED gives each
    statement its own snapshot either way); a pool connection is transactional again."""
    if backend != "postgresql":
        pytest.skip("SQLite keeps its read transaction: one snapshot, no round trip")
    kept = ReadConnections(engine)

    def read() -> tuple[bool, Any]:
        with kept.connect() as conn:
            conn.execute(select(series_table.c.id)).all()
            _ANY_SERIES.rows(conn)
            driver = _driver_connection(conn)
            return _in_transaction(driver), driver

    in_transaction, driver = _on_loop(read)
    assert not in_transaction and driver.autocommit
    kept.close()
    assert not driver.autocommit  # reset when it went back to the pool


def test_a_kept_connection_sees_what_was_committed_after_its_last_use(engine: Engine) -> None:
    kept = ReadConnections(engine)

    def count() -> int:
        with kept.connect() as conn:
            return len(_ANY_SERIES.rows(conn))

    async def before_and_after() -> tuple[int, int]:
        before = count()
        assert import_bundles(engine, [{"series": {"id": 991, "seriesName": "Kept"}}]).ok
        return before, count()

    assert asyncio.run(before_and_after()) == (0, 1)
    kept.close()


def test_other_threads_and_nested_uses_get_their_own_connections(engine: Engine) -> None:
    kept = ReadConnections(engine)
    seen: dict[str, Any] = {}

    def in_a_thread() -> None:
        with kept.connect() as conn:
            seen["thread"] = _driver_connection(conn)

    def on_loop() -> None:
        with kept.connect() as outer:
            seen["loop"] = _driver_connection(outer)
            with kept.connect() as inner:
                seen["nested"] = _driver_connection(inner)
        worker = threading.Thread(target=in_a_thread)
        worker.start()
        worker.join()

    _on_loop(on_loop)
    assert seen["loop"] is not seen["nested"]
    assert seen["loop"] is not seen["thread"]
    kept.close()


def test_an_error_during_a_request_drops_the_kept_connection(engine: Engine) -> None:
    kept = ReadConnections(engine)

    def fail_then_use() -> tuple[Any, Any]:
        with pytest.raises(ZeroDivisionError), kept.connect() as conn:
            failed = conn
            _ = 1 / 0
        with kept.connect() as conn:
            return failed, conn

    failed, after = _on_loop(fail_then_use)
    assert after is not failed  # a new checkout (the pool may hand out the same driver one)
    assert failed.closed
    kept.close()


def test_an_idle_connection_goes_back_to_the_pool(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "IDLE_SECONDS", -1.0)
    kept = ReadConnections(engine)

    def twice() -> tuple[Any, Any]:
        with kept.connect() as first:
            one = first
        with kept.connect() as second:
            return one, second

    one, two = _on_loop(twice)
    assert one is not two  # a new checkout (the pool may hand out the same driver connection)
    assert one.closed
    kept.close()
