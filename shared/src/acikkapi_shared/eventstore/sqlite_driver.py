"""SQLAlchemy's aiosqlite dialect with at most one thread hop per statement instead of four.

aiosqlite runs every call on the connection's own thread: SQLAlchemy's adapter makes four calls per
statement (open a cursor, execute, fetch, close), each a round trip through a queue, a future and
the event loop's wake-up pipe, and each a hand-over of the GIL. Those round trips, not SQLite, were a
large part of the services' CPU per application (bench/pipeline_cpu.py). Here a statement's four
steps run together in one function on that thread; everything else (transactions, errors, the
pool) is SQLAlchemy's aiosqlite dialect unchanged. `create_engine` turns `sqlite+aiosqlite` URLs
into this dialect.

Small statements inside a transaction already begun run on the event loop's own thread, with no hop
at all (`_inline`): they wait for no lock (a writer's BEGIN IMMEDIATE has taken it, and WAL readers
never wait), and at a few hundred microseconds each they cost less than the hop, which under load
also waits for the loop's turn. A transaction's first statement (it carries the BEGIN, which may wait
for the write lock), commits (a checkpoint may run in them), statements without bound values (a
count of a whole table) and large ones keep to the connection's thread, so the loop is never held
long.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

DRIVER = "acikkapi_aiosqlite"

Outcome = tuple[Any, list[Any] | None, int, int | None]


# A statement bound to this many values or fewer is small enough to run on the event loop's thread
# (a group of Open311 POSTs' multi-row inserts: a few hundred; 2,000 values take ~1-2 ms).
INLINE_MOST = 2000
_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN EXCLUSIVE"})


def _run(
    connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> Outcome:
    # On the connection's thread (or the loop's, for a small one: _inline): the transaction's BEGIN if
    # it waits, then the whole statement, its rows and its counts at once.
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _inline(begin: str | None, parameters: Any, many: bool) -> bool:
    """Returns whether a statement runs on the event loop's own thread: inside a transaction already
    begun (it holds what it needs: a writer its lock, a reader its snapshot; BEGIN IMMEDIATE waits for
    the lock on the connection's thread) and bound to at least one and at most INLINE_MOST values."""
    if begin is not None or not parameters:
        return False  # a statement without bound values may be a scan of a whole table (a count)
    if many:
        return len(parameters) * len(parameters[0]) <= INLINE_MOST
    return len(parameters) <= INLINE_MOST


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements each run in one call on the connection's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # made and closed on the thread per statement
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return  # nothing is open between statements

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: Any = self._adapt_connection
        if not many and not parameters and operation in _BEGINS:
            # Sent with the transaction's first statement (one round trip less); a commit or
            # rollback before any statement has nothing to end.
            adapted.begin_pending = operation
            self._description, self._rows, self._rowcount, self._lastrowid = (
                None,
                collections.deque(),
                -1,
                None,
            )
            return
        connection: Any = self._connection
        async with adapted._execute_mutex:
            begin, adapted.begin_pending = adapted.begin_pending, None
            if _inline(begin, parameters, many):
                description, rows, rowcount, lastrowid = _run(
                    connection._conn, None, operation, parameters, many
                )
            else:
                description, rows, rowcount, lastrowid = await connection._execute(
                    _run, connection._conn, begin, operation, parameters, many
                )
        self._description = description
        self._rows = collections.deque(rows or ())
        self._rowcount = rowcount
        self._lastrowid = lastrowid


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("begin_pending",)
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass; mypy checks it as exact

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_pending: str | None = None  # a BEGIN not yet sent: it goes with the next statement

    def commit(self) -> None:
        if self.begin_pending is not None:
            self.begin_pending = None  # no statement ran: no transaction to commit
            return
        super().commit()

    def rollback(self) -> None:
        if self.begin_pending is not None:
            self.begin_pending = None
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator = kw.pop("async_creator_fn", None)
        kw["check_same_thread"] = False  # small statements run on the event loop's thread (_inline)
        connection = creator(*arg, **kw) if creator else self.aiosqlite.connect(*arg, **kw)
        if creator is None:
            connection._thread.daemon = True  # as SQLAlchemy's dialect does: never blocks the exit
        return OneHopConnection(self, await_(connection))


class OneHopSQLiteDialect(SQLiteDialect_aiosqlite):
    """aiosqlite, one thread hop per statement."""

    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopSQLiteDialect")
