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

from sqlalchemy import Connection, LargeBinary
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

_Binder = Callable[[dict[str, Any]], Any]


class utf8_bytes(FunctionElement[bytes]):  # lower case, as SQL functions are named
    """A TEXT column read as its UTF-8 bytes, for JSON stored as text that is sent as it is
    (an orjson Fragment). Given a `str`, orjson re-encodes it to UTF-8, and the driver decoded
    it from UTF-8 just before: ~50 µs for an 84 KB episode page with one non-ASCII character,
    against ~2 µs to copy bytes. No migration: SQLite's CAST to BLOB takes the stored bytes
    as they are (UTF-8: tvdbd creates its databases with SQLite's default encoding);
    PostgreSQL's convert_to gives bytea, which a `Prepared(binary=True)` reads in binary
    form (in text form bytea comes hex-encoded, which costs more than it saves)."""

    type = LargeBinary()
    inherit_cache = True


@compiles(utf8_bytes, "sqlite")
def _utf8_bytes_sqlite(element: utf8_bytes, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


@compiles(utf8_bytes, "postgresql")
def _utf8_bytes_postgresql(element: utf8_bytes, compiler: SQLCompiler, **kw: Any) -> str:
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"


class Prepared:
    """One statement; parameters by bindparam name, constants of the statement kept.

    ``binary``: results in the driver's binary form where it has one (psycopg), so that
    bytea columns (utf8_bytes) arrive as bytes without a hex round trip; other types come
    back as the same Python values either way."""

    def __init__(self, statement: Executable, *, binary: bool = False):
        self.statement = statement
        self._binary = binary
        self._compiled: dict[str, tuple[str, _Binder]] = {}
        self._names: tuple[str, ...] | None = None

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        sql, bind = self._compiled.get(conn.dialect.name) or self._compile(conn)
        cursor = conn.connection.cursor()
        try:
            if self._binary and conn.dialect.name == "postgresql":
                cursor.execute(sql, bind(params), binary=True)  # type: ignore[call-arg]
            else:
                cursor.execute(sql, bind(params))
            return list(cursor.fetchall())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _as_sqlalchemy_error(conn, cursor, sql, exc) from exc
        finally:
            with suppress(Exception):  # a cursor of a dead connection
                cursor.close()

    def dicts(self, conn: Connection, **params: Any) -> list[dict[str, Any]]:
        """The rows as dicts keyed by the selected columns' names (labels where given), for
        code that reads rows by name as it reads SQLAlchemy's row mappings."""
        names = self._names
        if names is None:
            names = self._names = tuple(self.statement.selected_columns.keys())  # type: ignore[attr-defined]
        return [dict(zip(names, row, strict=True)) for row in self.rows(conn, **params)]

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
