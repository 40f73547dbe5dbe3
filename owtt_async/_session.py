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
import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import databases

from ._errors import ConnectionLostError, DatabaseUnavailableError, SqlFileError
from ._sql import get_query
from ._translate import translate
from ._urls import DatabaseTarget, parse_database_url

logger = logging.getLogger("owtt_async")

Row = Mapping[str, Any]
T = TypeVar("T")


class Session:
    """A pooled connection plus the statements and value formats of its dialect."""

    def __init__(self, raw_connection: Any, target: DatabaseTarget) -> None:
        self.target = target
        self.dialect = target.dialect
        self._raw = raw_connection
        self._transaction_depth = 0

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
            if self._transaction_depth:
                return list(await _finish_despite_cancellation(running))
            return list(await running)
        except Exception as error:
            translated = translate(error, self.target)
            if translated is error:
                raise
            raise translated from error

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
            except BaseException:
                if nested or self.in_transaction():
                    await self._roll_back(nested)
                raise
            if nested:
                await self.execute("transaction/release_savepoint")
            else:
                await self.execute("transaction/commit")
        finally:
            self._transaction_depth -= 1

    def in_transaction(self) -> bool:
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


async def _finish_despite_cancellation(statement: Awaitable[T]) -> T:
    """Await a statement inside a transaction, letting a cancellation wait for it.

    Cancelling asyncpg in the middle of a statement leaves the connection busy with
    the server's cancel request, so the ROLLBACK that follows fails and the pool
    has to reset the connection. Letting the statement finish first keeps the
    connection usable for the rollback; the cancellation is raised right after.
    """
    task = asyncio.ensure_future(statement)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # retrieved here, so asyncio does not report it as lost
        raise


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
            if session.dialect == "sqlite" and not getattr(database, "pooled", False):
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
        async with database.connection() as connection:
            yield connection
        return

    backend_connection = database._backend.connection()
    await backend_connection.acquire()
    try:
        yield backend_connection
    finally:
        await backend_connection.release()


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
    """Run a read-only call, once more on a fresh connection if the first one broke.

    A read is safe to repeat, so a pooled connection that the server dropped while
    it sat idle (a restart, pg_terminate_backend) costs a retry instead of an error.
    """
    try:
        async with open_session(database, target) as session:
            return await read(session)
    except ConnectionLostError:
        logger.info("connection to %s was lost; retrying the read once", target.display)
        async with open_session(database, target) as session:
            return await read(session)
