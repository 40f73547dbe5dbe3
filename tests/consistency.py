"""Checks shared by the load, process, fault and caller tests.

``violations`` reads the allowance tables directly, not through the library under
test, and lists every broken invariant: duplicate names, base model rows without
their allowance, the same base model twice for one allowance, an allowance without
base models. ``OutcomeLog`` records what each call returned or raised, so a test can
check afterwards that the final rows are the result of whole, successful calls.
"""

from __future__ import annotations

import asyncio
import collections
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import owtt_async

T = TypeVar("T")

# Errors that a correct library may raise under contention: the name was taken or
# freed by a concurrent call first. Anything else is a finding.
EXPECTED_RACE_ERRORS = (owtt_async.DuplicateNameError, owtt_async.AllowanceNotFoundError)


# Reads inside one transaction see one state of the database, even while a write
# (say a commit that outlived its cancelled caller) lands between two of them. On
# SQLite a deferred transaction gives that, and SQLite ignores PostgreSQL's option.
SNAPSHOT = {"isolation": "repeatable_read"}


async def violations(database: owtt_async.Database) -> list[str]:
    """Return a description of every broken invariant in the allowance tables."""
    async with database.connection() as connection, connection.transaction(**SNAPSHOT):
        allowances = await connection.fetch_all(
            "SELECT id, name FROM token_tracking_sponsored_allowance"
        )
        models = await connection.fetch_all(
            "SELECT sponsored_allowance_id, base_model_id"
            " FROM token_tracking_sponsored_allowance_base_models"
        )

    found: list[str] = []
    names = collections.Counter(row["name"] for row in allowances if row["name"] is not None)
    found += [f"name {name!r} used {count} times" for name, count in names.items() if count > 1]

    ids = {_id_text(row["id"]) for row in allowances}
    pairs = collections.Counter(
        (_id_text(row["sponsored_allowance_id"]), row["base_model_id"]) for row in models
    )
    found += [f"orphan model row {pair}" for pair in pairs if pair[0] not in ids]
    found += [
        f"model row {pair} stored {count} times" for pair, count in pairs.items() if count > 1
    ]

    with_models = {pair[0] for pair in pairs}
    found += [f"allowance {allowance_id} has no model rows" for allowance_id in ids - with_models]
    return found


def run_on(url: str, work: Callable[[owtt_async.Database], Awaitable[T]]) -> T:
    """Run ``work`` on a Database connected to ``url``, from synchronous code."""

    async def run() -> T:
        database = owtt_async.Database(url)
        await database.connect()
        try:
            return await work(database)
        finally:
            await database.disconnect()

    return asyncio.run(run())


def violations_at(url: str) -> list[str]:
    """``violations`` for a database URL, from synchronous code."""
    return run_on(url, violations)


def _id_text(value: Any) -> str:
    return str(uuid.UUID(str(value)))


def state_of(allowance: dict[str, Any]) -> tuple[Any, ...]:
    """Return an allowance's fields that calls set, to compare states across calls."""
    return (
        allowance["id"],
        allowance["name"],
        allowance["sponsor_id"],
        allowance["total_credit_limit"],
        allowance["daily_credit_limit"],
        tuple(allowance["base_models"]),
    )


@dataclass
class OutcomeLog:
    """What the calls of a run returned or raised."""

    operations: int = 0
    creates: int = 0
    deletes: int = 0
    written_states: set[tuple[Any, ...]] = field(default_factory=set)
    read_states: list[tuple[Any, ...]] = field(default_factory=list)
    expected_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected_errors: list[str] = field(default_factory=list)

    def record(self, operation: str, result: Any, error: BaseException | None) -> None:
        self.operations += 1
        if error is not None:
            if isinstance(error, EXPECTED_RACE_ERRORS) and str(error):
                self.expected_errors[type(error).__name__] += 1
            else:
                self.unexpected_errors.append(f"{operation}: {type(error).__name__}: {error}")
            return
        if operation == "create":
            self.creates += 1
        if operation == "delete":
            self.deletes += 1
        if operation in ("create", "update"):
            self.written_states.add(state_of(result))
        if operation == "get":
            self.read_states.append(state_of(result))

    def merge(self, other: OutcomeLog) -> None:
        self.operations += other.operations
        self.creates += other.creates
        self.deletes += other.deletes
        self.written_states |= other.written_states
        self.read_states += other.read_states
        self.expected_errors.update(other.expected_errors)
        self.unexpected_errors += other.unexpected_errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "creates": self.creates,
            "deletes": self.deletes,
            "written_states": [list(state) for state in self.written_states],
            "read_states": [list(state) for state in self.read_states],
            "expected_errors": dict(self.expected_errors),
            "unexpected_errors": self.unexpected_errors,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutcomeLog:
        return cls(
            operations=data["operations"],
            creates=data["creates"],
            deletes=data["deletes"],
            written_states={_state_from_list(state) for state in data["written_states"]},
            read_states=[_state_from_list(state) for state in data["read_states"]],
            expected_errors=collections.Counter(data["expected_errors"]),
            unexpected_errors=data["unexpected_errors"],
        )


def _state_from_list(state: list[Any]) -> tuple[Any, ...]:
    return (*state[:5], tuple(state[5]))


def check_outcomes(log: OutcomeLog, final: list[dict[str, Any]]) -> None:
    """Assert that the final allowances are what whole, successful calls left."""
    # This module is not a test module, so pytest does not rewrite its asserts:
    # each names its values itself.
    assert log.unexpected_errors == [], log.unexpected_errors
    assert log.creates - log.deletes == len(final), (log.creates, log.deletes, final)

    torn_reads = [state for state in log.read_states if state not in log.written_states]
    assert torn_reads == [], torn_reads

    final_states = [state_of(allowance) for allowance in final]
    unexplained = [state for state in final_states if state not in log.written_states]
    assert unexplained == [], unexplained
