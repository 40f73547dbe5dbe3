"""Benchmark owtt_async against the raw drivers and against connect-per-call.

Run from the repository root: ``python -m bench`` (``--help`` lists the options).
It creates its own databases (PostgreSQL ``owtt_bench_<random>``, dropped at the end;
SQLite in a temporary folder), grows them in stages and prints, per scenario, the
median over rounds of throughput and latency for each contender, then the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

import owtt_async
import owtt_async.sponsored as sponsored
from owtt_async import _runner, _session
from owtt_async._urls import parse_database_url

from . import memory, targets, workloads
from .dataset import BenchDatabase, create_postgresql, create_sqlite
from .measure import Contender, Summary, compare, paired_ratio
from .workloads import (
    LoopThreadFloor,
    RawAiosqlite,
    RawPostgres,
    RawSqlite3,
    connect_async_op,
    connect_blocking_op,
    owtt_async_op,
    owtt_blocking_op,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MODES = [("async", 1), ("async", 10), ("async", 100), ("blocking", 1), ("blocking", 8)]
MAIN_SIZE = 10_000
LIST_SIZES = (100, 10_000)
POINT_OPERATIONS = ("get by name", "get by id", "update", "create")
SCALING_OPERATIONS = ("get by name", "get by id", "update")
# Listing 10,000 allowances from 100 coroutines at once kept about 1.5 GB of rows and
# dicts alive in a trial run, and one batch lasted ten seconds or more. So the list
# scenarios above 1,000 allowances stop at 10 coroutines.
LIST_CONCURRENCY_SIZE = 1000
# The ratios printed and checked: (contender, against, figure), paired per round.
RATIOS = [
    ("owtt", "raw", "ops_per_s"),
    ("owtt", "raw", "p50_ms"),
    ("owtt", "raw+hop", "p50_ms"),
    ("raw+hop", "raw", "p50_ms"),
    ("connect", "owtt", "p50_ms"),
]
LIST_CONCURRENCY_LIMIT = 10


@dataclass
class Context:
    """The state one backend's scenarios share: database, library and raw pools."""

    bench: BenchDatabase
    database: owtt_async.Database
    repository: owtt_async.SponsoredAllowances
    raw: RawPostgres | RawAiosqlite
    raw_sqlite3: RawSqlite3 | None
    hop_floor: LoopThreadFloor
    options: argparse.Namespace
    results: list[dict[str, Any]] = field(default_factory=list)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--backends",
        default="postgresql,sqlite",
        help="comma-separated backends to run (default: postgresql,sqlite)",
    )
    parser.add_argument(
        "--sizes",
        default="1000,100000,1000000",
        help="allowance counts for the scaling table (default: 1000,100000,1000000)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds per scenario (default: 5)")
    parser.add_argument(
        "--duration", type=float, default=0.2, help="seconds per timed batch (default: 0.2)"
    )
    parser.add_argument(
        "--leak-calls",
        type=int,
        default=100_000,
        help="calls of the no-growth check, per API (default: 100000)",
    )
    parser.add_argument(
        "--memory-size",
        type=int,
        default=100_000,
        help="allowances listed for the peak RSS figure (default: 100000)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OWTT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server database to connect to while creating the bench database "
        f"(default: $OWTT_BENCH_POSTGRES_URL or {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 rounds of 0.05 s, sizes up to 10,000, 5,000 leak-check calls",
    )
    options = parser.parse_args(argv)
    options.backends = [name.strip() for name in options.backends.split(",") if name.strip()]
    options.sizes = sorted(int(size) for size in options.sizes.split(","))
    if options.quick:
        options.rounds, options.duration, options.leak_calls = 2, 0.05, 5000
        options.sizes = [size for size in options.sizes if size <= MAIN_SIZE] or [1000]
        options.memory_size = min(options.memory_size, MAIN_SIZE)
    return options


def describe_machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"asyncpg {asyncpg.__version__}, {platform.system()} {platform.release()}"
    )


def contenders(context: Context, operation: str, api: str, concurrency: int) -> list[Contender]:
    bench = context.bench
    if api == "async":
        return [
            Contender("owtt", "async", owtt_async_op(context.repository, operation), concurrency),
            Contender("raw", "async", context.raw.op(operation), concurrency),
            Contender("connect", "async", connect_async_op(bench, operation), concurrency),
        ]

    if context.raw_sqlite3 is not None:
        raw = Contender("raw", "sync", context.raw_sqlite3.op(operation), concurrency)
    else:
        # asyncpg has no blocking API: its pool, driven by as many coroutines as the
        # library gets threads, is the floor for the blocking rows too.
        raw = Contender("raw", "async", context.raw.op(operation), concurrency)
    return [
        Contender("owtt", "sync", owtt_blocking_op(bench.url, operation), concurrency),
        raw,
        Contender("raw+hop", "sync", context.hop_floor.op(operation), concurrency),
        Contender("connect", "sync", connect_blocking_op(bench, operation), concurrency),
    ]


async def run_scenario(
    context: Context,
    operation: str,
    api: str,
    concurrency: int,
    *,
    table: str,
    with_connect: bool = True,
) -> dict[str, Any]:
    chosen = contenders(context, operation, api, concurrency)
    if not with_connect:
        chosen = [contender for contender in chosen if contender.label != "connect"]
    cleanup = context.bench.remove_created if operation == "create" else None
    summaries = await compare(
        chosen,
        context.bench.keys,
        rounds=context.options.rounds,
        duration=context.options.duration,
        after_batch=cleanup,
    )
    for contender in chosen:
        getattr(contender.op, "cleanup", lambda: None)()

    ratios = {}
    for label, other, figure in RATIOS:
        if label in summaries and other in summaries:
            ratios[f"{label}/{other} {figure}"] = paired_ratio(
                summaries[label], summaries[other], figure
            )
    result = {
        "backend": context.bench.backend,
        "table": table,
        "size": context.bench.size,
        "operation": operation,
        "api": api,
        "concurrency": concurrency,
        **{label: _figures(summary) for label, summary in summaries.items()},
        "ratios": ratios,
    }
    context.results.append(result)
    print(format_row(result), flush=True)
    return result


def _figures(summary: Summary) -> dict[str, float]:
    return {
        "ops_per_s": summary.throughput,
        "p50_ms": summary.p50 * 1000,
        "p99_ms": summary.p99 * 1000,
        "calls": summary.calls,
        "rounds": summary.rounds,
    }


HEADER = (
    f"{'operation':<12}{'size':>10} {'api':<8}{'conc':>5} |"
    f"{'owtt ops/s':>11}{'p50 ms':>8}{'p99 ms':>8} |"
    f"{'raw ops/s':>10}{'p50 ms':>8}{'p99 ms':>8} |"
    f"{'hop p50':>8} |"
    f"{'conn ops/s':>11}{'p50 ms':>8} |"
    f"{'thr/raw':>8}{'p50/raw':>8}{'p50/hop':>8}{'conn/owtt':>10}"
)


def format_row(result: dict[str, Any]) -> str:
    owtt, raw, ratios = result["owtt"], result["raw"], result["ratios"]
    hop, connect = result.get("raw+hop"), result.get("connect")
    missing = "-"
    line = (
        f"{result['operation']:<12}{result['size']:>10,} {result['api']:<8}"
        f"{result['concurrency']:>5} |"
        f"{owtt['ops_per_s']:>11,.0f}{owtt['p50_ms']:>8.3f}{owtt['p99_ms']:>8.3f} |"
        f"{raw['ops_per_s']:>10,.0f}{raw['p50_ms']:>8.3f}{raw['p99_ms']:>8.3f} |"
        + (f"{hop['p50_ms']:>8.3f} |" if hop else f"{missing:>8} |")
        + (
            f"{connect['ops_per_s']:>11,.0f}{connect['p50_ms']:>8.3f} |"
            if connect
            else f"{missing:>11}{missing:>8} |"
        )
        + f"{ratios['owtt/raw ops_per_s']:>8.2f}{ratios['owtt/raw p50_ms']:>8.2f}"
        + (f"{ratios['owtt/raw+hop p50_ms']:>8.2f}" if hop else f"{missing:>8}")
        + (f"{ratios['connect/owtt p50_ms']:>10.1f}" if connect else "")
    )
    return line


@contextmanager
def count_statements() -> Iterator[list[int]]:
    """Count the statements the library sends, by wrapping ``Session.fetch_all``."""
    counter = [0]
    original = _session.Session.fetch_all

    async def counting(self: Any, statement: str, /, **parameters: Any) -> Any:
        counter[0] += 1
        return await original(self, statement, **parameters)

    _session.Session.fetch_all = counting  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        _session.Session.fetch_all = original  # type: ignore[method-assign]


async def list_statement_count(context: Context) -> int:
    with count_statements() as counter:
        await context.repository.list()
    return counter[0]


def plan_statements(bench: BenchDatabase) -> list[tuple[str, dict[str, Any]]]:
    """Return the statements of get and update, with parameters of a real allowance."""
    key = bench.keys[0]
    statements = [
        *workloads.statements(bench.backend, "get by name", key),
        *workloads.statements(bench.backend, "update", key),
    ]
    return [(name, parameters) for name, parameters in statements if "transaction/" not in name]


async def run_backend(backend: str, options: argparse.Namespace, workdir: Path) -> Context:
    if backend == "postgresql":
        bench = await create_postgresql(options.postgres_url)
    else:
        bench = await create_sqlite(workdir)
    print(f"\n=== {backend}: {bench.url}", flush=True)

    database = owtt_async.Database(bench.url)
    await database.connect()
    raw: RawPostgres | RawAiosqlite = (
        RawPostgres(bench) if backend == "postgresql" else RawAiosqlite(bench)
    )
    await raw.open()
    context = Context(
        bench=bench,
        database=database,
        repository=owtt_async.SponsoredAllowances(database),
        raw=raw,
        raw_sqlite3=RawSqlite3(bench) if backend == "sqlite" else None,
        hop_floor=await asyncio.to_thread(LoopThreadFloor, bench),
        options=options,
    )
    try:
        await run_stages(context)
    finally:
        await raw.close()
        await asyncio.to_thread(context.hop_floor.close)
        if context.raw_sqlite3 is not None:
            context.raw_sqlite3.close()
        await database.disconnect()
        await bench.drop()
    return context


async def run_stages(context: Context) -> None:
    options = context.options
    sizes = sorted({*LIST_SIZES, MAIN_SIZE, *options.sizes, options.memory_size})
    extras: dict[str, Any] = {"backend": context.bench.backend, "table": "extras"}
    context.results.append(extras)
    print(
        f"{options.rounds} rounds per scenario, {options.duration} s per batch, contenders "
        "alternating within each round; figures are medians over rounds, and ratios "
        "medians of the ratios within each round",
        flush=True,
    )
    print(HEADER, flush=True)

    for size in sizes:
        seconds = await context.bench.grow_to(size)
        print(f"-- {size:,} allowances (loaded in {seconds:.1f} s)", flush=True)

        if size in LIST_SIZES:
            extras[f"list_statements_{size}"] = await list_statement_count(context)
            for api, concurrency in MODES:
                if size > LIST_CONCURRENCY_SIZE and concurrency > LIST_CONCURRENCY_LIMIT:
                    print(
                        f"list {size:>14,} {api:<8}{concurrency:>5} | skipped: every batch "
                        f"would hold {concurrency} lists of {size:,} allowances at once",
                        flush=True,
                    )
                    continue
                await run_scenario(context, "list", api, concurrency, table="matrix")
        if size == MAIN_SIZE:
            for operation in POINT_OPERATIONS:
                for api, concurrency in MODES:
                    await run_scenario(context, operation, api, concurrency, table="matrix")
            await leak_check(context, extras)
        if size in options.sizes:
            extras[f"full_scans_{size}"] = scans = await context.bench.full_scans(
                plan_statements(context.bench)
            )
            print(
                f"   query plans at {size:,}: "
                + (f"full table scans in {', '.join(scans)}" if scans else "no full table scan"),
                flush=True,
            )
            for operation in SCALING_OPERATIONS:
                await run_scenario(
                    context, operation, "async", 1, table="scaling", with_connect=False
                )
        if size == options.memory_size:
            for contender in ("owtt", "raw"):
                figures = memory.measure_list_peak(context.bench, contender)
                extras[f"memory_{contender}"] = figures
                print(
                    f"   peak RSS, one list of {context.bench.size:,} allowances, {contender} "
                    f"({figures['items']:,} {'dicts' if contender == 'owtt' else 'rows'}): "
                    f"{figures['rss_before_mib']:.0f} MiB before, "
                    f"{figures['peak_rss_mib']:.0f} MiB peak, "
                    f"tracemalloc peak {figures['traced_peak_mib']:.0f} MiB, "
                    f"{figures['seconds']:.2f} s",
                    flush=True,
                )

    print(
        f"   statements per list: {extras['list_statements_100']} for 100 allowances, "
        f"{extras['list_statements_10000']} for 10,000",
        flush=True,
    )


async def leak_check(context: Context, extras: dict[str, Any]) -> None:
    """Show that pools, tasks and caches stay flat across many calls, per API."""
    keys = context.bench.keys
    url = context.bench.url

    async def async_calls(count: int) -> None:
        async def worker(offset: int) -> None:
            for index in range(offset, count, 10):
                await context.repository.get(name=keys[index % len(keys)].name)

        await asyncio.gather(*(worker(offset) for offset in range(10)))

    async def blocking_calls(count: int) -> None:
        # Eight threads at once, as in the blocking rows of the matrix.
        def calls(offset: int) -> None:
            for index in range(offset, count, 8):
                sponsored.get_sponsored_allowance(url, name=keys[index % len(keys)].name)

        threads = [threading.Thread(target=calls, args=(offset,)) for offset in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def runner_database() -> owtt_async.Database:
        # The blocking API's pool for this URL, read from the runner's private map.
        return _runner._runner._databases[parse_database_url(url)]

    for api, call, database in (
        ("async", async_calls, lambda: context.database),
        ("blocking", blocking_calls, runner_database),
    ):
        started = time.perf_counter()
        samples = await memory.check_growth(
            context.bench, database, call, context.options.leak_calls
        )
        seconds = time.perf_counter() - started
        extras[f"leak_{api}"] = samples
        first, last = samples[0][1], samples[-1][1]
        changes = ", ".join(f"{name} {first[name]} -> {last[name]}" for name in first)
        print(
            f"   no-growth check, {api} get x {context.options.leak_calls:,} "
            f"({seconds:.0f} s): {changes}",
            flush=True,
        )


async def main_async(options: argparse.Namespace) -> int:
    print(f"machine: {describe_machine()}", flush=True)
    print(f"command: python -m bench {' '.join(sys.argv[1:])}", flush=True)
    started = time.perf_counter()
    contexts = []
    with tempfile.TemporaryDirectory(prefix="owtt-bench-") as workdir:
        for backend in options.backends:
            contexts.append(await run_backend(backend, options, Path(workdir)))

    results = [result for context in contexts for result in context.results]
    print(f"\nfinished in {time.perf_counter() - started:.0f} s", flush=True)
    verdicts = targets.evaluate(results)
    print(targets.format_verdicts(verdicts), flush=True)
    if options.json:
        options.json.write_text(
            json.dumps({"machine": describe_machine(), "results": results}, indent=1, default=str)
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    # SIGTERM then unwinds like Ctrl-C, through the finally blocks that drop the
    # PostgreSQL bench database.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return asyncio.run(main_async(options))
