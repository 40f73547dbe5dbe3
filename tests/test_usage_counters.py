"""The database's counters: same rule as Python, idempotent migration, missing trigger."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

import owtt_async
from owtt_async import SponsoredAllowances, SponsoredUsage
from owtt_async._credits import Price, cost_micro

from .conftest import table_snapshot
from .usage_support import fixture_cost, make_allowance


def pricing_cases() -> list[tuple[int, int, int, int, int, int]]:
    """(prompt, response, input cost, per input, output cost, per output) to compare."""
    generator = random.Random(20261204)
    cases = [
        (0, 0, 3750, 1_000_000, 15_000, 1_000_000),
        (1, 1, 1, 3, 2, 3),
        (1, 0, 1, 3_000_000, 2, 3_000_000),
        (7, 11, 13, 7, 17, 11),
        (2**31 - 1, 2**31 - 1, 1000, 2**31 - 1, 1000, 2**31 - 1),
        (10_000_000, 10_000_000, 100_000, 1, 100_000, 1),
        (2**31 - 1, 0, 2**31 - 1, 2**31 - 1, 0, 1),
    ]
    for _ in range(40):
        cases.append(
            (
                generator.randint(0, 10_000_000),
                generator.randint(0, 10_000_000),
                generator.randint(0, 100_000),
                generator.choice(
                    [1, 3, 7, 1000, 999_983, 1_000_000, generator.randint(1, 2**31 - 1)]
                ),
                generator.randint(0, 100_000),
                generator.choice([1, 3, 1000, 1_000_000, generator.randint(1, 2**31 - 1)]),
            )
        )
    return cases


async def test_database_cost_matches_python(
    database: owtt_async.Database, allowances: SponsoredAllowances
) -> None:
    pricing = owtt_async.ModelPricing(database)
    cases = pricing_cases()
    for index, (_, _, input_cost, per_input, output_cost, per_output) in enumerate(cases):
        await pricing.upsert(
            model_id=f"model-{index}",
            provider="test",
            name=f"Model {index}",
            input_cost_credits=input_cost,
            per_input_tokens=per_input,
            output_cost_credits=output_cost,
            per_output_tokens=per_output,
        )
    pool = await make_allowance(allowances, models=["gpt-4o"])
    stored_id: Any = pool["id"]
    if database.target.dialect == "sqlite":
        stored_id = uuid.UUID(pool["id"]).hex
    for index, (prompt, response, *_) in enumerate(cases):
        await database.execute(
            "INSERT INTO token_tracking_usage_log (log_date, user_id, provider, model_id,"
            " prompt_tokens, response_tokens, sponsored_allowance_id)"
            " VALUES (CURRENT_TIMESTAMP, :user_id, 'test', :model_id, :prompt, :response, :id)",
            {
                "user_id": f"user-{index}",
                "model_id": f"model-{index}",
                "prompt": prompt,
                "response": response,
                "id": stored_id,
            },
        )

    rows = await database.fetch_all("SELECT user_id, used_micro FROM owtt_usage_quarter_hour")
    counted = {row["user_id"]: row["used_micro"] for row in rows}
    for index, (prompt, response, *price) in enumerate(cases):
        expected = cost_micro(Price(f"model-{index}", "test", *price), prompt, response)
        assert counted[f"user-{index}"] == expected, cases[index]


async def test_migration_twice_counts_once(original_url: str) -> None:
    owtt_async.migrate_database(original_url)
    owtt_async.migrate_database(original_url)
    database = owtt_async.Database(original_url)
    await database.connect()
    try:
        rows = await database.fetch_all("SELECT used_micro FROM owtt_usage_total")
        logged = await database.fetch_all(
            "SELECT COUNT(*) AS n FROM token_tracking_usage_log"
            " WHERE sponsored_allowance_id IS NOT NULL"
        )
        balance = await SponsoredUsage(database).balance(
            user_id="0b6f5a52-1111-4c3e-9d2a-000000000001", name="AI Department"
        )

        logged_cost = await fixture_cost(
            database, [("gpt-4o-2024-08-06", 1200, 800), ("claude-3-5-sonnet-20241022", 300, 150)]
        )
        assert logged[0]["n"] == 2
        assert [row["used_micro"] for row in rows] == [logged_cost * 1_000_000]
        assert balance.total_used == logged_cost
    finally:
        await database.disconnect()


async def test_missing_trigger_fails_clearly(
    database: owtt_async.Database, allowances: SponsoredAllowances
) -> None:
    await make_allowance(allowances)
    if database.target.dialect == "postgresql":
        await database.execute("DROP TRIGGER owtt_usage_count ON token_tracking_usage_log")
    else:
        await database.execute("DROP TRIGGER owtt_usage_count")
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.SchemaError, match="running the migration"):
        await SponsoredUsage(database).charge(
            user_id="u1", model_id="gpt-4o", prompt_tokens=0, response_tokens=1000, name="Pool"
        )
    assert await table_snapshot(database) == before


async def test_rows_without_user_count_in_total_only(
    database: owtt_async.Database, allowances: SponsoredAllowances
) -> None:
    pool = await make_allowance(allowances)
    stored_id: Any = pool["id"]
    if database.target.dialect == "sqlite":
        stored_id = uuid.UUID(pool["id"]).hex

    await database.execute(
        "INSERT INTO token_tracking_usage_log (log_date, user_id, provider, model_id,"
        " prompt_tokens, response_tokens, sponsored_allowance_id)"
        " VALUES (NULL, NULL, 'openai', 'gpt-4o', 0, 1000, :id)",
        {"id": stored_id},
    )
    quarter_hours = await database.fetch_all("SELECT * FROM owtt_usage_quarter_hour")
    balance = await SponsoredUsage(database).balance(user_id="u1", name="Pool")

    assert quarter_hours == []
    assert balance.total_used == 15
    assert balance.daily_used == 0
