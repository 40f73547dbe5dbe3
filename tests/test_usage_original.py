"""Usage the original package logged counts, and its figures agree with ours where right.

The comparisons call the original ``openwebui_token_tracking`` 0.1.10. Where its
``TokenTracker.remaining_credits`` is wrong, the tests pin down how:

- the daily figure subtracts the used credits truncated to a whole number, so it can
  show up to one credit more than is left. Float rounding in its sums can add one more.
- the total counts only usage dated on or before the allowance's creation day;
- an allowance without a daily limit raises TypeError;
- a price change re-prices all past usage.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pytest

import owtt_async
from owtt_async import SponsoredAllowances, SponsoredUsage

from .conftest import strict
from .usage_support import FakeClock, expected_credits, fixture_cost, make_allowance, utc

FIXTURE_USER = "0b6f5a52-1111-4c3e-9d2a-000000000001"
FIXTURE_DAY = utc(2026, 12, 4, 20, 0)


def original_tracking() -> ModuleType:
    """Import the original package's tracking module; skip without it unless strict."""
    if strict():
        import openwebui_token_tracking.tracking as tracking

        return tracking
    return pytest.importorskip("openwebui_token_tracking.tracking")


@pytest.fixture
def tracker(database_url: str) -> Iterator[Any]:
    tracking = original_tracking()
    tracker = tracking.TokenTracker(database_url)
    yield tracker
    tracker.db_engine.dispose()


def original_remaining(tracker: Any, user_id: str, name: str) -> tuple[int, int]:
    return tracker.remaining_credits({"id": user_id}, sponsored_allowance_name=name)  # type: ignore[no-any-return]


async def test_original_rows_count_after_migration(original_url: str) -> None:
    owtt_async.migrate_database(original_url)
    database = owtt_async.Database(original_url)
    await database.connect()
    try:
        usage = SponsoredUsage(database, clock=FakeClock(FIXTURE_DAY))
        balance = await usage.balance(user_id=FIXTURE_USER, name="AI Department")
        logged = await fixture_cost(
            database, [("gpt-4o-2024-08-06", 1200, 800), ("claude-3-5-sonnet-20241022", 300, 150)]
        )

        assert balance.total_used == logged
        assert balance.daily_used == logged
        assert balance.daily_remaining == 20 - logged
        assert balance.total_remaining == 100_000 - logged
    finally:
        await database.disconnect()


async def test_rows_logged_directly_count(original_url: str) -> None:
    owtt_async.migrate_database(original_url)
    database = owtt_async.Database(original_url)
    await database.connect()
    try:
        allowance = await SponsoredAllowances(database).get(name="AI Department")
        stored_id = (
            uuid.UUID(allowance["id"]).hex
            if database.target.dialect == "sqlite"
            else allowance["id"]
        )
        # The original package writes a naive timestamp; on SQLite as this text.
        log_date: Any = "2026-12-04 21:00:00.000001"
        if database.target.dialect == "postgresql":
            log_date = datetime(2026, 12, 4, 21, 0, 0, 1, tzinfo=timezone.utc)
        await database.execute(
            "INSERT INTO token_tracking_usage_log (log_date, user_id, provider, model_id,"
            " prompt_tokens, response_tokens, sponsored_allowance_id)"
            " VALUES (:log_date, 'user-9', 'openai', 'gpt-4o-2024-08-06', 2000, 1000, :id)",
            {"log_date": log_date, "id": stored_id},
        )
        usage = SponsoredUsage(database, clock=FakeClock(FIXTURE_DAY))
        balance = await usage.balance(user_id="user-9", name="AI Department")

        assert balance.daily_used == await fixture_cost(
            database, [("gpt-4o-2024-08-06", 2000, 1000)]
        )
        with pytest.raises(owtt_async.DailyTokenLimitExceededError):
            await usage.charge(
                user_id="user-9",
                model_id="gpt-4o-2024-08-06",
                prompt_tokens=0,
                response_tokens=1000,
                name="AI Department",
            )
    finally:
        await database.disconnect()


async def test_original_logger_rows_count(
    database_url: str, allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, daily_credit_limit=100)

    tracker.log_token_usage(
        provider="openai",
        model_id="gpt-4o",
        user={"id": "u1"},
        prompt_tokens=1000,
        response_tokens=1000,
        sponsored_allowance_name="Pool",
    )
    balance = await SponsoredUsage(database).balance(user_id="u1", name="Pool")

    assert balance.total_used == expected_credits("gpt-4o", 1000, 1000)
    assert balance.daily_used == expected_credits("gpt-4o", 1000, 1000)


async def test_original_agrees_on_our_rows(
    allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, total_credit_limit=1000, daily_credit_limit=100)
    usage = SponsoredUsage(database)
    for prompt, response in [(1000, 100), (333, 77), (0, 1000), (12, 0)]:
        await usage.charge(
            user_id="u1",
            model_id="gpt-4o",
            prompt_tokens=prompt,
            response_tokens=response,
            name="Pool",
        )
    await usage.charge(
        user_id="u2", model_id="gpt-4o-mini", prompt_tokens=500, response_tokens=20, name="Pool"
    )

    daily, total = original_remaining(tracker, "u1", "Pool")
    ours = await usage.balance(user_id="u1", name="Pool")

    assert ours.daily_remaining is not None
    assert total == math.floor(ours.total_remaining)
    # The original subtracts the used credits truncated to whole credits.
    assert daily == 100 - math.floor(ours.daily_used)


async def test_original_float_sum_overstates_daily(
    allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, total_credit_limit=1000, daily_credit_limit=100)
    usage = SponsoredUsage(database)
    # 140 prompt and 1365 response tokens of gpt-4o cost exactly 21 credits, which
    # the original's float arithmetic computes as 20.999999999999996.
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=140, response_tokens=1365, name="Pool"
    )

    daily, _ = original_remaining(tracker, "u1", "Pool")
    ours = await usage.balance(user_id="u1", name="Pool")

    assert ours.daily_used == 21
    assert ours.daily_remaining == 79
    assert daily == 80


async def test_original_total_ignores_later_days(
    allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, total_credit_limit=1000, daily_credit_limit=100)
    tomorrow = FakeClock(datetime.now(timezone.utc) + timedelta(days=1))
    usage = SponsoredUsage(database, clock=tomorrow)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    _, total = original_remaining(tracker, "u1", "Pool")
    ours = await usage.balance(user_id="u1", name="Pool")

    assert ours.total_remaining == 985
    assert total == 1000


async def test_original_fails_without_daily_limit(
    allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, daily_credit_limit=None)
    usage = SponsoredUsage(database)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    with pytest.raises(TypeError):
        original_remaining(tracker, "u1", "Pool")
    ours = await usage.balance(user_id="u1", name="Pool")
    assert ours.daily_remaining is None
    assert ours.total_remaining == 985


async def test_original_reprices_history(
    allowances: SponsoredAllowances, database: owtt_async.Database, tracker: Any
) -> None:
    await make_allowance(allowances, total_credit_limit=1000, daily_credit_limit=100)
    usage = SponsoredUsage(database)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    await owtt_async.ModelPricing(database).upsert(
        model_id="gpt-4o",
        provider="openai",
        name="GPT-4o",
        input_cost_credits=3750,
        per_input_tokens=1_000_000,
        output_cost_credits=30_000,
        per_output_tokens=1_000_000,
    )
    daily, total = original_remaining(tracker, "u1", "Pool")
    ours = await usage.balance(user_id="u1", name="Pool")

    assert ours.total_remaining == 985
    assert ours.daily_remaining == 85
    assert (daily, total) == (100 - 30, 1000 - 30)
