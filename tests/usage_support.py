"""Helpers shared by the charging tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

from owtt_async import SponsoredAllowances

from .conftest import PRICING

PRICES = {row[0]: row[3:] for row in PRICING}


class FakeClock:
    """A clock the test sets by hand; calling it returns the current setting."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def expected_credits(model_id: str, prompt_tokens: int, response_tokens: int) -> Decimal:
    """The charge for a request, from the rule stated in owtt_async._credits: exact, rounded up to a microcredit."""
    input_cost, per_input, output_cost, per_output = PRICES[model_id]
    exact = Fraction(prompt_tokens * input_cost, per_input) + Fraction(
        response_tokens * output_cost, per_output
    )
    micro = exact * 1_000_000
    rounded = -(-micro.numerator // micro.denominator)
    return Decimal(rounded) / Decimal(1_000_000)


async def make_allowance(
    allowances: SponsoredAllowances, name: str = "Pool", **overrides: Any
) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "sponsor_id": "sponsor-1",
        "name": name,
        "models": ["gpt-4o", "gpt-4o-mini"],
        "total_credit_limit": 1_000,
        "daily_credit_limit": 100,
    }
    arguments.update(overrides)
    return await allowances.create(**arguments)
