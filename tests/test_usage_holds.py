"""Reservations: hold before the model answers, settle or release afterwards."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import owtt_async
from owtt_async import SponsoredAllowances, SponsoredUsage

from .usage_support import FakeClock, expected_credits, make_allowance, utc

NOON = utc(2026, 12, 4, 12, 0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def usage(database: owtt_async.Database, clock: FakeClock) -> SponsoredUsage:
    return SponsoredUsage(database, clock=clock, hold_timeout=60)


async def reserve(
    usage: SponsoredUsage, user_id: str = "u1", max_response_tokens: int = 1000
) -> owtt_async.Hold:
    return await usage.reserve(
        user_id=user_id,
        model_id="gpt-4o",
        prompt_tokens=0,
        max_response_tokens=max_response_tokens,
        name="Pool",
    )


async def test_hold_counts_against_both_limits(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=40, daily_credit_limit=20)

    hold = await reserve(usage)
    balance = await usage.balance(user_id="u1", name="Pool")

    assert hold.credits == Decimal(15)
    assert hold.expires_at == utc(2026, 12, 4, 12, 1)
    assert balance.total_held == Decimal(15)
    assert balance.daily_held == Decimal(15)
    assert balance.daily_remaining == Decimal(5)
    assert balance.total_remaining == Decimal(25)
    with pytest.raises(owtt_async.DailyTokenLimitExceededError):
        await reserve(usage)
    await reserve(usage, user_id="u2")
    with pytest.raises(owtt_async.TotalTokenLimitExceededError):
        await usage.charge(
            user_id="u3", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )


async def test_settle_charges_real_cost_and_releases_rest(
    usage: SponsoredUsage, allowances: SponsoredAllowances, clock: FakeClock
) -> None:
    await make_allowance(allowances)
    hold = await usage.reserve(
        user_id="u1", model_id="gpt-4o", prompt_tokens=500, max_response_tokens=1000, name="Pool"
    )
    clock.advance(seconds=30)

    charge = await usage.settle(hold.id, prompt_tokens=480, response_tokens=123)
    balance = await usage.balance(user_id="u1", name="Pool")

    assert hold.credits == expected_credits("gpt-4o", 500, 1000)
    assert charge.credits == expected_credits("gpt-4o", 480, 123)
    assert charge.held == hold.credits
    assert charge.log_date == NOON
    assert balance.total_held == 0
    assert balance.total_used == charge.credits
    assert balance.daily_used == charge.credits


async def test_settled_hold_cannot_be_settled_again(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)
    hold = await reserve(usage)
    await usage.settle(hold.id, prompt_tokens=0, response_tokens=10)

    with pytest.raises(owtt_async.HoldNotFoundError, match="already settled or released"):
        await usage.settle(hold.id, prompt_tokens=0, response_tokens=10)
    assert await usage.release(hold.id) is False
    assert (await usage.balance(user_id="u1", name="Pool")).total_used == expected_credits(
        "gpt-4o", 0, 10
    )


async def test_release_returns_credits(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)
    hold = await reserve(usage)

    assert await usage.release(hold.id) is True
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.total_held == 0
    assert balance.total_used == 0


async def test_expired_hold_stops_counting(
    usage: SponsoredUsage, allowances: SponsoredAllowances, clock: FakeClock
) -> None:
    await make_allowance(allowances, daily_credit_limit=20)
    await reserve(usage)

    clock.advance(seconds=59)
    with pytest.raises(owtt_async.DailyTokenLimitExceededError):
        await reserve(usage)
    clock.advance(seconds=1)
    replacement = await reserve(usage)
    removed = await usage.release_expired()

    assert removed == 1
    assert (await usage.balance(user_id="u1", name="Pool")).daily_held == replacement.credits


async def test_settle_above_hold_records_full_usage(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=20)
    hold = await reserve(usage, max_response_tokens=100)

    charge = await usage.settle(hold.id, prompt_tokens=0, response_tokens=2000)
    balance = await usage.balance(user_id="u1", name="Pool")

    assert charge.credits == Decimal(30)
    assert balance.daily_remaining == Decimal(-10)


async def test_reservation_block_settles_reported_tokens(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)

    async with usage.reservation(
        user_id="u1", model_id="gpt-4o", prompt_tokens=200, max_response_tokens=1000, name="Pool"
    ) as reservation:
        reservation.update(prompt_tokens=180, response_tokens=77)

    assert reservation.charge is not None
    assert reservation.charge.credits == expected_credits("gpt-4o", 180, 77)
    assert (await usage.balance(user_id="u1", name="Pool")).total_held == 0


async def test_reservation_block_failing_early_releases(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)

    with pytest.raises(ConnectionError):
        async with usage.reservation(
            user_id="u1",
            model_id="gpt-4o",
            prompt_tokens=200,
            max_response_tokens=1000,
            name="Pool",
        ):
            raise ConnectionError("the model did not answer")
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.total_held == 0
    assert balance.total_used == 0


async def test_cancelled_stream_settles_what_it_used(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)
    streamed = asyncio.Event()

    async def stream() -> None:
        async with usage.reservation(
            user_id="u1",
            model_id="gpt-4o",
            prompt_tokens=200,
            max_response_tokens=1000,
            name="Pool",
        ) as reservation:
            for chunk in range(1, 1000):
                reservation.update(response_tokens=chunk * 10)
                if chunk == 5:
                    streamed.set()
                await asyncio.sleep(0.01)

    task = asyncio.create_task(stream())
    await streamed.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.total_held == 0
    assert balance.total_used == expected_credits("gpt-4o", 200, 50)


async def test_concurrent_reserves_admit_exactly_what_fits(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=15 * 23, daily_credit_limit=None)

    results = await asyncio.gather(
        *(reserve(usage, user_id=f"u{i % 5}") for i in range(200)), return_exceptions=True
    )

    holds = [result for result in results if isinstance(result, owtt_async.Hold)]
    assert len(holds) == 23
    assert all(
        isinstance(r, owtt_async.TotalTokenLimitExceededError) for r in results if r not in holds
    )
    assert (await usage.balance(user_id="u0", name="Pool")).total_remaining == 0


async def test_unknown_hold_id_is_not_found(usage: SponsoredUsage) -> None:
    with pytest.raises(KeyError):
        await usage.settle(
            "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", prompt_tokens=1, response_tokens=1
        )
    with pytest.raises(owtt_async.InvalidInputError, match="hold_id"):
        await usage.release("not-a-uuid")
