"""Dropped connections, dead servers and cancelled calls.

PostgreSQL faults are real: ``pg_terminate_backend`` from an administrator's
connection, while the library's connection sits idle or waits on a lock that the test
holds. On both backends, ``inject_fault`` breaks a call at each of its statements in
turn, by cancelling the task or closing its connection. The tests then check that the
call was applied whole or not at all, and that the pool still serves the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

import owtt_async
import owtt_async.sponsored as sp
from owtt_async import SponsoredAllowances
from owtt_async._session import Session

from .conftest import create_postgres_database, drop_postgres_database, seed_pricing, table_snapshot
from .consistency import violations

PASSWORD = "s3cret-pw"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated, priced PostgreSQL database; the faults below need a real server."""
    name, url = create_postgres_database()
    try:
        owtt_async.migrate_database(url)
        seed_pricing(url)
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture
async def admin(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(postgres_url)
    try:
        yield connection
    finally:
        await connection.close()


async def terminate_others(admin: asyncpg.Connection) -> int:
    """Terminate every other session on the admin's database; return how many."""
    return int(
        await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )


async def wait_for_lock_waiter(admin: asyncpg.Connection) -> int:
    """Return the pid of the session that waits on a lock, once there is one."""
    for _ in range(500):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.02)
    raise AssertionError("no session started waiting on the lock")


async def make(allowances: SponsoredAllowances, name: str, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "sponsor_id": "sponsor",
        "name": name,
        "models": ["gpt-4o", "mistral-small"],
        "total_credit_limit": 100,
        "daily_credit_limit": 10,
    }
    arguments.update(overrides)
    return await allowances.create(**arguments)


# --- Connections dropped by the server ----------------------------------------------


async def test_idle_connections_dropped_async(postgres_url: str, admin: asyncpg.Connection) -> None:
    database = owtt_async.Database(postgres_url, min_size=2)
    await database.connect()
    allowances = SponsoredAllowances(database)
    try:
        created = await make(allowances, "kept")
        assert await terminate_others(admin) >= 1

        assert await allowances.get(name="kept") == created
        assert [allowance["name"] for allowance in await allowances.list()] == ["kept"]

        # A write is not repeated: unless the pool noticed the drop first, it fails
        # clearly, before writing anything, and the pool then recovers.
        before = await allowances.list()
        assert await terminate_others(admin) >= 1
        try:
            await make(allowances, "written after the drop")
        except owtt_async.ConnectionLostError as error:
            assert "127.0.0.1:5432" in str(error)
            assert await allowances.list() == before
            await make(allowances, "written after the drop")
        assert await violations(database) == []
    finally:
        await database.disconnect()


async def test_idle_connections_dropped_blocking(
    postgres_url: str, admin: asyncpg.Connection
) -> None:
    created = sp.create_sponsored_allowance(postgres_url, "s", "kept", ["gpt-4o"], 5, None)
    assert await terminate_others(admin) >= 1

    assert sp.get_sponsored_allowance(postgres_url, name="kept") == created

    assert await terminate_others(admin) >= 1
    assert sp.get_sponsored_allowances(postgres_url) == [created]
    sp.update_sponsored_allowance(postgres_url, name="kept", total_credit_limit=6)
    assert sp.get_sponsored_allowance(postgres_url, name="kept")["total_credit_limit"] == 6


# --- A connection that dies in the middle of a write --------------------------------


async def test_update_killed_mid_write(postgres_url: str, admin: asyncpg.Connection) -> None:
    database = owtt_async.Database(postgres_url)
    await database.connect()
    allowances = SponsoredAllowances(database)
    try:
        original = await make(allowances, "original")
        before = await table_snapshot(database)

        # An uncommitted allowance named "taken" makes the rename wait on the unique
        # index after the update has already replaced the base model rows.
        blocker = admin.transaction()
        await blocker.start()
        await admin.execute(
            "INSERT INTO token_tracking_sponsored_allowance (id, name, total_credit_limit)"
            " VALUES (gen_random_uuid(), 'taken', 1)"
        )
        update = asyncio.ensure_future(
            allowances.update(name="original", new_name="taken", models=["claude-3-5-sonnet"])
        )
        writer = await wait_for_lock_waiter(admin)
        await admin.fetchval("SELECT pg_terminate_backend($1)", writer)

        with pytest.raises(owtt_async.ConnectionLostError, match=r"127\.0\.0\.1"):
            await update
        await blocker.rollback()

        assert await table_snapshot(database) == before
        assert await allowances.get(name="original") == original
        await allowances.update(name="original", new_name="renamed")
        assert await violations(database) == []
    finally:
        await database.disconnect()


async def test_create_killed_mid_write(postgres_url: str, admin: asyncpg.Connection) -> None:
    database = owtt_async.Database(postgres_url)
    await database.connect()
    allowances = SponsoredAllowances(database)
    try:
        before = await table_snapshot(database)

        # A locked pricing row makes the base model insert wait on its foreign key
        # check, after the allowance row itself was inserted.
        blocker = admin.transaction()
        await blocker.start()
        await admin.execute(
            "SELECT 1 FROM token_tracking_model_pricing WHERE id = 'gpt-4o' FOR UPDATE"
        )
        create = asyncio.ensure_future(make(allowances, "half"))
        writer = await wait_for_lock_waiter(admin)
        await admin.fetchval("SELECT pg_terminate_backend($1)", writer)

        with pytest.raises(owtt_async.ConnectionLostError):
            await create
        await blocker.rollback()

        assert await table_snapshot(database) == before
        assert (await make(allowances, "half"))["name"] == "half"
        assert await violations(database) == []
    finally:
        await database.disconnect()


async def test_disconnect_bounded_with_write_stuck(
    postgres_url: str, admin: asyncpg.Connection
) -> None:
    database = owtt_async.Database(postgres_url)
    await database.connect()
    allowances = SponsoredAllowances(database)
    await make(allowances, "locked")
    before = await table_snapshot(database)

    blocker = admin.transaction()
    await blocker.start()
    await admin.execute("SELECT 1 FROM token_tracking_sponsored_allowance FOR UPDATE")
    update = asyncio.ensure_future(allowances.update(name="locked", total_credit_limit=1))
    await wait_for_lock_waiter(admin)

    # The stuck write keeps its connection, so a graceful close would wait for good.
    await database.disconnect(timeout=0.5)
    assert not database.is_connected
    with pytest.raises(owtt_async.ConnectionLostError):
        await update
    await blocker.rollback()

    await database.connect()
    try:
        assert await table_snapshot(database) == before
        await allowances.update(name="locked", total_credit_limit=2)
    finally:
        await database.disconnect()


# --- Faults injected at every statement of a write, on both backends ----------------


@contextlib.contextmanager
def inject_fault(monkeypatch: pytest.MonkeyPatch, at: int, mode: str) -> Iterator[list[str]]:
    """Break the ``at``-th statement the library runs (counting from 1).

    ``cancel`` cancels the task before the statement starts, ``cancel_in_flight``
    once it is under way, and ``close`` closes the connection under it. The list
    yielded collects the names of the statements run.
    """
    original = Session.fetch_all
    statements: list[str] = []

    async def fetch_all(session: Session, statement: str, /, **parameters: Any) -> Any:
        statements.append(statement)
        if len(statements) == at:
            task = asyncio.current_task()
            assert task is not None
            if mode == "cancel":
                task.cancel()
            elif mode == "cancel_in_flight":
                asyncio.get_running_loop().call_soon(task.cancel)
            elif session.dialect == "postgresql":
                session._raw.terminate()
            else:
                await session._raw.close()
        return await original(session, statement, **parameters)

    monkeypatch.setattr(Session, "fetch_all", fetch_all)
    try:
        yield statements
    finally:
        monkeypatch.setattr(Session, "fetch_all", original)


async def reset(allowances: SponsoredAllowances) -> None:
    for allowance in await allowances.list():
        await allowances.delete(allowance_id=allowance["id"])
    await make(allowances, "base")
    await make(allowances, "victim", models=["gpt-4o-mini"])


WRITES = {
    "create": lambda allowances: make(allowances, "new", models=["gpt-4o", "claude-3-5-sonnet"]),
    "update": lambda allowances: allowances.update(
        name="base",
        new_name="rebased",
        models=["mistral-small"],
        total_credit_limit=7,
        daily_credit_limit=owtt_async.NO_DAILY_LIMIT,
    ),
    "delete": lambda allowances: allowances.delete(name="victim"),
}


def applied_whole(operation: str, listed: list[dict[str, Any]]) -> bool:
    by_name = {allowance["name"]: allowance for allowance in listed}
    if operation == "create":
        return by_name.get("new", {}).get("base_models") == ["claude-3-5-sonnet", "gpt-4o"]
    if operation == "update":
        rebased = by_name.get("rebased", {})
        return (
            "base" not in by_name
            and rebased.get("base_models") == ["mistral-small"]
            and rebased.get("total_credit_limit") == 7
            and rebased.get("daily_credit_limit") is None
        )
    return "victim" not in by_name


@pytest.mark.parametrize("operation", sorted(WRITES))
async def test_fault_at_every_statement(
    operation: str,
    allowances: SponsoredAllowances,
    database: owtt_async.Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await reset(allowances)
    with inject_fault(monkeypatch, at=0, mode="none") as statements:
        await WRITES[operation](allowances)
    statement_count = len(statements)
    assert statement_count >= 3

    faults = 0
    for at in range(1, statement_count + 1):
        for mode in ("cancel", "cancel_in_flight", "close"):
            await reset(allowances)
            before = await table_snapshot(database)

            with inject_fault(monkeypatch, at, mode):
                try:
                    await WRITES[operation](allowances)
                except asyncio.CancelledError:
                    assert mode.startswith("cancel")
                except owtt_async.ConnectionLostError as error:
                    assert mode == "close"
                    assert str(error)
            faults += 1

            case = f"{operation}: {mode} at statement {at} ({statements[at - 1]})"
            assert await violations(database) == [], case
            unchanged = await table_snapshot(database) == before
            assert unchanged or applied_whole(operation, await allowances.list()), case

    assert faults == statement_count * 3
    # A connection left inside a transaction makes asyncpg log an error on release.
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    ] == []
    await reset(allowances)
    await WRITES[operation](allowances)
    assert applied_whole(operation, await allowances.list())


async def test_timeouts_leave_writes_whole(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    for step in range(12):
        await reset(allowances)
        before = await table_snapshot(database)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(WRITES["update"](allowances), timeout=step * 0.001)

        assert await violations(database) == []
        unchanged = await table_snapshot(database) == before
        assert unchanged or applied_whole("update", await allowances.list())

    # The pool is healthy: each of its connections serves calls, and it closes.
    await asyncio.gather(*(allowances.list() for _ in range(20)))
    await make(allowances, "after timeouts")
    await asyncio.wait_for(database.disconnect(), timeout=30)


# --- A server that cannot be reached -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_clear_unreachable(error: BaseException, port: int) -> None:
    text = "".join(traceback.format_exception(error))
    assert f"127.0.0.1:{port}" in str(error)
    assert PASSWORD not in text


async def test_refused_connection_is_clear() -> None:
    port = free_port()
    url = f"postgresql://owtt:{PASSWORD}@127.0.0.1:{port}/nowhere"

    database = owtt_async.Database(url)
    with pytest.raises(owtt_async.DatabaseUnavailableError) as raised:
        await database.connect()
    assert_clear_unreachable(raised.value, port)
    assert "refused" in str(raised.value)

    with pytest.raises(owtt_async.DatabaseUnavailableError) as raised:
        sp.get_sponsored_allowances(url)
    assert_clear_unreachable(raised.value, port)


# Both attempts together take about a second with the URL's connect_timeout; the
# default of 10 s each would exceed this bound.
@pytest.mark.timeout(8)
async def test_silent_server_times_out() -> None:
    # A socket that accepts connections but never responds, like a hung server.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        url = f"postgresql://owtt:{PASSWORD}@127.0.0.1:{port}/nowhere?connect_timeout=0.5"

        database = owtt_async.Database(url)
        with pytest.raises(owtt_async.DatabaseTimeoutError) as raised:
            await database.connect()
        assert_clear_unreachable(raised.value, port)

        with pytest.raises(owtt_async.DatabaseTimeoutError) as raised:
            sp.get_sponsored_allowances(url)
        assert_clear_unreachable(raised.value, port)


# --- SQLite in memory ----------------------------------------------------------------


async def test_memory_sqlite_is_one_database() -> None:
    database = owtt_async.Database("sqlite:///:memory:")
    await database.connect()
    try:
        await owtt_async.migrate(database)
        await owtt_async.ModelPricing(database).upsert(
            model_id="gpt-4o",
            provider="openai",
            name="GPT-4o",
            input_cost_credits=1,
            per_input_tokens=1,
            output_cost_credits=1,
            per_output_tokens=1,
        )
        allowances = SponsoredAllowances(database)
        created = await asyncio.gather(
            *(make(allowances, f"memory {index}", models=["gpt-4o"]) for index in range(10))
        )
        found = await asyncio.gather(
            *(allowances.get(name=f"memory {index}") for index in range(10))
        )
        assert found == created
    finally:
        await database.disconnect()


def test_memory_sqlite_blocking() -> None:
    url = "sqlite:///:memory:"
    try:
        owtt_async.migrate_database(url)
        seed_pricing(url)
        created = sp.create_sponsored_allowance(url, "s", "memory", ["gpt-4o"], 5, None)
        assert sp.get_sponsored_allowance(url, name="memory") == created
        assert sp.get_sponsored_allowances(url) == [created]
    finally:
        owtt_async.close_pools()


async def test_cancel_while_waiting_for_lock(
    allowances: SponsoredAllowances, database: owtt_async.Database, backend: str, tmp_path: Any
) -> None:
    await reset(allowances)
    before = await table_snapshot(database)
    release_lock = await hold_write_lock(database, backend)
    try:
        update = asyncio.ensure_future(WRITES["update"](allowances))
        await asyncio.sleep(0.3)
        update.cancel()

        # The cancellation must end the call while the lock is still held: a write
        # that waited for the lock first would keep a timeout from firing for as
        # long as another transaction holds it (SQLite: up to the busy timeout).
        done, _ = await asyncio.wait([update], timeout=5)
        assert update in done
        assert update.cancelled()
    finally:
        await release_lock()

    await asyncio.gather(*(allowances.list() for _ in range(8)))
    assert await table_snapshot(database) == before
    await WRITES["update"](allowances)
    assert applied_whole("update", await allowances.list())


async def hold_write_lock(database: owtt_async.Database, backend: str) -> Any:
    """Lock the allowance table from a connection of the test's own; return the release."""
    if backend == "sqlite":
        import sqlite3

        holder = sqlite3.connect(database.target.sqlite_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        async def release_sqlite() -> None:
            holder.execute("ROLLBACK")
            holder.close()

        return release_sqlite

    admin = await asyncpg.connect(database.target.url)
    blocker = admin.transaction()
    await blocker.start()
    await admin.execute("SELECT 1 FROM token_tracking_sponsored_allowance FOR UPDATE")

    async def release_postgresql() -> None:
        await blocker.rollback()
        await admin.close()

    return release_postgresql
