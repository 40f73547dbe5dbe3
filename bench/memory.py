"""Memory figures: peak RSS of one large list, and resource counts across many calls.

The peak RSS of listing is measured in a fresh subprocess per contender
(``python -m bench.memory ...``), because ``ru_maxrss`` never goes down within a
process. The leak check runs in the benchmark's own process and samples, between
chunks of calls, the resident set, the database connections, the event loop's
tasks, the threads and asyncpg's cached statements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

import owtt_async

from .dataset import BenchDatabase

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def current_rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE / 2**20


def peak_rss_mib() -> float:
    # VmHWM, unlike ru_maxrss, starts afresh at exec: a child of a large benchmark
    # process would otherwise report its parent's peak.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- peak RSS while listing, one subprocess per contender --------------------------


async def _probe(backend: str, url: str, contender: str) -> dict[str, Any]:
    from owtt_async._sql import get_query

    query = get_query(backend, "allowance/list")  # type: ignore[arg-type]

    if contender == "owtt":
        database = owtt_async.Database(url)
        await database.connect()
        repository = owtt_async.SponsoredAllowances(database)
        list_all: Callable[[], Awaitable[Any]] = repository.list
        close: Callable[[], Awaitable[None]] = database.disconnect
    elif backend == "postgresql":
        connection = await asyncpg.connect(url)

        async def list_all() -> Any:
            return await connection.fetch(query.text)

        close = connection.close
    else:
        from .workloads import open_aiosqlite

        sqlite_connection = await open_aiosqlite(url.removeprefix("sqlite:///"))

        async def list_all() -> Any:
            return await sqlite_connection.execute_fetchall(query.text)

        close = sqlite_connection.close

    before = peak_rss_mib()
    started = time.perf_counter()
    rows = await list_all()
    seconds = time.perf_counter() - started
    count = len(rows)
    del rows
    after = peak_rss_mib()

    tracemalloc.start()
    rows = await list_all()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del rows
    await close()
    return {
        "contender": contender,
        "items": count,
        "rss_before_mib": before,
        "peak_rss_mib": after,
        "seconds": seconds,
        "traced_peak_mib": traced_peak,
    }


def measure_list_peak(bench: BenchDatabase, contender: str) -> dict[str, Any]:
    """Run the probe in a new interpreter and return its figures."""
    url = bench.url if contender == "owtt" or bench.backend == "sqlite" else bench.raw_url
    output = subprocess.run(
        [sys.executable, "-m", "bench.memory", bench.backend, url, contender],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


# --- resource counts across many calls ----------------------------------------------


async def resource_counts(bench: BenchDatabase, database: owtt_async.Database) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "rss_mib": round(current_rss_mib(), 1),
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
    }
    if bench.backend == "postgresql":
        counts["server_connections"] = await bench.count_server_connections()
        # databases 0.9.0 keeps the asyncpg pool in the private attribute _pool.
        pool = database._backend._pool  # type: ignore[attr-defined]
        connections = [holder._con for holder in pool._holders if holder._con is not None]
        counts["pool_connections"] = len(connections)
        counts["cached_statements"] = sum(len(con._stmt_cache) for con in connections)
    else:
        sqlite_pool = database._backend._pool  # type: ignore[attr-defined]
        counts["pool_connections"] = len(sqlite_pool._idle)
    return counts


async def check_growth(
    bench: BenchDatabase,
    database: Callable[[], owtt_async.Database],
    call: Callable[[int], Awaitable[None]],
    total_calls: int,
    checkpoints: int = 4,
) -> list[tuple[int, dict[str, Any]]]:
    """Make ``total_calls`` calls in chunks, sampling resource counts after each chunk.

    ``call(count)`` makes ``count`` calls; ``database()`` returns the pool they use.
    The first sample follows 1,000 warm-up calls, so that pools and caches have
    reached their working size.
    """
    await call(1000)
    samples = [(0, await resource_counts(bench, database()))]
    chunk = total_calls // checkpoints
    done = 0
    while done < total_calls:
        await call(chunk)
        done += chunk
        samples.append((done, await resource_counts(bench, database())))
    return samples


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Peak RSS of one list call, as JSON.")
    parser.add_argument("backend", choices=["postgresql", "sqlite"])
    parser.add_argument("url")
    parser.add_argument("contender", choices=["owtt", "raw"])
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(_probe(arguments.backend, arguments.url, arguments.contender))))
