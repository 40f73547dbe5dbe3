"""Usage lands on the right day, in UTC and in a configured time zone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import owtt_async
from owtt_async import SponsoredAllowances, SponsoredUsage

from .usage_support import FakeClock, make_allowance, utc

FIFTEEN = Decimal(15)


async def charge(usage: SponsoredUsage) -> owtt_async.Charge:
    return await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )


async def test_utc_midnight_splits_days(
    database: owtt_async.Database, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=20)
    clock = FakeClock(utc(2026, 12, 4, 23, 59, 59, 999999))
    usage = SponsoredUsage(database, clock=clock)

    await charge(usage)
    with pytest.raises(owtt_async.DailyTokenLimitExceededError):
        await charge(usage)
    clock.now = utc(2026, 12, 5)
    after_midnight = await usage.balance(user_id="u1", name="Pool")
    await charge(usage)
    next_day = await usage.balance(user_id="u1", name="Pool")

    assert after_midnight.daily_used == 0
    assert after_midnight.day_start == utc(2026, 12, 5)
    assert next_day.daily_used == FIFTEEN
    assert next_day.total_used == 2 * FIFTEEN


@pytest.mark.parametrize(
    ("before_midnight", "after_midnight"),
    [
        # Berlin's spring-forward day, 2026-03-29, is 23 hours long: it starts at
        # 23:00 UTC on the 28th and ends at 22:00 UTC on the 29th.
        pytest.param(
            utc(2026, 3, 29, 21, 59, 59), utc(2026, 3, 29, 22, 0), id="after-spring-forward"
        ),
        pytest.param(
            utc(2026, 3, 28, 22, 59, 59), utc(2026, 3, 28, 23, 0), id="before-spring-forward"
        ),
        # The fall-back day, 2026-10-25, is 25 hours long and ends at 23:00 UTC.
        pytest.param(utc(2026, 10, 25, 22, 59, 59), utc(2026, 10, 25, 23, 0), id="after-fall-back"),
    ],
)
async def test_zone_midnight_splits_days_across_dst(
    database: owtt_async.Database,
    allowances: SponsoredAllowances,
    before_midnight: object,
    after_midnight: object,
) -> None:
    await make_allowance(allowances, daily_credit_limit=20)
    clock = FakeClock(before_midnight)  # type: ignore[arg-type]
    berlin = SponsoredUsage(database, clock=clock, time_zone="Europe/Berlin")
    utc_days = SponsoredUsage(database, clock=clock)

    await charge(berlin)
    with pytest.raises(owtt_async.DailyTokenLimitExceededError) as caught:
        await charge(berlin)
    clock.now = after_midnight  # type: ignore[assignment]
    await charge(berlin)
    berlin_balance = await berlin.balance(user_id="u1", name="Pool")
    utc_balance = await utc_days.balance(user_id="u1", name="Pool")

    assert caught.value.resets_at == after_midnight
    assert berlin_balance.day_start == after_midnight
    assert berlin_balance.daily_used == FIFTEEN
    assert berlin_balance.day_start.astimezone(ZoneInfo("Europe/Berlin")).hour == 0
    # Both charges fall on one UTC day, as a reader configured for UTC reports.
    assert utc_balance.daily_used == 2 * FIFTEEN


async def test_fall_back_day_counts_all_25_hours(
    database: owtt_async.Database, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=30)
    clock = FakeClock(utc(2026, 10, 24, 22, 0))  # 00:00 in Berlin, summer time
    usage = SponsoredUsage(database, clock=clock, time_zone="Europe/Berlin")

    await charge(usage)
    clock.now = utc(2026, 10, 25, 22, 59, 59)  # 23:59:59 in Berlin, winter time
    await charge(usage)
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.next_reset - balance.day_start == timedelta(hours=25)
    assert balance.daily_used == 2 * FIFTEEN
    assert balance.daily_remaining == 0
