"""The transactions behind charging: decide requests under a lock, then write them.

Every write that changes an allowance's usage first locks its row in
``owtt_usage_total`` (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` already admits one writer). Under that lock a batch of requests reads the
limits, the prices, the live holds and the users' usage for the day. It decides
each request in order, in exact integer microcredits, and writes the admitted ones
with one statement per table. The counting trigger then adds their cost to the counters, and
the batch checks that the counters moved by exactly the decided amounts: a price
changed in between (or a missing trigger) rolls the batch back rather than letting a
limit be passed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Literal

from ._credits import Price, cost_micro, credits_from_micro, micro_from_credits, price_from_row
from ._days import Day, day_of, quarter_hour
from ._errors import AllowanceNotFoundError, SchemaError
from ._records import canonical_id, utc_datetime
from ._session import Row, Session
from ._usage_errors import (
    DailyTokenLimitExceededError,
    HoldNotFoundError,
    ModelNotAllowedError,
    ModelPriceError,
    TokenLimitExceededError,
    TotalTokenLimitExceededError,
)
from ._usage_records import Charge, CreditBalance, Hold

Outcome = Charge | Hold | Exception

# How often a batch is decided again when the counters moved by other amounts than
# it decided (a price changed while it ran) before the call fails.
_ATTEMPTS = 3


@dataclass
class Request:
    """One charge, or one reservation, waiting to be decided.

    For a reservation, ``response_tokens`` is the most the response may use.
    """

    kind: Literal["charge", "reserve"]
    user_id: str
    model_id: str
    prompt_tokens: int
    response_tokens: int
    now: datetime
    zone: tzinfo
    hold_timeout: timedelta
    future: asyncio.Future[Outcome] | None = field(default=None, repr=False)


class _CountMismatch(Exception):
    """The counters did not move by the amounts the batch decided."""


async def run_batch(
    session: Session, allowance_id: uuid.UUID, requests: Sequence[Request]
) -> list[Outcome]:
    """Decide and write ``requests`` in one transaction; return one outcome each.

    A refused request's outcome is its TokenLimitExceededError or model error; errors
    of the database itself are raised and leave nothing written.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with session.transaction():
                return await _decide_and_write(session, allowance_id, requests)
        except _CountMismatch:
            if attempt == _ATTEMPTS:
                raise SchemaError(
                    "the usage counters did not change as the recorded usage requires; "
                    "make sure the owtt_usage_count trigger exists by running the "
                    "migration (owtt_async.migrate_database())"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _decide_and_write(
    session: Session, allowance_id: uuid.UUID, requests: Sequence[Request]
) -> list[Outcome]:
    stored_id = session.uuid_value(allowance_id)
    allowance = await lock_allowance(session, allowance_id)
    rows = await session.fetch_all("usage/select_models", allowance_id=stored_id)
    prices = {row["model_id"]: price_from_row(row) for row in rows}

    batch_now = min(request.now for request in requests)
    holds = await session.fetch_all(
        "usage/select_live_holds", allowance_id=stored_id, now=time_parameter(session, batch_now)
    )
    total_micro = int(allowance["used_micro"]) + sum(int(hold["held_micro"]) for hold in holds)
    daily_micro = await _daily_usage(session, stored_id, allowance, requests, holds)

    label = _label(allowance_id, allowance["name"])
    outcomes: list[Outcome] = []
    usage_rows: list[dict[str, Any]] = []
    hold_rows: list[dict[str, Any]] = []
    charged_micro = 0

    for request in requests:
        day = day_of(request.now, request.zone)
        price = _price(prices, request.model_id, label)
        if isinstance(price, Exception):
            outcomes.append(price)
            continue

        cost = cost_micro(price, request.prompt_tokens, request.response_tokens)
        daily_key = (request.user_id, day.start)
        refusal = _refusal(
            allowance, label, request, day, cost, total_micro, daily_micro.get(daily_key, 0)
        )
        if refusal is not None:
            outcomes.append(refusal)
            continue

        total_micro += cost
        daily_micro[daily_key] = daily_micro.get(daily_key, 0) + cost
        if request.kind == "charge":
            charged_micro += cost
            usage_rows.append(_usage_row(session, request, price, request.now))
            outcomes.append(_charge(allowance_id, request, cost, request.now))
        else:
            hold = _hold(allowance_id, request, cost)
            hold_rows.append(_hold_row(session, hold, price))
            outcomes.append(hold)

    if hold_rows:
        await session.execute(
            "usage/insert_holds", allowance_id=stored_id, rows=json.dumps(hold_rows)
        )
    if usage_rows:
        await session.execute(
            "usage/insert_usage", allowance_id=stored_id, rows=json.dumps(usage_rows)
        )
        row = await session.fetch_one("usage/select_total_used", allowance_id=stored_id)
        if row is None or int(row["used_micro"]) != int(allowance["used_micro"]) + charged_micro:
            raise _CountMismatch
    return outcomes


async def lock_allowance(session: Session, allowance_id: uuid.UUID) -> Row:
    """Lock the allowance's counter row; return its limits, name and used microcredits."""
    stored_id = session.uuid_value(allowance_id)
    row = await session.fetch_one("usage/lock_allowance", allowance_id=stored_id)
    if row is None:
        await session.execute("usage/ensure_total", allowance_id=stored_id)
        row = await session.fetch_one("usage/lock_allowance", allowance_id=stored_id)
    if row is None:
        raise AllowanceNotFoundError(f"no sponsored allowance with id {str(allowance_id)!r}")
    return row


async def _daily_usage(
    session: Session,
    stored_id: Any,
    allowance: Row,
    requests: Sequence[Request],
    holds: Sequence[Row],
) -> dict[tuple[str, datetime], int]:
    """Return each requesting user's used and held microcredits for the request's day."""
    if allowance["daily_credit_limit"] is None:
        return {}

    users_by_day: dict[Day, set[str]] = {}
    for request in requests:
        users_by_day.setdefault(day_of(request.now, request.zone), set()).add(request.user_id)

    usage: dict[tuple[str, datetime], int] = {}
    for day, users in users_by_day.items():
        rows = await session.fetch_all(
            "usage/select_daily_used",
            allowance_id=stored_id,
            user_ids=session.string_list_value(sorted(users)),
            first_quarter_hour=day.first_quarter_hour,
            end_quarter_hour=day.end_quarter_hour,
        )
        for row in rows:
            usage[(row["user_id"], day.start)] = int(row["used_micro"])
        for hold in holds:
            in_day = day.first_quarter_hour <= int(hold["quarter_hour"]) < day.end_quarter_hour
            if hold["user_id"] in users and in_day:
                key = (hold["user_id"], day.start)
                usage[key] = usage.get(key, 0) + int(hold["held_micro"])
    return usage


def _price(prices: dict[str, Price | None], model_id: str, label: str) -> Price | Exception:
    if model_id not in prices:
        allowed = ", ".join(repr(model) for model in sorted(prices)) or "none"
        return ModelNotAllowedError(
            f"model {model_id!r} is not a base model of sponsored allowance {label} "
            f"(its base models: {allowed}); nothing was charged"
        )
    price = prices[model_id]
    if price is None:
        return ModelPriceError(
            f"model {model_id!r} has no complete price in token_tracking_model_pricing, "
            "so it cannot be charged; set its costs and token counts with "
            "owtt_async.model_pricing.upsert_model_pricing. Nothing was charged"
        )
    return price


def _refusal(
    allowance: Row,
    label: str,
    request: Request,
    day: Day,
    cost: int,
    total_micro: int,
    daily_micro: int,
) -> TokenLimitExceededError | None:
    total_limit = int(allowance["total_credit_limit"])
    daily_limit = allowance["daily_credit_limit"]
    if total_micro + cost > micro_from_credits(total_limit):
        return TotalTokenLimitExceededError(
            allowance=label,
            user_id=request.user_id,
            limit_credits=total_limit,
            remaining=credits_from_micro(micro_from_credits(total_limit) - total_micro),
            requested=credits_from_micro(cost),
            resets_at=day.end,
        )
    if daily_limit is not None and daily_micro + cost > micro_from_credits(daily_limit):
        return DailyTokenLimitExceededError(
            allowance=label,
            user_id=request.user_id,
            limit_credits=int(daily_limit),
            remaining=credits_from_micro(micro_from_credits(daily_limit) - daily_micro),
            requested=credits_from_micro(cost),
            resets_at=day.end,
        )
    return None


def _charge(allowance_id: uuid.UUID, request: Request, cost: int, log_date: datetime) -> Charge:
    return Charge(
        allowance_id=str(allowance_id),
        user_id=request.user_id,
        model_id=request.model_id,
        prompt_tokens=request.prompt_tokens,
        response_tokens=request.response_tokens,
        credits=credits_from_micro(cost),
        log_date=log_date,
    )


def _hold(allowance_id: uuid.UUID, request: Request, cost: int) -> Hold:
    return Hold(
        id=str(uuid.uuid4()),
        allowance_id=str(allowance_id),
        user_id=request.user_id,
        model_id=request.model_id,
        prompt_tokens=request.prompt_tokens,
        max_response_tokens=request.response_tokens,
        credits=credits_from_micro(cost),
        created_at=request.now,
        expires_at=request.now + request.hold_timeout,
    )


def _usage_row(
    session: Session, request: Request, price: Price, log_date: datetime
) -> dict[str, Any]:
    return {
        "log_date": time_text(session, log_date),
        "user_id": request.user_id,
        "provider": price.provider,
        "model_id": request.model_id,
        "prompt_tokens": request.prompt_tokens,
        "response_tokens": request.response_tokens,
    }


def _hold_row(session: Session, hold: Hold, price: Price) -> dict[str, Any]:
    return {
        "id": str(session.uuid_value(uuid.UUID(hold.id))),
        "user_id": hold.user_id,
        "model_id": hold.model_id,
        "provider": price.provider,
        "held_micro": int(hold.credits.scaleb(6)),
        "created_at": time_text(session, hold.created_at),
        "quarter_hour": quarter_hour(hold.created_at),
        "expires_at": time_text(session, hold.expires_at),
    }


async def settle_hold(
    session: Session, hold_id: uuid.UUID, prompt_tokens: int, response_tokens: int
) -> Charge:
    """Delete a hold and record its real usage, dated when the hold was made.

    The usage is recorded in full even where it costs more than the hold, because
    the model has already answered; reserving the request's maximum response tokens
    keeps the hold an upper bound.
    """
    stored_hold = session.uuid_value(hold_id)
    async with session.transaction():
        hold = await session.fetch_one("usage/select_hold", id=stored_hold)
        if hold is None:
            raise _hold_not_found(hold_id)
        allowance_id = uuid.UUID(canonical_id(hold["sponsored_allowance_id"]))
        allowance = await lock_allowance(session, allowance_id)
        if await session.fetch_one("usage/delete_hold", id=stored_hold) is None:
            raise _hold_not_found(hold_id)

        created_at = utc_datetime(hold["created_at"])
        row = {
            "log_date": time_text(session, created_at),
            "user_id": hold["user_id"],
            "provider": hold["provider"],
            "model_id": hold["model_id"],
            "prompt_tokens": prompt_tokens,
            "response_tokens": response_tokens,
        }
        stored_id = session.uuid_value(allowance_id)
        await session.execute("usage/insert_usage", allowance_id=stored_id, rows=json.dumps([row]))
        total = await session.fetch_one("usage/select_total_used", allowance_id=stored_id)

    cost = int(total["used_micro"]) - int(allowance["used_micro"]) if total else 0
    return Charge(
        allowance_id=str(allowance_id),
        user_id=hold["user_id"],
        model_id=hold["model_id"],
        prompt_tokens=prompt_tokens,
        response_tokens=response_tokens,
        credits=credits_from_micro(cost),
        log_date=created_at,
        hold_id=str(hold_id),
        held=credits_from_micro(int(hold["held_micro"])),
    )


async def release_hold(session: Session, hold_id: uuid.UUID) -> bool:
    """Delete a hold without recording usage; return False if it was already gone."""
    row = await session.fetch_one("usage/delete_hold", id=session.uuid_value(hold_id))
    return row is not None


async def release_expired_holds(session: Session, now: datetime) -> int:
    """Delete every hold that expired at or before ``now``; return how many."""
    rows = await session.fetch_all("usage/delete_expired_holds", now=time_parameter(session, now))
    return len(rows)


async def read_balance(
    session: Session, allowance_id: uuid.UUID, user_id: str, now: datetime, zone: tzinfo
) -> CreditBalance:
    """Return the user's daily and the allowance's total figures at ``now``.

    NOTE: the figures come from separate statements without a lock, so a charge
    that commits meanwhile can show in one figure and not yet in another. Limits
    are enforced under the lock, never from these figures.
    """
    stored_id = session.uuid_value(allowance_id)
    allowance = await session.fetch_one("usage/select_allowance_usage", allowance_id=stored_id)
    if allowance is None:
        raise AllowanceNotFoundError(f"no sponsored allowance with id {str(allowance_id)!r}")

    day = day_of(now, zone)
    holds = await session.fetch_all(
        "usage/select_live_holds", allowance_id=stored_id, now=time_parameter(session, now)
    )
    rows = await session.fetch_all(
        "usage/select_daily_used",
        allowance_id=stored_id,
        user_ids=session.string_list_value([user_id]),
        first_quarter_hour=day.first_quarter_hour,
        end_quarter_hour=day.end_quarter_hour,
    )

    total_used = int(allowance["used_micro"])
    total_held = sum(int(hold["held_micro"]) for hold in holds)
    daily_used = sum(int(row["used_micro"]) for row in rows)
    daily_held = sum(
        int(hold["held_micro"])
        for hold in holds
        if hold["user_id"] == user_id
        and day.first_quarter_hour <= int(hold["quarter_hour"]) < day.end_quarter_hour
    )
    total_limit = int(allowance["total_credit_limit"])
    daily_limit = allowance["daily_credit_limit"]
    daily_remaining = (
        None
        if daily_limit is None
        else credits_from_micro(micro_from_credits(daily_limit) - daily_used - daily_held)
    )
    return CreditBalance(
        allowance_id=str(allowance_id),
        user_id=user_id,
        total_credit_limit=total_limit,
        total_used=credits_from_micro(total_used),
        total_held=credits_from_micro(total_held),
        total_remaining=credits_from_micro(
            micro_from_credits(total_limit) - total_used - total_held
        ),
        daily_credit_limit=None if daily_limit is None else int(daily_limit),
        daily_used=credits_from_micro(daily_used),
        daily_held=credits_from_micro(daily_held),
        daily_remaining=daily_remaining,
        day_start=day.start,
        next_reset=day.end,
    )


def time_text(session: Session, instant: datetime) -> str:
    """Return an instant as JSON text: ISO 8601, or on SQLite the usage log's UTC text."""
    utc = instant.astimezone(timezone.utc)
    if session.dialect == "postgresql":
        return utc.isoformat()
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")


def time_parameter(session: Session, instant: datetime) -> Any:
    """Return an instant as a statement parameter: a datetime, or SQLite's UTC text."""
    if session.dialect == "postgresql":
        return instant.astimezone(timezone.utc)
    return time_text(session, instant)


def _label(allowance_id: uuid.UUID, name: str | None) -> str:
    return repr(name) if name is not None else f"with id {str(allowance_id)!r}"


def _hold_not_found(hold_id: uuid.UUID) -> HoldNotFoundError:
    return HoldNotFoundError(
        f"no hold with id {str(hold_id)!r}: it was already settled or released, or "
        "it expired and was cleaned up"
    )
