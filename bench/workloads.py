"""The operations measured, each written three ways.

- ``owtt``: the library (async repository, or the blocking ``owtt_async.sponsored``).
- ``raw``: the floor. The same statements, loaded from the library's own ``sql/``
  files with ``owtt_async._sql.get_query``, in the same order, on a pool of the same
  size: asyncpg's pool (prepared statements from its per-connection cache), a small
  aiosqlite pool, or one ``sqlite3`` connection per thread. Rows stay as the driver
  returns them.
- ``connect``: connect-per-call, the original package's way: open a connection, run
  the statements, close it.

Every operation takes a ``Key`` (an existing allowance) and a counter for unique names.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
import asyncpg

import owtt_async
import owtt_async.sponsored as sponsored
from owtt_async._sql import get_query

from .dataset import MODEL_IDS, BenchDatabase, Key

OPERATIONS = ("get by name", "get by id", "list", "create", "update")
POOL_SIZE = {"postgresql": 10, "sqlite": 4}

# PostgreSQL's max_connections (100 by default) is shared with everything else on
# the server, so connect-per-call never holds more than this many at once.
CONNECT_LIMIT = 20

AsyncOp = Callable[[Key], Awaitable[Any]]
SyncOp = Callable[[Key], Any]

_names = itertools.count()


def _new_name() -> str:
    return f"bench-new-{uuid.uuid4().hex[:12]}-{next(_names)}"


def _models(key: Key) -> list[str]:
    start = hash(key.name) % len(MODEL_IDS)
    return [MODEL_IDS[(start + step) % len(MODEL_IDS)] for step in range(3)]


# --- the library -------------------------------------------------------------


def owtt_async_op(repository: owtt_async.SponsoredAllowances, operation: str) -> AsyncOp:
    if operation == "get by name":
        return lambda key: repository.get(name=key.name)
    if operation == "get by id":
        return lambda key: repository.get(id=key.id)
    if operation == "list":
        return lambda key: repository.list()
    if operation == "create":
        return lambda key: repository.create(
            sponsor_id="bench-sponsor",
            name=_new_name(),
            models=_models(key),
            total_credit_limit=5000,
            daily_credit_limit=100,
        )
    return lambda key: repository.update(
        allowance_id=key.id, total_credit_limit=random.randrange(1000, 100_000)
    )


def owtt_blocking_op(url: str, operation: str) -> SyncOp:
    if operation == "get by name":
        return lambda key: sponsored.get_sponsored_allowance(url, name=key.name)
    if operation == "get by id":
        return lambda key: sponsored.get_sponsored_allowance(url, id=key.id)
    if operation == "list":
        return lambda key: sponsored.get_sponsored_allowances(url)
    if operation == "create":
        return lambda key: sponsored.create_sponsored_allowance(
            url, "bench-sponsor", _new_name(), _models(key), 5000, 100
        )
    return lambda key: sponsored.update_sponsored_allowance(
        url, allowance_id=key.id, total_credit_limit=random.randrange(1000, 100_000)
    )


# --- the statements each operation runs, as the library runs them ---------------


def statements(backend: str, operation: str, key: Key) -> list[tuple[str, dict[str, Any]]]:
    """Return the (statement, parameters) pairs the library runs for ``operation``."""
    stored_id: Any = key.stored_id
    if operation == "get by name":
        return [("allowance/select_by_name", {"name": key.name})]
    if operation == "get by id":
        return [("allowance/select_by_id", {"id": stored_id})]
    if operation == "list":
        return [("allowance/list", {})]

    models: Any = _models(key)
    if backend == "sqlite":
        models = f'["{models[0]}", "{models[1]}", "{models[2]}"]'
    if operation == "create":
        new_id: Any = uuid.uuid4()
        new_id = new_id if backend == "postgresql" else new_id.hex
        body = [
            ("allowance/find_unknown_models", {"model_ids": models}),
            (
                "allowance/insert",
                {
                    "id": new_id,
                    "name": _new_name(),
                    "sponsor_id": "bench-sponsor",
                    "total_credit_limit": 5000,
                    "daily_credit_limit": 100,
                },
            ),
            ("allowance/insert_base_models", {"allowance_id": new_id, "model_ids": models}),
        ]
    else:
        body = [
            ("allowance/lock_by_id", {"id": stored_id}),
            ("allowance/select_by_id", {"id": stored_id}),
            (
                "allowance/update",
                {
                    "id": stored_id,
                    "name": key.name,
                    "sponsor_id": "bench-sponsor",
                    "total_credit_limit": random.randrange(1000, 100_000),
                    "daily_credit_limit": 1000,
                },
            ),
        ]
    return [("transaction/begin", {}), *body, ("transaction/commit", {})]


def _postgres_arguments(name: str, parameters: dict[str, Any]) -> tuple[str, list[Any]]:
    query = get_query("postgresql", name)
    return query.text, [parameters[parameter] for parameter in query.parameters]


async def _run_postgres(connection: Any, operation: str, key: Key) -> Any:
    result = None
    for name, parameters in statements("postgresql", operation, key):
        text, arguments = _postgres_arguments(name, parameters)
        result = await connection.fetch(text, *arguments)
    return result


async def _run_aiosqlite(connection: aiosqlite.Connection, operation: str, key: Key) -> Any:
    result = None
    for name, parameters in statements("sqlite", operation, key):
        result = await connection.execute_fetchall(get_query("sqlite", name).text, parameters)
    return result


def _run_sqlite3(connection: sqlite3.Connection, operation: str, key: Key) -> Any:
    result = None
    for name, parameters in statements("sqlite", operation, key):
        result = connection.execute(get_query("sqlite", name).text, parameters).fetchall()
    return result


# --- the floor: raw drivers on a pool ---------------------------------------------


class RawPostgres:
    """asyncpg's own pool, as large as the library's."""

    def __init__(self, bench: BenchDatabase) -> None:
        self.bench = bench
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.bench.raw_url, min_size=1, max_size=POOL_SIZE["postgresql"]
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    def op(self, operation: str) -> AsyncOp:
        async def run(key: Key) -> Any:
            assert self.pool is not None
            async with self.pool.acquire() as connection:
                return await _run_postgres(connection, operation, key)

        return run


class RawAiosqlite:
    """A queue of aiosqlite connections, configured as the library configures its own."""

    def __init__(self, bench: BenchDatabase) -> None:
        self.bench = bench
        self.idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self.connections: list[aiosqlite.Connection] = []

    async def open(self) -> None:
        for _ in range(POOL_SIZE["sqlite"]):
            connection = await open_aiosqlite(self.bench.sqlite_path)
            self.connections.append(connection)
            self.idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()

    def op(self, operation: str) -> AsyncOp:
        async def run(key: Key) -> Any:
            connection = await self.idle.get()
            try:
                return await _run_aiosqlite(connection, operation, key)
            finally:
                self.idle.put_nowait(connection)

        return run


async def open_aiosqlite(path: str) -> aiosqlite.Connection:
    connection = aiosqlite.connect(path, isolation_level=None, timeout=15, check_same_thread=False)
    connection.daemon = True
    await connection
    await connection.execute("PRAGMA foreign_keys = ON")
    return connection


def open_sqlite3(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=15, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


class RawSqlite3:
    """One ``sqlite3`` connection per thread, kept open: the blocking floor."""

    def __init__(self, bench: BenchDatabase) -> None:
        self.bench = bench
        self.local = threading.local()
        self.connections: list[sqlite3.Connection] = []
        self.lock = threading.Lock()

    def close(self) -> None:
        for connection in self.connections:
            connection.close()

    def op(self, operation: str) -> SyncOp:
        def run(key: Key) -> Any:
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = open_sqlite3(self.bench.sqlite_path)
                self.local.connection = connection
                with self.lock:
                    self.connections.append(connection)
            return _run_sqlite3(connection, operation, key)

        return run


# --- connect-per-call ---------------------------------------------------------------


def connect_async_op(bench: BenchDatabase, operation: str) -> AsyncOp:
    """Open a connection, run the operation's statements, close it: in the event loop."""
    if bench.backend == "sqlite":

        async def run_sqlite(key: Key) -> Any:
            connection = await open_aiosqlite(bench.sqlite_path)
            try:
                return await _run_aiosqlite(connection, operation, key)
            finally:
                await connection.close()

        return run_sqlite

    limit = asyncio.Semaphore(CONNECT_LIMIT)

    async def run_postgres(key: Key) -> Any:
        async with limit:
            connection = await asyncpg.connect(bench.raw_url)
            try:
                return await _run_postgres(connection, operation, key)
            finally:
                await connection.close()

    return run_postgres


def connect_blocking_op(bench: BenchDatabase, operation: str) -> SyncOp:
    """Connect-per-call from threads: ``sqlite3``, or asyncpg on a loop per thread."""
    if bench.backend == "sqlite":

        def run_sqlite(key: Key) -> Any:
            connection = open_sqlite3(bench.sqlite_path)
            try:
                return _run_sqlite3(connection, operation, key)
            finally:
                connection.close()

        return run_sqlite

    local = threading.local()
    loops: list[asyncio.AbstractEventLoop] = []

    async def run_once(key: Key) -> Any:
        connection = await asyncpg.connect(bench.raw_url)
        try:
            return await _run_postgres(connection, operation, key)
        finally:
            await connection.close()

    def run_postgres(key: Key) -> Any:
        loop = getattr(local, "loop", None)
        if loop is None:
            loop = local.loop = asyncio.new_event_loop()
            loops.append(loop)
        return loop.run_until_complete(run_once(key))

    def close_loops() -> None:
        for loop in loops:
            loop.close()

    run_postgres.cleanup = close_loops  # type: ignore[attr-defined]
    return run_postgres


# --- the floor for the blocking API: raw driver calls on a loop thread --------------


class LoopThreadFloor:
    """The raw pool, driven from other threads through an event loop thread of its own.

    The blocking API hands each call to a background event loop and waits for it;
    this is the same hand-off with nothing of the library in it, so it shows what
    that thread hop alone costs on top of the raw driver.
    """

    def __init__(self, bench: BenchDatabase) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.raw: RawPostgres | RawAiosqlite = (
            RawPostgres(bench) if bench.backend == "postgresql" else RawAiosqlite(bench)
        )
        self._call(self.raw.open())

    def _call(self, coroutine: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()  # type: ignore[arg-type]

    def close(self) -> None:
        self._call(self.raw.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def op(self, operation: str) -> SyncOp:
        run = self.raw.op(operation)
        return lambda key: self._call(run(key))
