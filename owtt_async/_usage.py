"""``SponsoredUsage``: charge usage to sponsored allowances and enforce their limits.

How it stays exact, and fast, at any size of the usage log:

- **Counters, not sums.** A trigger on ``token_tracking_usage_log`` adds each
  sponsored row's cost to ``owtt_usage_total`` (per allowance) and
  ``owtt_usage_quarter_hour`` (per allowance, user and quarter hour), whoever writes
  the row: owtt_async or the original package. The migration fills them from the
  rows logged before. A charge reads one total row and at most 100 quarter-hour
  rows, however long the log grows.
- **Priced when recorded.** The trigger prices a row when it is inserted, so a later
  price change applies to later usage only and never re-prices what was charged.
  (The migration prices rows logged before it ran at the prices of that moment.)
- **Decided under a lock.** Each charge or reservation is decided while the
  allowance's counter row is locked (``owtt_async._ledger``), and concurrent ones
  are grouped into one transaction per allowance (``owtt_async._batcher``), so the
  total and every user's day can reach their limits but never pass them, from any
  number of coroutines and processes.
- **Holds.** A reservation holds credits in ``owtt_usage_hold``; they count against
  both limits until settled, released, or expired.

Credits follow the rounding rule in ``owtt_async._credits``; days follow
``owtt_async._days``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Literal

import databases

from ._batcher import batcher_for
from ._days import day_of, load_zone
from ._errors import AllowanceNotFoundError, DuplicateNameError, InvalidInputError, InvalidTypeError
from ._ledger import (
    Request,
    read_balance,
    release_expired_holds,
    release_hold,
    run_batch,
    settle_hold,
)
from ._records import allowances_from_rows
from ._session import Session, open_session, read_with_retry, target_of
from ._usage_records import Charge, CreditBalance, Hold
from ._validation import (
    MAX_INTEGER,
    check_allowance_id,
    check_optional_allowance_id,
    check_optional_text,
    check_text,
    require_identifier,
)

DEFAULT_HOLD_TIMEOUT = timedelta(minutes=10)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SponsoredUsage:
    """Charge, reserve and settle usage of sponsored allowances on a connected Database.

    ``time_zone`` is the IANA zone whose midnight starts each day of the daily limit
    (default UTC). ``hold_timeout`` is how long a reservation holds credits before it
    counts as abandoned (default 10 minutes). ``clock`` returns the current time as
    an aware datetime; tests replace it.
    """

    def __init__(
        self,
        database: databases.Database,
        *,
        time_zone: str | tzinfo | None = None,
        hold_timeout: timedelta | float = DEFAULT_HOLD_TIMEOUT,
        clock: Clock = utc_now,
    ) -> None:
        self._database = database
        self._target = target_of(database)
        self.time_zone = load_zone(time_zone)
        self.hold_timeout = _check_timeout("hold_timeout", hold_timeout)
        self._clock = clock

    async def charge(
        self,
        *,
        user_id: str,
        model_id: str,
        prompt_tokens: int,
        response_tokens: int,
        allowance_id: str | None = None,
        name: str | None = None,
    ) -> Charge:
        """Record a request's usage and charge it to the allowance with this id or name.

        Raises TotalTokenLimitExceededError or DailyTokenLimitExceededError when the
        cost would take the allowance's total or the user's day past its limit,
        ModelNotAllowedError when the model is not a base model of the allowance,
        and ModelPriceError when it has no complete price. Nothing is recorded then.
        """
        request = self._request("charge", user_id, model_id, prompt_tokens, response_tokens)
        outcome = await self._submit(allowance_id, name, request)
        assert isinstance(outcome, Charge)
        return outcome

    async def reserve(
        self,
        *,
        user_id: str,
        model_id: str,
        prompt_tokens: int,
        max_response_tokens: int,
        allowance_id: str | None = None,
        name: str | None = None,
    ) -> Hold:
        """Hold the cost of a request whose response is still to come.

        The hold costs ``prompt_tokens`` plus ``max_response_tokens`` at the model's
        price and counts against both limits until ``settle`` or ``release``, or
        until ``hold_timeout`` passes. Raises the same errors as ``charge``.
        """
        request = self._request("reserve", user_id, model_id, prompt_tokens, max_response_tokens)
        outcome = await self._submit(allowance_id, name, request)
        assert isinstance(outcome, Hold)
        return outcome

    async def settle(self, hold_id: str, *, prompt_tokens: int, response_tokens: int) -> Charge:
        """Record a held request's real usage and return the unused rest of the hold.

        The usage is dated when the hold was made and charged in full, even when it
        costs more than the hold. Raises HoldNotFoundError when the hold was already
        settled or released.
        """
        hold = check_allowance_id("hold_id", hold_id)
        prompt = check_tokens("prompt_tokens", prompt_tokens)
        response = check_tokens("response_tokens", response_tokens)
        async with self._session() as session:
            return await settle_hold(session, hold, prompt, response)

    async def release(self, hold_id: str) -> bool:
        """Give a hold's credits back unused; return False when it was already gone."""
        hold = check_allowance_id("hold_id", hold_id)
        async with self._session() as session:
            return await release_hold(session, hold)

    async def release_expired(self) -> int:
        """Delete the holds whose timeout has passed; return how many.

        Expired holds already stop counting against the limits; this only removes
        their rows, for example from a periodic job.
        """
        async with self._session() as session:
            return await release_expired_holds(session, self._now())

    async def balance(
        self, *, user_id: str, allowance_id: str | None = None, name: str | None = None
    ) -> CreditBalance:
        """Return the user's remaining daily credits and the allowance's remaining total."""
        user_id = check_text("user_id", user_id)
        target_id = await self._resolve(allowance_id, name)
        now = self._now()

        async def read(session: Session) -> CreditBalance:
            return await read_balance(session, target_id, user_id, now, self.time_zone)

        return await read_with_retry(self._database, self._target, read)

    def next_reset(self, at: datetime | None = None) -> datetime:
        """Return the UTC instant at which the day containing ``at`` (default now) ends."""
        instant = self._now() if at is None else _check_instant("at", at)
        return day_of(instant, self.time_zone).end

    @asynccontextmanager
    async def reservation(
        self,
        *,
        user_id: str,
        model_id: str,
        prompt_tokens: int,
        max_response_tokens: int,
        allowance_id: str | None = None,
        name: str | None = None,
    ) -> AsyncIterator[Reservation]:
        """Hold credits for the block, then settle what it reported, or release.

        Inside the block, report the tokens used with ``reservation.update(...)``,
        also while a response streams. On leaving the block, normally, by an error or
        by cancellation, the hold is settled with the last counts reported (the
        prompt counts as ``prompt_tokens`` unless updated), or released if the block
        reported nothing. The settled Charge is then ``reservation.charge``.
        """
        hold = await self.reserve(
            user_id=user_id,
            model_id=model_id,
            prompt_tokens=prompt_tokens,
            max_response_tokens=max_response_tokens,
            allowance_id=allowance_id,
            name=name,
        )
        reservation = Reservation(hold)
        try:
            yield reservation
        finally:
            # Shielded, so that a cancelled stream still settles what it used.
            await asyncio.shield(self._finish(reservation))

    async def _finish(self, reservation: Reservation) -> None:
        if not reservation.reported:
            await self.release(reservation.hold.id)
            return
        reservation.charge = await self.settle(
            reservation.hold.id,
            prompt_tokens=reservation.prompt_tokens,
            response_tokens=reservation.response_tokens,
        )

    def _request(
        self,
        kind: Literal["charge", "reserve"],
        user_id: Any,
        model_id: Any,
        prompt_tokens: Any,
        response_tokens: Any,
    ) -> Request:
        return Request(
            kind=kind,
            user_id=check_text("user_id", user_id),
            model_id=check_text("model_id", model_id),
            prompt_tokens=check_tokens("prompt_tokens", prompt_tokens),
            response_tokens=check_tokens(
                "response_tokens" if kind == "charge" else "max_response_tokens", response_tokens
            ),
            now=self._now(),
            zone=self.time_zone,
            hold_timeout=self.hold_timeout,
        )

    async def _submit(
        self, allowance_id: str | None, name: str | None, request: Request
    ) -> Charge | Hold:
        target_id = await self._resolve(allowance_id, name)
        if _task_has_transaction(self._database):
            # Join the caller's transaction: a batch shared with other tasks could
            # not commit or roll back together with it.
            async with self._session() as session:
                outcome = (await run_batch(session, target_id, [request]))[0]
        else:
            outcome = await batcher_for(self._database, self._target).submit(target_id, request)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _resolve(self, allowance_id: str | None, name: str | None) -> uuid.UUID:
        require_identifier("charging", allowance_id, name)
        key_id = check_optional_allowance_id("allowance_id", allowance_id)
        key_name = check_optional_text("name", name)
        if key_name is None:
            assert key_id is not None
            return key_id

        async def read(session: Session) -> list[dict[str, Any]]:
            return allowances_from_rows(
                await session.fetch_all("allowance/select_by_name", name=key_name)
            )

        found = await read_with_retry(self._database, self._target, read)
        if key_id is not None:
            found = [allowance for allowance in found if allowance["id"] == str(key_id)]
        if not found:
            raise AllowanceNotFoundError(f"no sponsored allowance named {key_name!r}")
        if len(found) > 1:
            raise DuplicateNameError(
                f"{len(found)} sponsored allowances are named {key_name!r}; pass allowance_id"
            )
        return uuid.UUID(found[0]["id"])

    def _now(self) -> datetime:
        return _check_instant("the clock's time", self._clock())

    def _session(self) -> Any:
        return open_session(self._database, self._target)


class Reservation:
    """A hold in use by ``SponsoredUsage.reservation``, and the tokens reported so far."""

    def __init__(self, hold: Hold) -> None:
        self.hold = hold
        self.prompt_tokens = hold.prompt_tokens
        self.response_tokens = 0
        self.reported = False
        self.charge: Charge | None = None

    def update(
        self, *, prompt_tokens: int | None = None, response_tokens: int | None = None
    ) -> None:
        """Report the tokens used so far; the last report is what gets settled."""
        if prompt_tokens is not None:
            self.prompt_tokens = check_tokens("prompt_tokens", prompt_tokens)
        if response_tokens is not None:
            self.response_tokens = check_tokens("response_tokens", response_tokens)
        self.reported = True


def check_tokens(argument: str, value: Any) -> int:
    """Return a token count: a whole number from 0 to 2**31 - 1, as the log's column takes."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(
            f"{argument} must be a whole number (int), not {type(value).__name__}"
        )
    if not 0 <= value <= MAX_INTEGER:
        raise InvalidInputError(f"{argument} must be between 0 and {MAX_INTEGER}, not {value}")
    return value


def _check_timeout(argument: str, value: Any) -> timedelta:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = timedelta(seconds=value)
    if not isinstance(value, timedelta):
        raise InvalidTypeError(
            f"{argument} must be a timedelta or seconds, not {type(value).__name__}"
        )
    if value <= timedelta(0):
        raise InvalidInputError(f"{argument} must be positive, not {value}")
    return value


def _check_instant(argument: str, value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidTypeError(f"{argument} must be an aware datetime, not {value!r}")
    return value.astimezone(timezone.utc)


def _task_has_transaction(database: databases.Database) -> bool:
    """Return whether the calling task has a transaction open on ``database``.

    Reads databases 0.9.0's private per-task connection map and transaction stack
    (the version is pinned in pyproject.toml); public API offers no such check.
    """
    connection = getattr(database, "_global_connection", None)
    if connection is None:
        connections = getattr(database, "_connection_map", None)
        task = asyncio.current_task()
        if connections is None or task is None:
            return False
        connection = connections.get(task)
    return bool(connection is not None and getattr(connection, "_transaction_stack", None))
