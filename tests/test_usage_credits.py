"""The credit rule and the day boundaries, without a database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import owtt_async
import owtt_async.usage
from owtt_async._credits import Price, cost_micro, credits_from_micro
from owtt_async._days import day_of, load_zone, quarter_hour, start_of_day

from .usage_support import utc

INT32 = st.integers(min_value=0, max_value=2**31 - 1)


def price(input_cost: int, per_input: int, output_cost: int, per_output: int) -> Price:
    return Price("model", "provider", input_cost, per_input, output_cost, per_output)


def test_cost_exact_for_per_million_prices() -> None:
    gpt_4o = price(3750, 1_000_000, 15_000, 1_000_000)

    assert cost_micro(gpt_4o, 1200, 800) == 16_500_000
    assert cost_micro(gpt_4o, 1, 0) == 3750
    assert cost_micro(gpt_4o, 0, 0) == 0


def test_cost_rounds_up_to_microcredit() -> None:
    thirds = price(1, 3_000_000, 0, 1)

    assert cost_micro(thirds, 1, 0) == 1
    assert cost_micro(thirds, 3, 0) == 1
    assert cost_micro(thirds, 4, 0) == 2


def test_cost_rounds_the_sum_once() -> None:
    # 1/3 + 2/3 of a microcredit is exactly one microcredit, not two.
    thirds = price(1, 3_000_000, 2, 3_000_000)

    assert cost_micro(thirds, 1, 1) == 1


@given(INT32, INT32, INT32, st.integers(1, 2**31 - 1), INT32, st.integers(1, 2**31 - 1))
def test_cost_is_ceiling_of_exact_cost(
    prompt: int, response: int, input_cost: int, per_input: int, output_cost: int, per_output: int
) -> None:
    charged = cost_micro(price(input_cost, per_input, output_cost, per_output), prompt, response)
    exact = (
        Fraction(prompt * input_cost, per_input) + Fraction(response * output_cost, per_output)
    ) * 1_000_000

    assert charged >= exact
    assert charged - 1 < exact


def test_credits_are_exact_decimals() -> None:
    assert credits_from_micro(3_750) == Decimal("0.00375")
    assert sum(credits_from_micro(100_001) for _ in range(1000)) == Decimal("100.001")


def test_utc_day_runs_midnight_to_midnight() -> None:
    day = day_of(utc(2026, 12, 4, 23, 59, 59), timezone.utc)

    assert day.start == utc(2026, 12, 4)
    assert day.end == utc(2026, 12, 5)
    assert day_of(utc(2026, 12, 5), timezone.utc).start == utc(2026, 12, 5)


@pytest.mark.parametrize(
    ("local_date", "hours"),
    [
        pytest.param(date(2026, 3, 29), 23, id="spring-forward"),
        pytest.param(date(2026, 10, 25), 25, id="fall-back"),
        pytest.param(date(2026, 7, 1), 24, id="summer"),
    ],
)
def test_berlin_day_length_across_dst(local_date: date, hours: int) -> None:
    zone = ZoneInfo("Europe/Berlin")
    day = day_of(
        datetime.combine(local_date, datetime.min.time(), zone) + timedelta(hours=12), zone
    )

    assert day.end - day.start == timedelta(hours=hours)
    assert day.start.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        local_date, datetime.min.time()
    )


def test_day_starts_after_midnight_gap() -> None:
    # Chile skipped from 00:00 to 01:00 on 2026-09-06: that day starts at 01:00 local.
    zone = ZoneInfo("America/Santiago")
    start = start_of_day(date(2026, 9, 6), zone)

    assert start.astimezone(zone).date() == date(2026, 9, 6)
    assert (start - timedelta(microseconds=1)).astimezone(zone).date() == date(2026, 9, 5)


def test_half_hour_zone_day_fits_quarter_hours() -> None:
    zone = ZoneInfo("Asia/Kolkata")
    day = day_of(utc(2026, 12, 4, 20, 0), zone)

    assert day.start == utc(2026, 12, 4, 18, 30)
    assert day.end_quarter_hour - day.first_quarter_hour == 96
    assert quarter_hour(day.start) * 900 == int(day.start.timestamp())


def test_unknown_zone_is_configuration_error() -> None:
    with pytest.raises(owtt_async.ConfigurationError, match="Mars/Olympus"):
        load_zone("Mars/Olympus")


def test_next_reset_in_zone() -> None:
    reset = owtt_async.usage.next_reset("Europe/Berlin", at=utc(2026, 3, 28, 23, 30))

    assert reset == utc(2026, 3, 29, 22, 0)
