"""Helpers shared by the charging tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import owtt_async
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
    """Return a request's charge by the rule in owtt_async._credits.

    The rule: the exact cost, rounded up to a whole microcredit.
    """
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


async def fixture_cost(database: owtt_async.Database, rows: list[tuple[str, int, int]]) -> Decimal:
    """Exact credits of usage rows, from the pricing the database holds."""
    pricing = owtt_async.ModelPricing(database)
    total = Fraction(0)
    for model_id, prompt, response in rows:
        price = await pricing.get(model_id=model_id)
        total += Fraction(prompt * price["input_cost_credits"], price["per_input_tokens"])
        total += Fraction(response * price["output_cost_credits"], price["per_output_tokens"])
    return Decimal(total.numerator) / Decimal(total.denominator)
