"""Limits hold across processes sharing one database, through the blocking API."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import owtt_async
import owtt_async.sponsored as sponsored
import owtt_async.usage as usage

PROCESSES = 4
CHARGES_PER_PROCESS = 30
THREADS_PER_PROCESS = 5


def _charge_many(url: str, users: list[str], start: Any, results: Any) -> None:
    start.wait()
    admitted = {user: 0 for user in users}
    refused = {"daily": 0, "total": 0}
    lock = threading.Lock()

    def charge(index: int) -> None:
        user = users[index % len(users)]
        try:
            usage.charge_usage(url, user, "gpt-4o", 0, 1000, name="Shared")
        except owtt_async.TokenLimitExceededError as error:
            with lock:
                refused[error.limit] += 1
        else:
            with lock:
                admitted[user] += 1

    with ThreadPoolExecutor(THREADS_PER_PROCESS) as pool:
        list(pool.map(charge, range(CHARGES_PER_PROCESS)))
    owtt_async.close_pools()
    results.put((admitted, refused))


def run_processes(url: str, users: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    # Spawned, not forked: a child forked while some thread of this test process
    # held OpenSSL's locks hangs when asyncpg creates its SSL context.
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [
        context.Process(target=_charge_many, args=(url, users, start, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    start.set()
    collected = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    admitted = {user: sum(result[0][user] for result in collected) for user in users}
    refused = {kind: sum(result[1][kind] for result in collected) for kind in ("daily", "total")}
    return admitted, refused


@pytest.mark.timeout(120)
def test_daily_caps_hold_across_processes(database_url: str) -> None:
    # Each charge costs 15 credits; a day of 300 credits fits 20 per user.
    sponsored.create_sponsored_allowance(
        database_url, "sponsor", "Shared", ["gpt-4o"], 1_000_000, 300
    )

    admitted, refused = run_processes(database_url, ["u1", "u2"])
    balance = usage.remaining_credits(database_url, "u1", name="Shared")

    assert admitted == {"u1": 20, "u2": 20}
    assert refused == {"daily": PROCESSES * CHARGES_PER_PROCESS - 40, "total": 0}
    assert balance.daily_remaining == 0


@pytest.mark.timeout(120)
def test_total_limit_holds_across_processes(database_url: str) -> None:
    # A pool of 555 credits fits 37 charges of 15.
    sponsored.create_sponsored_allowance(database_url, "sponsor", "Shared", ["gpt-4o"], 555, None)

    admitted, refused = run_processes(database_url, ["u1", "u2", "u3"])
    balance = usage.remaining_credits(database_url, "u1", name="Shared")

    assert sum(admitted.values()) == 37
    assert refused == {"daily": 0, "total": PROCESSES * CHARGES_PER_PROCESS - 37}
    assert balance.total_remaining == 0


def test_blocking_reserve_settle_release(database_url: str) -> None:
    sponsored.create_sponsored_allowance(database_url, "sponsor", "Shared", ["gpt-4o"], 100, 40)

    hold = usage.reserve_usage(database_url, "u1", "gpt-4o", 0, 2000, name="Shared")
    held = usage.remaining_credits(database_url, "u1", name="Shared")
    charge = usage.settle_usage(database_url, hold.id, 0, 1000)
    second = usage.reserve_usage(database_url, "u1", "gpt-4o", 0, 1000, name="Shared")
    released = usage.release_usage(database_url, second.id)
    after = usage.remaining_credits(database_url, "u1", name="Shared")

    assert held.daily_held == 30
    assert charge.credits == 15
    assert released is True
    assert after.daily_used == 15
    assert after.daily_held == 0
    assert usage.release_expired_holds(database_url) == 0
