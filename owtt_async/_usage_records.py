"""The values the charging API returns: charges, holds and credit balances.

Credits are ``Decimal`` with six decimal places (whole microcredits, exact); times are
aware UTC datetimes; allowance and hold ids are hyphenated UUID strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Charge:
    """Usage recorded in ``token_tracking_usage_log`` and charged to an allowance.

    For a settled hold, ``held`` is what the hold reserved; the part of it above
    ``credits`` went back to the allowance.
    """

    allowance_id: str
    user_id: str
    model_id: str
    prompt_tokens: int
    response_tokens: int
    credits: Decimal
    log_date: datetime
    hold_id: str | None = None
    held: Decimal | None = None


@dataclass(frozen=True)
class Hold:
    """Credits reserved for a request whose response is still to come.

    They count against both limits until the hold is settled, released, or
    reaches ``expires_at``.
    """

    id: str
    allowance_id: str
    user_id: str
    model_id: str
    prompt_tokens: int
    max_response_tokens: int
    credits: Decimal
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class CreditBalance:
    """A user's standing in a sponsored allowance at one moment.

    ``*_used`` is recorded usage, ``*_held`` credits held by live reservations, and
    ``*_remaining`` the limit minus both; it is negative when usage logged by another
    program overshot the limit. Without a daily limit the ``daily_credit_limit`` and
    ``daily_remaining`` are None. The day runs from ``day_start`` to ``next_reset``.
    """

    allowance_id: str
    user_id: str
    total_credit_limit: int
    total_used: Decimal
    total_held: Decimal
    total_remaining: Decimal
    daily_credit_limit: int | None
    daily_used: Decimal
    daily_held: Decimal
    daily_remaining: Decimal | None
    day_start: datetime
    next_reset: datetime
