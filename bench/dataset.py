"""Create, fill and drop the benchmark databases.

Each backend gets one database that grows in stages (100, 1,000, 10,000, ...
allowances), so that one bulk load serves every size. Allowance number ``i`` is
named ``allowance-0000042``, belongs to one of 100 sponsors and has three of the
five bench models. The bulk loads are bench-only SQL and live here, not in ``sql/``.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

import owtt_async
from owtt_async._sql import get_query

MODEL_IDS = [f"bench-model-{index}" for index in range(5)]
SAMPLE_SIZE = 2000

_PG_PRICING = """
INSERT INTO token_tracking_model_pricing
    (id, provider, name, input_cost_credits, per_input_tokens,
     output_cost_credits, per_output_tokens)
SELECT 'bench-model-' || i, 'bench', 'Bench model ' || i, 100, 1000000, 400, 1000000
FROM generate_series(0, 4) AS i
ON CONFLICT (id) DO NOTHING
"""

# One statement inserts the allowances and their three models each. The number i
# travels in the name, so later updates of the credit columns cannot disturb it.
_PG_LOAD = """
WITH new AS (
    INSERT INTO token_tracking_sponsored_allowance
        (id, name, sponsor_id, total_credit_limit, daily_credit_limit)
    SELECT gen_random_uuid(), 'allowance-' || lpad(i::text, 7, '0'), 'sponsor-' || (i % 100),
           100000 + i, CASE WHEN i % 4 = 0 THEN NULL ELSE 1000 END
    FROM generate_series($1::int, $2::int) AS i
    RETURNING id, name
)
INSERT INTO token_tracking_sponsored_allowance_base_models
    (sponsored_allowance_id, base_model_id)
SELECT new.id, 'bench-model-' || ((substr(new.name, 11)::int + k) % 5)
FROM new CROSS JOIN generate_series(0, 2) AS k
"""

# Ids are 32 hex digits, the stored form: a random part scatters them through the
# index as uuid4 ids are, and the number i keeps them unique. The leading "f" keeps
# SQLite from reading an id as a number: the column's declared type UUID gives it
# NUMERIC affinity, which stores text such as "12e45..." or "1234..." as a REAL.
_SQLITE_LOAD_ALLOWANCES = """
WITH RECURSIVE numbers(i) AS (
    SELECT ? UNION ALL SELECT i + 1 FROM numbers WHERE i < ?
)
INSERT INTO token_tracking_sponsored_allowance
    (id, name, sponsor_id, total_credit_limit, daily_credit_limit)
SELECT 'f' || printf('%07x%024x', random() & 268435455, i),
       'allowance-' || printf('%07d', i), 'sponsor-' || (i % 100),
       100000 + i, CASE WHEN i % 4 = 0 THEN NULL ELSE 1000 END
FROM numbers
"""

_SQLITE_LOAD_MODELS = """
INSERT INTO token_tracking_sponsored_allowance_base_models
    (sponsored_allowance_id, base_model_id)
SELECT a.id, 'bench-model-' || ((CAST(substr(a.name, 11) AS INTEGER) + k.k) % 5)
FROM token_tracking_sponsored_allowance AS a
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS k
WHERE a.name BETWEEN ? AND ?
"""

_SQLITE_PRICING = """
INSERT OR IGNORE INTO token_tracking_model_pricing
    (id, provider, name, input_cost_credits, per_input_tokens,
     output_cost_credits, per_output_tokens)
VALUES (?, 'bench', ?, 100, 1000000, 400, 1000000)
"""

_SAMPLE = "SELECT id, name FROM token_tracking_sponsored_allowance WHERE name LIKE 'allowance-%'"

# Rows that the create scenario adds are removed again, so that every stage lists
# exactly its own number of allowances.
_CLEANUP_MODELS = """
DELETE FROM token_tracking_sponsored_allowance_base_models
WHERE sponsored_allowance_id IN (
    SELECT id FROM token_tracking_sponsored_allowance WHERE name LIKE 'bench-new-%'
)
"""
_CLEANUP_ALLOWANCES = "DELETE FROM token_tracking_sponsored_allowance WHERE name LIKE 'bench-new-%'"


def allowance_name(number: int) -> str:
    return f"allowance-{number:07d}"


@dataclass(frozen=True)
class Key:
    """One existing allowance, as the library takes it and as the column stores it."""

    id: str
    name: str
    stored_id: object


class BenchDatabase:
    """One benchmark database: its URL, its current size and a sample of its rows."""

    def __init__(self, backend: str, url: str, raw_url: str, admin_url: str | None) -> None:
        self.backend = backend
        self.url = url
        self.raw_url = raw_url
        self.admin_url = admin_url
        self.size = 0
        self.keys: list[Key] = []

    @property
    def sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    async def grow_to(self, size: int) -> float:
        """Bulk-load allowances up to ``size`` in total; return the seconds it took."""
        started = time.perf_counter()
        first, last = self.size + 1, size
        if last >= first:
            if self.backend == "postgresql":
                connection = await asyncpg.connect(self.raw_url)
                try:
                    await connection.execute(_PG_LOAD, first, last)
                    await connection.execute("ANALYZE")
                finally:
                    await connection.close()
            else:
                await asyncio.to_thread(self._grow_sqlite, first, last)
        self.size = size
        await self.refresh_sample()
        return time.perf_counter() - started

    def _grow_sqlite(self, first: int, last: int) -> None:
        connection = sqlite3.connect(self.sqlite_path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(_SQLITE_LOAD_ALLOWANCES, (first, last))
            connection.execute(_SQLITE_LOAD_MODELS, (allowance_name(first), allowance_name(last)))
            connection.execute("COMMIT")
            connection.execute("ANALYZE")
        finally:
            connection.close()

    async def refresh_sample(self) -> None:
        """Pick up to SAMPLE_SIZE allowances that the get and update scenarios address."""
        rows = await self.fetch_bench(_SAMPLE)
        chosen = random.Random(self.size).sample(rows, min(SAMPLE_SIZE, len(rows)))
        self.keys = [
            Key(id=str(uuid.UUID(str(row[0]))), name=row[1], stored_id=row[0]) for row in chosen
        ]

    async def remove_created(self) -> None:
        await self.fetch_bench(_CLEANUP_MODELS)
        await self.fetch_bench(_CLEANUP_ALLOWANCES)

    async def fetch_bench(self, statement: str) -> list[tuple[object, ...]]:
        """Run one bench-only statement on a connection of its own."""
        if self.backend == "postgresql":
            connection = await asyncpg.connect(self.raw_url)
            try:
                return [tuple(row) for row in await connection.fetch(statement)]
            finally:
                await connection.close()

        def run() -> list[tuple[object, ...]]:
            connection = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=15)
            try:
                return connection.execute(statement).fetchall()
            finally:
                connection.close()

        return await asyncio.to_thread(run)

    async def full_scans(self, statements: list[tuple[str, dict[str, object]]]) -> list[str]:
        """Return the statements whose query plan reads a whole allowance table.

        Each statement comes from the library's ``sql/`` folder with its parameters;
        the plans come from EXPLAIN (nothing is executed).
        """
        scanning = []
        for name, parameters in statements:
            query = get_query(self.backend, name)  # type: ignore[arg-type]
            if self.backend == "postgresql":
                arguments = [parameters[parameter] for parameter in query.parameters]
                connection = await asyncpg.connect(self.raw_url)
                try:
                    plan = [
                        row[0]
                        for row in await connection.fetch(f"EXPLAIN {query.text}", *arguments)
                    ]
                finally:
                    await connection.close()
                full = any("Seq Scan on token_tracking_sponsored" in line for line in plan)
            else:
                plan = await asyncio.to_thread(self._sqlite_plan, query.text, parameters)
                full = any(line.startswith("SCAN") and "USING" not in line for line in plan)
            if full:
                scanning.append(name)
        return scanning

    def _sqlite_plan(self, text: str, parameters: dict[str, object]) -> list[str]:
        connection = sqlite3.connect(self.sqlite_path)
        try:
            rows = connection.execute(f"EXPLAIN QUERY PLAN {text}", parameters).fetchall()
            return [str(row[3]) for row in rows]
        finally:
            connection.close()

    async def count_server_connections(self) -> int:
        """Count this database's server connections, not counting the one asking."""
        connection = await asyncpg.connect(self.raw_url)
        try:
            count = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return int(count)
        finally:
            await connection.close()

    async def drop(self) -> None:
        owtt_async.close_pools()
        if self.backend == "postgresql" and self.admin_url:
            name = self.raw_url.rpartition("/")[2]
            connection = await asyncpg.connect(self.admin_url)
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()


async def create_postgresql(admin_url: str) -> BenchDatabase:
    """Create ``owtt_bench_<random>`` on the server of ``admin_url``, migrated and priced."""
    name = f"owtt_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    raw_url = f"{admin_url.rpartition('/')[0]}/{name}"
    bench = BenchDatabase("postgresql", raw_url, raw_url, admin_url)
    await _migrate(bench.url)
    connection = await asyncpg.connect(raw_url)
    try:
        await connection.execute(_PG_PRICING)
    finally:
        await connection.close()
    return bench


async def create_sqlite(directory: Path) -> BenchDatabase:
    path = directory / "bench.db"
    bench = BenchDatabase("sqlite", f"sqlite:///{path}", str(path), None)
    await _migrate(bench.url)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for model_id in MODEL_IDS:
            connection.execute(_SQLITE_PRICING, (model_id, model_id))
    finally:
        connection.close()
    return bench


async def _migrate(url: str) -> None:
    database = owtt_async.Database(url)
    await database.connect()
    try:
        await owtt_async.migrate(database)
    finally:
        await database.disconnect()
