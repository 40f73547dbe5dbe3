"""The price of a request in credits, in exact arithmetic, and its one rounding rule.

A model's row in ``token_tracking_model_pricing`` charges ``input_cost_credits`` per
``per_input_tokens`` prompt tokens and ``output_cost_credits`` per
``per_output_tokens`` response tokens. The exact cost of a request is the rational
number

    prompt_tokens * input_cost_credits / per_input_tokens
    + response_tokens * output_cost_credits / per_output_tokens

**Rounding rule:** a request is charged its exact cost rounded up to the next whole
microcredit (one millionth of a credit). Prices are usually given per 1,000 or
1,000,000 tokens, and then nothing is rounded at all. Charges are stored and summed
as whole microcredits, so any number of them add up exactly. The database applies the
same rule when it counts rows that another program logs (``owtt_usage_cost_micro`` on
PostgreSQL, the ``owtt_usage_log_cost`` view on SQLite).

Figures leave the library as ``Decimal`` credits with six decimal places, which
represent every microcredit amount exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ._session import Row

MICROCREDITS_PER_CREDIT = 1_000_000


@dataclass(frozen=True)
class Price:
    """A model's complete price, as ``token_tracking_model_pricing`` stores it."""

    model_id: str
    provider: str | None
    input_cost_credits: int
    per_input_tokens: int
    output_cost_credits: int
    per_output_tokens: int


def price_from_row(row: Row) -> Price | None:
    """Return the price of a pricing row, or None when a value is missing or unusable.

    A price needs non-negative costs and positive token counts; anything else (NULL,
    or the zero that would divide by zero) means the model cannot be charged.
    """
    costs = (row["input_cost_credits"], row["output_cost_credits"])
    counts = (row["per_input_tokens"], row["per_output_tokens"])
    if any(value is None or value < 0 for value in costs):
        return None
    if any(value is None or value <= 0 for value in counts):
        return None
    return Price(
        model_id=row["model_id"],
        provider=row["provider"],
        input_cost_credits=int(row["input_cost_credits"]),
        per_input_tokens=int(row["per_input_tokens"]),
        output_cost_credits=int(row["output_cost_credits"]),
        per_output_tokens=int(row["per_output_tokens"]),
    )


def exact_cost(price: Price, prompt_tokens: int, response_tokens: int) -> Fraction:
    """Return a request's cost in credits as an exact fraction, before rounding."""
    return Fraction(prompt_tokens * price.input_cost_credits, price.per_input_tokens) + Fraction(
        response_tokens * price.output_cost_credits, price.per_output_tokens
    )


def cost_micro(price: Price, prompt_tokens: int, response_tokens: int) -> int:
    """Return a request's charge in microcredits: the exact cost, rounded up."""
    scaled = exact_cost(price, prompt_tokens, response_tokens) * MICROCREDITS_PER_CREDIT
    return -(-scaled.numerator // scaled.denominator)


def credits_from_micro(microcredits: int) -> Decimal:
    """Return microcredits as an exact ``Decimal`` number of credits."""
    return Decimal(microcredits).scaleb(-6)


def micro_from_credits(credits: Any) -> int:
    """Return a whole number of credits (a limit) in microcredits."""
    return int(credits) * MICROCREDITS_PER_CREDIT
