"""A pooled SQLite backend for ``databases``.

``databases`` 0.9.0 opens a new aiosqlite connection, with a thread of its own, on
every acquire. That loses per-connection settings (busy timeout, foreign keys), makes
``sqlite:///:memory:`` a new empty database each time, and costs a thread start per
statement. This backend keeps the ``databases`` connection and transaction classes but
hands them connections from a small pool that are configured once and reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

import aiosqlite
from databases.backends.sqlite import SQLiteBackend
from databases.core import DatabaseURL

from ._sql import get_query

DEFAULT_BUSY_TIMEOUT = 15.0
DEFAULT_POOL_SIZE = 4


class PooledSQLiteBackend(SQLiteBackend):
    """``databases``' SQLite backend with a connection pool underneath.

    Options: ``busy_timeout`` (seconds a writer waits for a lock before SQLite reports
    "database is locked") and ``max_size`` (connections kept open; 1 for ``:memory:``,
    where every connection would otherwise see a database of its own).
    """

    def __init__(self, database_url: DatabaseURL | str, **options: Any) -> None:
        busy_timeout = float(options.pop("busy_timeout", DEFAULT_BUSY_TIMEOUT))
        max_size = int(options.pop("max_size", DEFAULT_POOL_SIZE))
        super().__init__(database_url, **options)

        path = self._database_url.database or ":memory:"
        if path == ":memory:":
            max_size = 1
        self._pool = SQLiteConnectionPool(path, busy_timeout, max_size)  # type: ignore[assignment]

    async def connect(self) -> None:
        await self._pool.open()  # type: ignore[attr-defined]

    async def disconnect(self) -> None:
        await self._pool.close()  # type: ignore[attr-defined]


class SQLiteConnectionPool:
    """Keeps up to ``max_size`` configured aiosqlite connections open for reuse.

    Every connection runs in autocommit mode (``isolation_level=None``), so
    transactions are explicit ``BEGIN`` statements; rows come back as ``sqlite3.Row``,
    which ``databases``' own record class accepts as well.
    """

    def __init__(self, path: str, busy_timeout: float, max_size: int) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.max_size = max(1, max_size)
        self._idle: list[aiosqlite.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._open = False

    async def open(self) -> None:
        self._slots = asyncio.Semaphore(self.max_size)
        self._open = True
        # Open one connection now, so that a wrong path fails at connect time
        # rather than on the first statement.
        connection = await self.acquire()
        await self.release(connection)

    async def close(self) -> None:
        self._open = False
        idle, self._idle = self._idle, []
        for connection in idle:
            await _close_quietly(connection)

    async def acquire(self) -> aiosqlite.Connection:
        if not self._open or self._slots is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")

        await self._slots.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            return await self._connect()
        except BaseException:
            self._slots.release()
            raise

    async def release(self, connection: aiosqlite.Connection) -> None:
        try:
            # A transaction left open by a cancelled caller must not leak into the
            # next one that takes this connection. aiosqlite still runs a statement
            # whose caller was cancelled (a BEGIN, say), so wait for the worker
            # thread to finish everything queued before reading in_transaction.
            await connection.execute_fetchall(get_query("sqlite", "connection/settle_queue").text)
            if connection.in_transaction:
                await connection.execute_fetchall("ROLLBACK")
        except BaseException:
            await _close_quietly(connection)
            raise
        else:
            if self._open:
                self._idle.append(connection)
            else:
                await _close_quietly(connection)
        finally:
            if self._slots is not None:
                self._slots.release()

    async def _connect(self) -> aiosqlite.Connection:
        connection = aiosqlite.connect(
            self.path,
            isolation_level=None,
            timeout=self.busy_timeout,
            check_same_thread=False,
        )
        _make_worker_thread_daemon(connection)
        await connection
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute_fetchall("PRAGMA foreign_keys = ON")
        except BaseException:
            await _close_quietly(connection)
            raise
        return connection


def _make_worker_thread_daemon(connection: aiosqlite.Connection) -> None:
    # aiosqlite runs each connection in a non-daemon thread. A pooled connection stays
    # open between calls, so an application that never disconnects would hang at
    # interpreter exit while Python waits for those threads. Between calls no
    # transaction is open, so ending the thread with the process loses nothing.
    thread = getattr(connection, "_thread", connection)
    if hasattr(thread, "daemon"):
        thread.daemon = True


async def _close_quietly(connection: aiosqlite.Connection) -> None:
    # The connection is being discarded anyway, so a failure to close it is moot.
    with contextlib.suppress(Exception):
        await connection.close()
