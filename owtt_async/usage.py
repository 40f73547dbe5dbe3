"""Blocking functions for charging usage to sponsored allowances, for scripts.

Each function runs ``owtt_async.SponsoredUsage`` on the library's own event loop, with
one connection pool per URL for the life of the process. Calls from many threads are
grouped into shared transactions, just as concurrent coroutines are. ``database_url=None``
means the ``DATABASE_URL`` environment variable; ``time_zone`` is the IANA zone whose
midnight starts the daily limit's day (default UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ._runner import run
from ._usage import DEFAULT_HOLD_TIMEOUT, SponsoredUsage
from ._usage_records import Charge, CreditBalance, Hold

__all__ = [
    "charge_usage",
    "next_reset",
    "release_expired_holds",
    "release_usage",
    "remaining_credits",
    "reserve_usage",
    "settle_usage",
]


def charge_usage(
    database_url: str | None,
    user_id: str,
    model_id: str,
    prompt_tokens: int,
    response_tokens: int,
    allowance_id: str | None = None,
    name: str | None = None,
    time_zone: str | None = None,
) -> Charge:
    """Record a request's usage against the allowance with this id or name.

    Raises TotalTokenLimitExceededError or DailyTokenLimitExceededError (both
    TokenLimitExceededError) when a limit would be passed, and nothing is recorded.
    """
    return run(
        database_url,
        lambda database: SponsoredUsage(database, time_zone=time_zone).charge(
            user_id=user_id,
            model_id=model_id,
            prompt_tokens=prompt_tokens,
            response_tokens=response_tokens,
            allowance_id=allowance_id,
            name=name,
        ),
    )


def reserve_usage(
    database_url: str | None,
    user_id: str,
    model_id: str,
    prompt_tokens: int,
    max_response_tokens: int,
    allowance_id: str | None = None,
    name: str | None = None,
    time_zone: str | None = None,
    hold_timeout: timedelta | float = DEFAULT_HOLD_TIMEOUT,
) -> Hold:
    """Hold the cost of a request before calling the model; settle or release it later."""
    return run(
        database_url,
        lambda database: SponsoredUsage(
            database, time_zone=time_zone, hold_timeout=hold_timeout
        ).reserve(
            user_id=user_id,
            model_id=model_id,
            prompt_tokens=prompt_tokens,
            max_response_tokens=max_response_tokens,
            allowance_id=allowance_id,
            name=name,
        ),
    )


def settle_usage(
    database_url: str | None, hold_id: str, prompt_tokens: int, response_tokens: int
) -> Charge:
    """Record a held request's real usage, giving back the rest of the hold."""
    return run(
        database_url,
        lambda database: SponsoredUsage(database).settle(
            hold_id, prompt_tokens=prompt_tokens, response_tokens=response_tokens
        ),
    )


def release_usage(database_url: str | None, hold_id: str) -> bool:
    """Give a hold back unused; return False when it was already settled or released."""
    return run(database_url, lambda database: SponsoredUsage(database).release(hold_id))


def release_expired_holds(database_url: str | None = None) -> int:
    """Delete every hold whose timeout has passed; return how many."""
    return run(database_url, lambda database: SponsoredUsage(database).release_expired())


def remaining_credits(
    database_url: str | None,
    user_id: str,
    allowance_id: str | None = None,
    name: str | None = None,
    time_zone: str | None = None,
) -> CreditBalance:
    """Return the user's remaining daily credits and the allowance's remaining total."""
    return run(
        database_url,
        lambda database: SponsoredUsage(database, time_zone=time_zone).balance(
            user_id=user_id, allowance_id=allowance_id, name=name
        ),
    )


def next_reset(time_zone: str | None = None, at: datetime | None = None) -> datetime:
    """Return the UTC instant at which the day containing ``at`` (default now) ends."""
    from ._days import day_of, load_zone

    zone = load_zone(time_zone)
    instant = at if at is not None else datetime.now(zone)
    return day_of(instant, zone).end
