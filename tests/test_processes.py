"""Several processes on one database, and SQLite writers waiting for each other."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import owtt_async
import owtt_async.sponsored as sp
from owtt_async import SponsoredAllowances

from .conftest import seed_pricing, table_snapshot
from .consistency import OutcomeLog, check_outcomes, violations_at

PROCESSES = 4
CALLS_PER_PROCESS = 100
ROOT = Path(__file__).resolve().parent.parent


def test_processes_share_database(database_url: str) -> None:
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.workload",
                database_url,
                str(seed),
                str(CALLS_PER_PROCESS),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(PROCESSES)
    ]
    log = OutcomeLog()
    for worker in workers:
        output, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
        log.merge(OutcomeLog.from_dict(json.loads(output)))

    # Every "database is locked" would be an unexpected DatabaseTimeoutError here:
    # under this ordinary contention SQLite writers must wait, not fail.
    assert log.operations == PROCESSES * CALLS_PER_PROCESS
    assert violations_at(database_url) == []
    check_outcomes(log, sp.get_sponsored_allowances(database_url))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    owtt_async.migrate_database(url)
    seed_pricing(url)
    yield url
    owtt_async.close_pools()


def hold_write_lock(url: str) -> sqlite3.Connection:
    """Take SQLite's write lock from another connection, as a second process would."""
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


async def test_sqlite_writer_waits_for_lock(sqlite_url: str) -> None:
    database = owtt_async.Database(sqlite_url)
    await database.connect()
    holder = hold_write_lock(sqlite_url)
    try:
        create = asyncio.ensure_future(
            SponsoredAllowances(database).create(
                sponsor_id="s", name="waited", models=["gpt-4o"], total_credit_limit=1
            )
        )
        # The write cannot finish while the lock is held, whatever the timing.
        await asyncio.sleep(0.3)
        assert not create.done()

        holder.execute("COMMIT")
        created = await create
        assert (await SponsoredAllowances(database).get(name="waited")) == created
    finally:
        holder.close()
        await database.disconnect()


async def test_sqlite_busy_timeout_error_is_clear(sqlite_url: str) -> None:
    database = owtt_async.Database(sqlite_url, busy_timeout=0.2)
    await database.connect()
    allowances = SponsoredAllowances(database)
    await allowances.create(
        sponsor_id="s", name="existing", models=["gpt-4o"], total_credit_limit=1
    )
    before = await table_snapshot(database)
    holder = hold_write_lock(sqlite_url)
    try:
        with pytest.raises(owtt_async.DatabaseTimeoutError) as raised:
            await allowances.create(
                sponsor_id="s", name="refused", models=["gpt-4o"], total_credit_limit=1
            )
        with pytest.raises(owtt_async.DatabaseTimeoutError):
            await allowances.update(name="existing", total_credit_limit=2)
        with pytest.raises(owtt_async.DatabaseTimeoutError):
            await allowances.delete(name="existing")

        # Reads go on while another connection holds the write lock.
        assert [allowance["name"] for allowance in await allowances.list()] == ["existing"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert "busy timeout" in str(raised.value)
    assert raised.value.sqlstate is not None
    assert raised.value.sqlstate.startswith("SQLITE_BUSY")
    assert await table_snapshot(database) == before
    await allowances.create(sponsor_id="s", name="after", models=["gpt-4o"], total_credit_limit=1)
    await database.disconnect()


async def test_sqlite_cancelled_lock_wait_leaves_pool_clean(sqlite_url: str) -> None:
    database = owtt_async.Database(sqlite_url, max_size=1)
    await database.connect()
    allowances = SponsoredAllowances(database)
    holder = hold_write_lock(sqlite_url)
    try:
        waiting = asyncio.ensure_future(
            allowances.create(
                sponsor_id="s", name="cancelled", models=["gpt-4o"], total_credit_limit=1
            )
        )
        await asyncio.sleep(0.3)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # The pool's only connection must come back without a transaction of its own,
    # or this write would stay uncommitted and hold the lock against every process.
    await allowances.create(
        sponsor_id="s", name="committed", models=["gpt-4o"], total_credit_limit=1
    )
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    try:
        names = [
            row[0] for row in other.execute("SELECT name FROM token_tracking_sponsored_allowance")
        ]
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert names == ["committed"]
    await database.disconnect()
