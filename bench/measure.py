"""Run one contender for a while and time every call; interleave contenders in rounds."""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .dataset import Key


@dataclass
class Batch:
    """The calls of one timed run: how many, how long in total, and each one's latency."""

    calls: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Contender:
    """One implementation of the operation: ``async`` (coroutines) or ``sync`` (threads)."""

    label: str
    kind: str
    op: Any
    concurrency: int


@dataclass
class Summary:
    """Medians over rounds of one contender's throughput and latency percentiles."""

    rounds: int
    throughput: float
    p50: float
    p99: float
    calls: int
    batches: list[Batch] = field(repr=False, default_factory=list)


# Slow operations (a list of 10,000) still get a median of several calls per batch.
MIN_CALLS = 5


async def run_async(op: Any, keys: Sequence[Key], concurrency: int, duration: float) -> Batch:
    """Run ``concurrency`` coroutines that call ``op`` back to back until ``duration`` ends."""
    latencies: list[float] = []
    started_calls = 0
    deadline = time.perf_counter() + duration

    async def worker(seed: int) -> None:
        nonlocal started_calls
        chooser = random.Random(seed)
        while started_calls < MIN_CALLS or time.perf_counter() < deadline:
            started_calls += 1
            key = chooser.choice(keys)
            started = time.perf_counter()
            await op(key)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(random.randrange(1 << 30)) for _ in range(concurrency)))
    return Batch(len(latencies), time.perf_counter() - started, latencies)


def run_threads(op: Any, keys: Sequence[Key], threads: int, duration: float) -> Batch:
    """Run ``threads`` threads that call ``op`` back to back until ``duration`` ends."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    calls = itertools.count()
    deadline = time.perf_counter() + duration

    def worker(seed: int) -> None:
        chooser = random.Random(seed)
        try:
            # next() on itertools.count is atomic under the GIL.
            while next(calls) < MIN_CALLS or time.perf_counter() < deadline:
                key = chooser.choice(keys)
                started = time.perf_counter()
                op(key)
                latencies.append(time.perf_counter() - started)
        except BaseException as error:
            errors.append(error)

    workers = [
        threading.Thread(target=worker, args=(random.randrange(1 << 30),)) for _ in range(threads)
    ]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Batch(len(latencies), elapsed, latencies)


async def run_batch(contender: Contender, keys: Sequence[Key], duration: float) -> Batch:
    if contender.kind == "async":
        return await run_async(contender.op, keys, contender.concurrency, duration)
    # The calling thread blocks here on purpose: the library's blocking API runs on
    # its own loop thread, and no coroutine of this loop is active meanwhile.
    return run_threads(contender.op, keys, contender.concurrency, duration)


async def compare(
    contenders: Sequence[Contender],
    keys: Sequence[Key],
    *,
    rounds: int,
    duration: float,
    after_batch: Any = None,
) -> dict[str, Summary]:
    """Measure every contender ``rounds`` times, alternating their order each round.

    One short unrecorded batch each comes first, so that pools are full and
    statements prepared before anything counts. ``after_batch`` (a coroutine
    function) runs after every batch, for example to remove rows a batch created.
    """
    for contender in contenders:
        await run_batch(contender, keys, duration / 3)
        if after_batch is not None:
            await after_batch()

    batches: dict[str, list[Batch]] = {contender.label: [] for contender in contenders}
    for round_number in range(rounds):
        order = contenders if round_number % 2 == 0 else list(reversed(contenders))
        for contender in order:
            batches[contender.label].append(await run_batch(contender, keys, duration))
            if after_batch is not None:
                await after_batch()

    return {label: summarize(runs) for label, runs in batches.items()}


def batch_figure(batch: Batch, figure: str) -> float:
    if figure == "ops_per_s":
        return batch.throughput
    return batch.percentile(0.99 if figure == "p99_ms" else 0.50)


def paired_ratio(numerator: Summary, denominator: Summary, figure: str) -> float:
    """Return the median over rounds of one contender's figure divided by another's.

    Both batches of a pair ran in the same round, one right after the other, so
    load from other processes that changes between rounds cancels out.
    """
    return statistics.median(
        batch_figure(top, figure) / batch_figure(bottom, figure)
        for top, bottom in zip(numerator.batches, denominator.batches, strict=True)
    )


def summarize(batches: list[Batch]) -> Summary:
    return Summary(
        rounds=len(batches),
        throughput=statistics.median(batch.throughput for batch in batches),
        p50=statistics.median(batch.percentile(0.50) for batch in batches),
        p99=statistics.median(batch.percentile(0.99) for batch in batches),
        calls=sum(batch.calls for batch in batches),
        batches=batches,
    )
