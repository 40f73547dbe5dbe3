"""Run owtt_async's statements on a connection that ``databases`` hands out.

``databases`` stays the connection layer: its pool, its one-connection-per-task rule,
and the transactions an application opens with it. Statements, though, go straight
to the driver connection it lends (``Connection.raw_connection``), already in the
driver's parameter style. That skips the SQLAlchemy ``text()`` compilation that
``databases`` performs on every call, and lets asyncpg keep each statement prepared
in its per-connection statement cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import databases
import databases.core

from ._errors import (
    ConnectionLostError,
    DatabaseTimeoutError,
    DatabaseUnavailableError,
    SqlFileError,
)
from ._sql import get_query
from ._translate import translate, translate_statement_error
from ._urls import DatabaseTarget, parse_database_url

logger = logging.getLogger("owtt_async")

# The pool size asyncpg uses, and databases 0.9.0 passes on, when none is given.
ASYNCPG_DEFAULT_MAX_SIZE = 10

# How often a write that the server aborted as a deadlock (40P01) or a
# serialization failure (40001) is attempted in all.
WRITE_ATTEMPTS = 5
_RETRYABLE_SQLSTATES = {"40P01", "40001"}

Row = Mapping[str, Any]
T = TypeVar("T")


class Session:
    """A pooled connection plus the statements and value formats of its dialect."""

    def __init__(self, raw_connection: Any, target: DatabaseTarget) -> None:
        self.target = target
        self.dialect = target.dialect
        self._raw = raw_connection
        self._transaction_depth = 0
        # True when the pool rolls back what a cancelled call leaves behind, as
        # owtt_async's SQLite pool does once aiosqlite's thread is done.
        self.settled_by_pool = False

    async def fetch_all(self, statement: str, /, **parameters: Any) -> Sequence[Row]:
        query = get_query(self.dialect, statement)
        _check_parameters(query.name, query.parameters, parameters)
        # The statement name only: parameter values may be personal data.
        logger.debug("running %s on %s", query.name, self.target.display)

        try:
            if self.dialect == "postgresql":
                arguments = [parameters[parameter] for parameter in query.parameters]
                running = self._raw.fetch(query.text, *arguments)
            else:
                running = self._raw.execute_fetchall(query.text, parameters)
            return list(await running)
        except asyncio.CancelledError:
            if self._transaction_depth:
                self._abandon_transaction()
            raise
        except Exception as error:
            raise translate_statement_error(
                error, self.target, connection_closed=self.is_closed()
            ) from error

    async def fetch_one(self, statement: str, /, **parameters: Any) -> Row | None:
        rows = await self.fetch_all(statement, **parameters)
        return rows[0] if rows else None

    async def execute(self, statement: str, /, **parameters: Any) -> None:
        await self.fetch_all(statement, **parameters)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """Run the block in a transaction: all of its statements apply, or none.

        Inside a transaction the caller's task already has open on this connection,
        the block runs in a savepoint instead, and commits with the caller's.
        """
        nested = self.in_transaction()
        self._transaction_depth += 1
        try:
            try:
                # BEGIN belongs inside: a cancellation raised as it completes must
                # still roll back the transaction it opened.
                await self.execute("transaction/savepoint" if nested else "transaction/begin")
                yield self
            except BaseException as error:
                if self._needs_rollback(nested, error):
                    await self._roll_back(nested)
                raise
            if nested:
                await self.execute("transaction/release_savepoint")
            else:
                await self.execute("transaction/commit")
        finally:
            self._transaction_depth -= 1

    def is_closed(self) -> bool:
        """Return True once the driver connection is closed, by either side."""
        if self.dialect == "postgresql":
            try:
                return bool(self._raw.is_closed())
            except asyncpg.InterfaceError:
                # asyncpg's pool detaches the proxy it lent once the connection
                # under it is lost, and the proxy then raises on every call.
                return True
        # aiosqlite 0.22 drops its sqlite3 connection, the private _connection,
        # on close, and has no public flag for that.
        return getattr(self._raw, "_connection", None) is None

    def in_transaction(self) -> bool:
        # A lost connection has no transaction left, and asking its driver object
        # raises instead (asyncpg's detached pool proxy, a closed aiosqlite one).
        if self.is_closed():
            return False
        if self.dialect == "postgresql":
            return bool(self._raw.is_in_transaction())
        return bool(self._raw.in_transaction)

    def uuid_value(self, value: uuid.UUID) -> Any:
        """Return ``value`` as the column stores it.

        That is a native UUID on PostgreSQL and 32 hex digits on SQLite.
        """
        return value if self.dialect == "postgresql" else value.hex

    def string_list_value(self, values: Sequence[str]) -> Any:
        """Return a list parameter: an array on PostgreSQL, a JSON array for SQLite's json_each."""
        if self.dialect == "postgresql":
            return list(values)
        return json.dumps(list(values))

    def _abandon_transaction(self) -> None:
        # A cancelled statement can be waiting for a lock, for as long as another
        # transaction holds it, so the cancellation must not wait for it to finish.
        # On PostgreSQL, closing the connection ends the statement, and the server
        # rolls the transaction back. The pool replaces the connection, so asyncpg
        # has no half-cancelled statement to clean up. aiosqlite's thread cannot be
        # stopped, so owtt_async's SQLite pool rolls back once it has finished.
        if self.dialect == "postgresql":
            with contextlib.suppress(asyncpg.InterfaceError):
                self._raw.terminate()

    def _needs_rollback(self, nested: bool, error: BaseException) -> bool:
        if isinstance(error, asyncio.CancelledError) and self.settled_by_pool:
            return False
        return nested or self.in_transaction()

    async def _roll_back(self, nested: bool) -> None:
        # The block already failed; a rollback that fails too (the connection broke)
        # must not hide that first error. The pool discards a broken connection.
        try:
            if nested:
                await self.execute("transaction/rollback_to_savepoint")
                await self.execute("transaction/release_savepoint")
            else:
                await self.execute("transaction/rollback")
        except Exception as error:
            logger.warning(
                "rollback on %s failed: %s", self.target.display, type(error).__name__
            )


def _check_parameters(name: str, expected: Sequence[str], given: Mapping[str, Any]) -> None:
    if len(expected) != len(given) or not all(parameter in given for parameter in expected):
        raise SqlFileError(
            f"statement {name!r} takes parameters {sorted(expected)}, "
            f"but was given {sorted(given)}"
        )


def target_of(database: databases.Database) -> DatabaseTarget:
    """Return the checked URL of a ``databases.Database``, ours or a plain one."""
    target = getattr(database, "target", None)
    if isinstance(target, DatabaseTarget):
        return target
    return parse_database_url(str(database.url))


@asynccontextmanager
async def open_session(
    database: databases.Database, target: DatabaseTarget
) -> AsyncIterator[Session]:
    """Lend the calling task's connection as a Session; driver errors leave translated."""
    if not database.is_connected:
        raise DatabaseUnavailableError(
            f"the database {target.display} is not connected: call "
            "'await database.connect()' first, for example in the application's startup"
        )

    try:
        async with _lent_connection(database) as connection:
            raw = connection.raw_connection
            session = Session(raw, target)
            pooled = getattr(database, "pooled", False)
            session.settled_by_pool = session.dialect == "sqlite" and pooled
            if session.dialect == "sqlite" and not pooled:
                async with _configured_plain_sqlite(session, raw):
                    yield session
            else:
                yield session
    except Exception as error:
        translated = translate(error, target)
        if translated is error:
            raise
        raise translated from error


@asynccontextmanager
async def _lent_connection(database: databases.Database) -> AsyncIterator[Any]:
    """Lend a connection, with its ``raw_connection``, for the length of one call.

    A task that already has a ``databases`` connection (inside
    ``database.transaction()`` or ``database.connection()``) gets that one, so that
    the call joins its transaction. Any other call takes a connection straight from
    the backend's pool. ``databases``' per-task ``Connection`` (three asyncio locks
    and a task map entry) would serve no one else there, and it cost about 15% of
    the throughput of a get by name from 100 coroutines on PostgreSQL (measured
    with bench/).
    """
    # databases 0.9.0 keeps the force_rollback connection in _global_connection and
    # each task's connection in _connection_map; the version is pinned.
    task = asyncio.current_task()
    task_connection = database._global_connection
    if task_connection is None and task is not None:
        task_connection = database._connection_map.get(task)
    if task_connection is not None:
        async with _task_connection(database) as connection:
            yield connection
        return

    backend_connection = database._backend.connection()
    await backend_connection.acquire()
    try:
        yield backend_connection
    finally:
        try:
            await backend_connection.release()
        except Exception:
            # disconnect() terminated the pool under this call, past its timeout;
            # the call's own outcome is what to report.
            if database.is_connected:
                raise


@asynccontextmanager
async def _task_connection(
    database: databases.Database,
) -> AsyncIterator[databases.core.Connection]:
    """Enter the task's ``databases`` connection, and forget it if its release fails.

    databases 0.9.0 keeps the connection of each task in a map until its release
    succeeds. A release that raised or was cancelled would leave the task holding a
    connection that fails every later call with "Connection is already acquired".
    """
    connection = database.connection()
    body_errors: list[BaseException] = []
    try:
        async with connection:
            try:
                yield connection
            except BaseException as error:
                body_errors.append(error)
                raise
    except Exception as error:
        if error in body_errors or database.is_connected:
            raise
        # The release failed because the pool was terminated under this call, as
        # disconnect() does past its timeout ("DatabaseBackend is not running" from
        # databases). The call's own outcome is what to report.
        if body_errors:
            raise body_errors[0] from body_errors[0].__cause__
    finally:
        released = connection._connection_counter == 0
        if released and database._connection is connection:
            database._connection = None


@asynccontextmanager
async def _configured_plain_sqlite(session: Session, raw: Any) -> AsyncIterator[None]:
    # A plain databases.Database opens a fresh aiosqlite connection per acquire,
    # without a busy timeout and with foreign keys off, and its rows are tuples.
    # Configure it for this call and put the row factory back afterwards.
    previous_factory = raw.row_factory
    raw.row_factory = sqlite3.Row
    try:
        await session.execute("connection/set_busy_timeout")
        if not session.in_transaction():
            await session.execute("connection/configure")
        yield
    finally:
        raw.row_factory = previous_factory


async def read_with_retry(
    database: databases.Database,
    target: DatabaseTarget,
    read: Callable[[Session], Awaitable[T]],
) -> T:
    """Run a read-only call, again on another connection while the one used broke.

    A read is safe to repeat. When the server dropped the pool's idle connections (a
    restart, pg_terminate_backend), every one of them can be broken, and each failed
    attempt makes the pool discard one, so the attempts are bounded by the pool size.
    """
    attempts = _pool_size(database) + 1
    for attempt in range(1, attempts + 1):
        try:
            async with open_session(database, target) as session:
                return await read(session)
        except ConnectionLostError:
            if attempt == attempts:
                raise
            logger.info(
                "connection to %s was lost; retrying the read (attempt %d of %d)",
                target.display,
                attempt + 1,
                attempts,
            )
    raise AssertionError("unreachable: the last attempt returns or raises")


async def write_with_retry(
    database: databases.Database,
    target: DatabaseTarget,
    write: Callable[[Session], Awaitable[T]],
) -> T:
    """Run ``write`` in a transaction, again when the server aborted it as a deadlock.

    Writes that lock several rows (an allowance and the one whose name a rename
    takes, say) can deadlock with each other on PostgreSQL, which then rolls one
    of them back whole: repeating it is safe. Inside a transaction of the caller's,
    the caller's transaction is lost too, so the error is raised instead.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        async with open_session(database, target) as session:
            joins_caller = session.in_transaction()
            try:
                async with session.transaction():
                    return await write(session)
            except DatabaseTimeoutError as error:
                retry = not joins_caller and error.sqlstate in _RETRYABLE_SQLSTATES
                if not retry or attempt == WRITE_ATTEMPTS:
                    raise
                logger.info(
                    "%s aborted a write (SQLSTATE %s); retrying it (attempt %d of %d)",
                    target.display,
                    error.sqlstate,
                    attempt + 1,
                    WRITE_ATTEMPTS,
                )
    raise AssertionError("unreachable: the last attempt returns or raises")


def _pool_size(database: databases.Database) -> int:
    size = database.options.get("max_size") or database.url.options.get("max_size")
    return int(size) if size else ASYNCPG_DEFAULT_MAX_SIZE
