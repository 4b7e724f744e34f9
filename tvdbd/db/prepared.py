"""Core statements compiled once per dialect and run on the connection's DB-API cursor.

For the reads behind an episode page with the response cache off: SQLAlchemy's work per
execute (cache key, execution context, result rows) cost more than the SQLite query itself
(23 µs against 2 µs for the series header). The statements stay Core, so one definition
serves SQLite and PostgreSQL; they run in whatever transaction the connection is in.
Values come back as the driver gives them (no result processing): use them for ids, text and
truthiness, not for types SQLAlchemy would convert.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

_Binder = Callable[[dict[str, Any]], Any]


class Prepared:
    """One statement; parameters by bindparam name, constants of the statement kept."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: dict[str, tuple[str, _Binder]] = {}

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        sql, bind = self._compiled.get(conn.dialect.name) or self._compile(conn)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, bind(params))
            return list(cursor.fetchall())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _as_sqlalchemy_error(conn, cursor, sql, exc) from exc
        finally:
            with suppress(Exception):  # a cursor of a dead connection
                cursor.close()

    def _compile(self, conn: Connection) -> tuple[str, _Binder]:
        compiled = self.statement.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
        sql = compiled.string
        if "POSTCOMPILE" in sql:
            raise ValueError("expanding (IN) and literal-execute parameters are not supported")
        defaults = dict(compiled.params)
        bind: _Binder
        if compiled.positional:  # SQLite's `?`
            names = list(compiled.positiontup or ())
            bind = lambda params: tuple(  # noqa: E731
                params[name] if name in params else defaults[name] for name in names
            )
        else:  # psycopg's `%(name)s`
            bind = lambda params: {**defaults, **params}  # noqa: E731
        self._compiled[conn.dialect.name] = (sql, bind)
        return sql, bind


def _as_sqlalchemy_error(conn: Connection, cursor: Any, sql: str, exc: Any) -> DBAPIError:
    """The error SQLAlchemy would have raised for this statement: a cut connection is
    invalidated (never reused) and says so, so that the request is retried on a fresh one."""
    dialect = conn.dialect
    disconnected = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
    if disconnected:
        conn.invalidate(exc)
    error = DBAPIError.instance(
        sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=disconnected
    )
    assert isinstance(error, DBAPIError)
    return error
