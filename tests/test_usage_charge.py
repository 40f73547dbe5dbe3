"""Charging usage and enforcing limits, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import owtt_async
from owtt_async import SponsoredAllowances, SponsoredUsage
from owtt_async._credits import MICROCREDITS_PER_CREDIT

from .conftest import table_snapshot
from .usage_support import FakeClock, expected_credits, make_allowance, utc

NOON = utc(2026, 12, 4, 12, 0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def usage(database: owtt_async.Database, clock: FakeClock) -> SponsoredUsage:
    return SponsoredUsage(database, clock=clock)


async def test_charge_records_usage_row(
    usage: SponsoredUsage, allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    pool = await make_allowance(allowances)

    charge = await usage.charge(
        user_id="user-1", model_id="gpt-4o", prompt_tokens=1200, response_tokens=800, name="Pool"
    )

    assert charge.credits == expected_credits("gpt-4o", 1200, 800)
    assert charge.allowance_id == pool["id"]
    assert charge.log_date == NOON
    rows = await database.fetch_all(
        "SELECT user_id, provider, model_id, prompt_tokens, response_tokens"
        " FROM token_tracking_usage_log"
    )
    assert [tuple(row.values()) for row in rows] == [  # type: ignore[attr-defined]
        ("user-1", "openai", "gpt-4o", 1200, 800)
    ]


async def test_balance_counts_charges(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=1000, response_tokens=100, name="Pool"
    )
    await usage.charge(
        user_id="u2", model_id="gpt-4o-mini", prompt_tokens=10, response_tokens=5, name="Pool"
    )

    balance = await usage.balance(user_id="u1", name="Pool")

    spent = expected_credits("gpt-4o", 1000, 100) + expected_credits("gpt-4o-mini", 10, 5)
    assert balance.total_used == spent
    assert balance.total_remaining == 1000 - spent
    assert balance.daily_used == expected_credits("gpt-4o", 1000, 100)
    assert balance.daily_remaining == 100 - expected_credits("gpt-4o", 1000, 100)
    assert balance.next_reset == utc(2026, 12, 5)


async def test_no_daily_limit_means_no_daily_cap(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=None, total_credit_limit=50)

    for _ in range(3):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.daily_credit_limit is None
    assert balance.daily_remaining is None
    assert balance.daily_used == Decimal(45)
    assert balance.total_remaining == Decimal(5)


async def test_total_limit_refused_with_figures(
    usage: SponsoredUsage, allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make_allowance(allowances, total_credit_limit=20, daily_credit_limit=None)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.TotalTokenLimitExceededError) as caught:
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )

    error = caught.value
    assert isinstance(error, owtt_async.TokenLimitExceededError)
    assert error.limit == "total"
    assert error.remaining == Decimal(5)
    assert error.requested == Decimal(15)
    assert error.resets_at == utc(2026, 12, 5)
    assert "total limit" in str(error)
    assert "5 of the 20 total credits are left" in str(error)
    assert await table_snapshot(database) == before


async def test_daily_limit_refused_with_reset_time(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=20)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    with pytest.raises(owtt_async.DailyTokenLimitExceededError) as caught:
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )
    other_user = await usage.charge(
        user_id="u2", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    assert caught.value.limit == "daily"
    assert caught.value.remaining == Decimal(5)
    assert "resets at 2026-12-05T00:00:00+00:00" in str(caught.value)
    assert other_user.credits == Decimal(15)


async def test_charge_up_to_limit_exactly(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=30, daily_credit_limit=None)

    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    balance = await usage.balance(user_id="u1", name="Pool")

    assert balance.total_remaining == 0
    with pytest.raises(owtt_async.TotalTokenLimitExceededError):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=1, response_tokens=0, name="Pool"
        )


async def test_model_outside_allowance_refused(
    usage: SponsoredUsage, allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make_allowance(allowances, models=["gpt-4o"])
    before = await table_snapshot(database)

    with pytest.raises(
        owtt_async.ModelNotAllowedError, match="'claude-3-5-sonnet' is not a base model"
    ):
        await usage.charge(
            user_id="u1",
            model_id="claude-3-5-sonnet",
            prompt_tokens=1,
            response_tokens=1,
            name="Pool",
        )
    with pytest.raises(ValueError, match="not a base model"):
        await usage.charge(
            user_id="u1", model_id="no-such-model", prompt_tokens=1, response_tokens=1, name="Pool"
        )
    assert await table_snapshot(database) == before


async def test_model_without_price_refused(
    usage: SponsoredUsage, allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make_allowance(allowances, models=["gpt-4o"])
    await database.execute(
        "UPDATE token_tracking_model_pricing SET output_cost_credits = NULL WHERE id = 'gpt-4o'"
    )

    with pytest.raises(owtt_async.ModelPriceError, match="no complete price"):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=1, response_tokens=1, name="Pool"
        )
    balance = await usage.balance(user_id="u1", name="Pool")
    assert balance.total_used == 0


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        pytest.param("prompt_tokens", -1, owtt_async.InvalidInputError, id="negative-tokens"),
        pytest.param("prompt_tokens", 1.5, owtt_async.InvalidTypeError, id="float-tokens"),
        pytest.param("response_tokens", 2**31, owtt_async.InvalidInputError, id="too-many-tokens"),
        pytest.param("user_id", "", owtt_async.InvalidInputError, id="empty-user"),
        pytest.param("model_id", None, owtt_async.InvalidTypeError, id="missing-model"),
    ],
)
async def test_bad_arguments_rejected(
    usage: SponsoredUsage,
    allowances: SponsoredAllowances,
    database: owtt_async.Database,
    field: str,
    value: object,
    error: type[Exception],
) -> None:
    await make_allowance(allowances)
    arguments: dict = {
        "user_id": "u1",
        "model_id": "gpt-4o",
        "prompt_tokens": 1,
        "response_tokens": 1,
    }
    arguments[field] = value
    before = await table_snapshot(database)

    with pytest.raises(error, match=field):
        await usage.charge(name="Pool", **arguments)
    assert await table_snapshot(database) == before


async def test_unknown_allowance_is_not_found(usage: SponsoredUsage) -> None:
    with pytest.raises(owtt_async.AllowanceNotFoundError):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=1, response_tokens=1, name="nobody"
        )
    with pytest.raises(owtt_async.AllowanceNotFoundError):
        await usage.charge(
            user_id="u1",
            model_id="gpt-4o",
            prompt_tokens=1,
            response_tokens=1,
            allowance_id="4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        )


async def test_concurrent_charges_admit_exactly_what_fits(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    fits = 37
    await make_allowance(allowances, total_credit_limit=15 * fits, daily_credit_limit=None)

    results = await asyncio.gather(
        *(
            usage.charge(
                user_id=f"u{i % 7}",
                model_id="gpt-4o",
                prompt_tokens=0,
                response_tokens=1000,
                name="Pool",
            )
            for i in range(200)
        ),
        return_exceptions=True,
    )
    balance = await usage.balance(user_id="u0", name="Pool")

    admitted = [result for result in results if isinstance(result, owtt_async.Charge)]
    refused = [
        result for result in results if isinstance(result, owtt_async.TotalTokenLimitExceededError)
    ]
    assert len(admitted) == fits
    assert len(refused) == 200 - fits
    assert balance.total_remaining == 0


async def test_concurrent_daily_caps_hold_per_user(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=1_000_000, daily_credit_limit=150)

    results = await asyncio.gather(
        *(
            usage.charge(
                user_id=f"u{i % 4}",
                model_id="gpt-4o",
                prompt_tokens=0,
                response_tokens=1000,
                name="Pool",
            )
            for i in range(200)
        ),
        return_exceptions=True,
    )

    for user in ("u0", "u1", "u2", "u3"):
        admitted = [r for r in results if isinstance(r, owtt_async.Charge) and r.user_id == user]
        assert len(admitted) == 10, user
        balance = await usage.balance(user_id=user, name="Pool")
        assert balance.daily_remaining == 0
    refused = [r for r in results if isinstance(r, owtt_async.DailyTokenLimitExceededError)]
    assert len(refused) == 160


async def test_thousand_small_charges_sum_exactly(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(
        allowances, models=["gpt-4o-mini"], total_credit_limit=1_000, daily_credit_limit=None
    )

    charges = await asyncio.gather(
        *(
            usage.charge(
                user_id=f"u{i % 10}",
                model_id="gpt-4o-mini",
                prompt_tokens=7 + i % 3,
                response_tokens=3,
                name="Pool",
            )
            for i in range(1000)
        )
    )
    balance = await usage.balance(user_id="u0", name="Pool")

    expected = sum(expected_credits("gpt-4o-mini", 7 + i % 3, 3) for i in range(1000))
    assert sum(charge.credits for charge in charges) == expected
    assert balance.total_used == expected
    assert balance.total_used * MICROCREDITS_PER_CREDIT == int(
        balance.total_used * MICROCREDITS_PER_CREDIT
    )


async def test_raised_limit_applies_at_once(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=1_000, daily_credit_limit=15)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    with pytest.raises(owtt_async.DailyTokenLimitExceededError):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )

    await allowances.update(name="Pool", daily_credit_limit=30)
    charge = await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    assert charge.credits == Decimal(15)
    assert (await usage.balance(user_id="u1", name="Pool")).daily_remaining == 0


async def test_lowered_total_refuses_at_once(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, total_credit_limit=1_000, daily_credit_limit=None)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    await allowances.update(name="Pool", total_credit_limit=20)

    with pytest.raises(owtt_async.TotalTokenLimitExceededError):
        await usage.charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )


async def test_price_change_keeps_charged_usage(
    usage: SponsoredUsage, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances, daily_credit_limit=None)
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )

    await owtt_async.ModelPricing(usage._database).upsert(
        model_id="gpt-4o",
        provider="openai",
        name="GPT-4o",
        input_cost_credits=3750,
        per_input_tokens=1_000_000,
        output_cost_credits=30_000,
        per_output_tokens=1_000_000,
    )
    after = await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    balance = await usage.balance(user_id="u1", name="Pool")

    assert after.credits == Decimal(30)
    assert balance.total_used == Decimal(45)


async def test_charge_joins_callers_transaction(
    usage: SponsoredUsage, allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make_allowance(allowances)
    before = await table_snapshot(database)

    transaction = await database.transaction()
    await usage.charge(
        user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
    )
    await transaction.rollback()

    assert await table_snapshot(database) == before
    assert (await usage.balance(user_id="u1", name="Pool")).total_used == 0
