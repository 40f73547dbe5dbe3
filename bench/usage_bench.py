"""Benchmarks for charging usage: cost per charge as the log grows, and throughput.

    python bench/usage_bench.py scale --backend sqlite --sizes 10000,1000000,10000000
    python bench/usage_bench.py scale --backend postgresql --sizes 10000,1000000,10000000
    python bench/usage_bench.py throughput --coroutines 100 --pool-size 10

``scale`` fills one database per size with generated usage rows (1,000 users over 90
days, two models, all charged to one allowance), runs the migration to fill the
counters, then times single charges and balance reads, one at a time, in rounds that
alternate between the sizes. ``throughput`` runs, on PostgreSQL, the given number of
coroutines doing charges through ``SponsoredUsage`` on one allowance, side by side
with the same coroutines doing bare inserts through an asyncpg pool of the same
size, alternating rounds. Every figure printed is the median over rounds.

PostgreSQL runs need ``OWTT_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), the URL of a database from which
the script may create and drop databases named ``owtt_bench_*``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import owtt_async
from owtt_async import Database, ModelPricing, SponsoredAllowances, SponsoredUsage

SERVER_URL = os.environ.get(
    "OWTT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
USERS = 1000
SECONDS_OF_HISTORY = 90 * 86400
LIMIT = 2**31 - 1

# Bench-only statements: the library never runs these.
GENERATE_POSTGRESQL = """
INSERT INTO token_tracking_usage_log
    (log_date, user_id, provider, model_id, prompt_tokens, response_tokens, sponsored_allowance_id)
SELECT now() - (g % $2) * interval '1 second', 'user-' || (g % $3), 'openai',
       CASE WHEN g % 2 = 0 THEN 'gpt-4o' ELSE 'gpt-4o-mini' END,
       100 + g % 50, 50 + g % 30, $4
FROM generate_series(1, $1) AS g
"""
GENERATE_SQLITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
INSERT INTO token_tracking_usage_log
    (log_date, user_id, provider, model_id, prompt_tokens, response_tokens, sponsored_allowance_id)
SELECT strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (n % ?) || ' seconds') || '000',
       'user-' || (n % ?), 'openai',
       CASE WHEN n % 2 = 0 THEN 'gpt-4o' ELSE 'gpt-4o-mini' END,
       100 + n % 50, 50 + n % 30, ?
FROM g
"""
DROP_TRIGGER = {
    "postgresql": "DROP TRIGGER owtt_usage_count ON token_tracking_usage_log",
    "sqlite": "DROP TRIGGER owtt_usage_count",
}
PRICING = [
    ("gpt-4o", "openai", "GPT-4o", 3750, 1_000_000, 15_000, 1_000_000),
    ("gpt-4o-mini", "openai", "GPT-4o Mini", 300, 1_000_000, 1_200, 1_000_000),
]


def server_with_database(name: str) -> str:
    return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"


async def create_database(backend: str, directory: Path, label: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / f'{label}.db'}"
    name = f"owtt_bench_{label}_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(SERVER_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server_with_database(name)


async def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(SERVER_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def prepare(url: str, daily_limit: int | None = LIMIT) -> tuple[Database, str]:
    """Migrate, price the models and create one allowance; return it connected."""
    database = Database(url)
    await database.connect()
    await owtt_async.migrate(database)
    pricing = ModelPricing(database)
    for row in PRICING:
        await pricing.upsert(
            model_id=row[0],
            provider=row[1],
            name=row[2],
            input_cost_credits=row[3],
            per_input_tokens=row[4],
            output_cost_credits=row[5],
            per_output_tokens=row[6],
        )
    allowance = await SponsoredAllowances(database).create(
        sponsor_id="bench",
        name="Bench",
        models=["gpt-4o", "gpt-4o-mini"],
        total_credit_limit=LIMIT,
        daily_credit_limit=daily_limit,
    )
    return database, allowance["id"]


async def fill(database: Database, allowance_id: str, rows: int) -> tuple[float, float]:
    """Insert ``rows`` generated usage rows, then count them; return both durations."""
    dialect = database.target.dialect
    started = time.perf_counter()
    async with database.connection() as connection:
        raw = connection.raw_connection
        if dialect == "postgresql":
            await raw.execute(DROP_TRIGGER[dialect])
            await raw.execute(
                GENERATE_POSTGRESQL, rows, SECONDS_OF_HISTORY, USERS, uuid.UUID(allowance_id)
            )
            await raw.execute("ANALYZE")
        else:
            await raw.execute(DROP_TRIGGER[dialect])
            await raw.execute("BEGIN")
            await raw.execute(
                GENERATE_SQLITE, (rows, SECONDS_OF_HISTORY, USERS, uuid.UUID(allowance_id).hex)
            )
            await raw.execute("COMMIT")
            await raw.execute("ANALYZE")
    generated = time.perf_counter() - started

    started = time.perf_counter()
    await owtt_async.migrate(database)
    return generated, time.perf_counter() - started


async def time_calls(call: Callable[[int], Awaitable[Any]], count: int) -> list[float]:
    durations = []
    for index in range(count):
        started = time.perf_counter()
        await call(index)
        durations.append(time.perf_counter() - started)
    return durations


async def scale(arguments: argparse.Namespace) -> None:
    sizes = [int(size) for size in arguments.sizes.split(",")]
    directory = Path(tempfile.mkdtemp(prefix="owtt-bench-"))
    prepared: dict[int, tuple[Database, str, str]] = {}
    try:
        for size in sizes:
            url = await create_database(arguments.backend, directory, f"s{size}")
            database, allowance_id = await prepare(url)
            generated, counted = await fill(database, allowance_id, size)
            print(
                f"{arguments.backend} {size:>10,} rows: generated in {generated:.1f} s, "
                f"counters filled by the migration in {counted:.1f} s",
                flush=True,
            )
            prepared[size] = (database, allowance_id, url)

        charge_medians: dict[int, list[float]] = {size: [] for size in sizes}
        balance_medians: dict[int, list[float]] = {size: [] for size in sizes}
        for _ in range(arguments.rounds):
            for size in sizes:
                database, allowance_id, _ = prepared[size]
                usage = SponsoredUsage(database)

                async def charge(
                    index: int, usage: Any = usage, allowance_id: str = allowance_id
                ) -> Any:
                    return await usage.charge(
                        user_id=f"user-{index % USERS}",
                        model_id="gpt-4o",
                        prompt_tokens=100,
                        response_tokens=50,
                        allowance_id=allowance_id,
                    )

                async def balance(
                    index: int, usage: Any = usage, allowance_id: str = allowance_id
                ) -> Any:
                    return await usage.balance(
                        user_id=f"user-{index % USERS}", allowance_id=allowance_id
                    )

                charge_medians[size].append(
                    statistics.median(await time_calls(charge, arguments.charges))
                )
                balance_medians[size].append(
                    statistics.median(await time_calls(balance, arguments.charges))
                )

        print(
            f"\n{arguments.backend}: median latency, one call at a time "
            f"({arguments.rounds} rounds x {arguments.charges} calls)"
        )
        print(f"{'log rows':>12} {'charge ms':>10} {'balance ms':>11}")
        for size in sizes:
            print(
                f"{size:>12,} {statistics.median(charge_medians[size]) * 1000:>10.3f} "
                f"{statistics.median(balance_medians[size]) * 1000:>11.3f}"
            )
    finally:
        for database, _, url in prepared.values():
            await database.disconnect()
            await drop_database(url)


async def run_concurrently(
    operation: Callable[[int], Awaitable[Any]], total: int, coroutines: int
) -> float:
    """Run ``total`` operations from ``coroutines`` coroutines; return operations per second."""
    counter = iter(range(total))

    async def worker() -> None:
        for index in counter:
            await operation(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(coroutines)))
    return total / (time.perf_counter() - started)


async def throughput(arguments: argparse.Namespace) -> None:
    url = await create_database("postgresql", Path(), "tp")
    database, allowance_id = await prepare(url, daily_limit=None)
    database_for_charges = Database(url, max_size=arguments.pool_size, min_size=arguments.pool_size)
    await database_for_charges.connect()
    pool = await asyncpg.create_pool(
        url, min_size=arguments.pool_size, max_size=arguments.pool_size
    )
    try:
        async with pool.acquire() as connection:
            await connection.execute(
                "CREATE TABLE owtt_bench_plain_log (LIKE token_tracking_usage_log INCLUDING ALL)"
            )
        usage = SponsoredUsage(database_for_charges)
        target = uuid.UUID(allowance_id)
        insert = (
            "INSERT INTO {table} (log_date, user_id, provider, model_id, prompt_tokens,"
            " response_tokens, sponsored_allowance_id)"
            " VALUES (now(), $1, 'openai', 'gpt-4o', 100, 50, $2)"
        )

        async def bare_plain(index: int) -> None:
            async with pool.acquire() as connection:
                await connection.execute(
                    insert.format(table="owtt_bench_plain_log"), f"user-{index % USERS}", target
                )

        async def bare_logged(index: int) -> None:
            async with pool.acquire() as connection:
                await connection.execute(
                    insert.format(table="token_tracking_usage_log"), f"user-{index % USERS}", target
                )

        async def charge(index: int) -> None:
            await usage.charge(
                user_id=f"user-{index % USERS}",
                model_id="gpt-4o",
                prompt_tokens=100,
                response_tokens=50,
                allowance_id=allowance_id,
            )

        kinds = {
            "bare inserts, table without trigger": bare_plain,
            "bare inserts into the usage log (trigger counts them)": bare_logged,
            "SponsoredUsage.charge, one allowance": charge,
        }
        figures: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(arguments.rounds):
            for kind, operation in kinds.items():
                figures[kind].append(
                    await run_concurrently(operation, arguments.operations, arguments.coroutines)
                )

        print(
            f"PostgreSQL, {arguments.coroutines} coroutines, pools of {arguments.pool_size} "
            f"connections, {arguments.operations} operations per round, median of "
            f"{arguments.rounds} alternating rounds"
        )
        baseline = statistics.median(figures["bare inserts, table without trigger"])
        for kind, values in figures.items():
            median = statistics.median(values)
            print(
                f"{kind:<55} {median:>8.0f} /s  ({median / baseline:.2f} of bare)  "
                f"rounds: {', '.join(f'{value:.0f}' for value in values)}"
            )
    finally:
        await pool.close()
        await database_for_charges.disconnect()
        await database.disconnect()
        await drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scale_parser = commands.add_parser("scale", help="latency of one charge as the usage log grows")
    scale_parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    scale_parser.add_argument(
        "--sizes", default="10000,1000000,10000000", help="usage log rows, comma-separated"
    )
    scale_parser.add_argument("--rounds", type=int, default=5)
    scale_parser.add_argument(
        "--charges", type=int, default=100, help="calls timed per round and size"
    )
    throughput_parser = commands.add_parser(
        "throughput", help="concurrent charges against bare inserts"
    )
    throughput_parser.add_argument("--coroutines", type=int, default=100)
    throughput_parser.add_argument(
        "--pool-size", type=int, default=10, help="connections in each pool"
    )
    throughput_parser.add_argument(
        "--operations", type=int, default=3000, help="operations per round"
    )
    throughput_parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(scale(arguments) if arguments.command == "scale" else throughput(arguments))


if __name__ == "__main__":
    main()
