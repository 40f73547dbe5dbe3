"""The migration and model pricing, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import owtt_async
import owtt_async.model_pricing as mp
import owtt_async.sponsored as sp

from .conftest import PRICING, table_snapshot


def test_migration_is_idempotent(empty_url: str) -> None:
    owtt_async.migrate_database(empty_url)
    owtt_async.migrate_database(empty_url)

    assert sp.get_sponsored_allowances(empty_url) == []
    assert mp.list_model_pricing(empty_url) == []


def test_missing_tables_say_how_to_create_them(empty_url: str) -> None:
    with pytest.raises(owtt_async.SchemaError, match="owtt-async db migrate"):
        sp.get_sponsored_allowances(empty_url)
    with pytest.raises(owtt_async.SchemaError, match="migrate_database"):
        sp.create_sponsored_allowance(empty_url, "s", "n", ["gpt-4o"], 1, None)


async def test_concurrent_migrations_agree(empty_url: str) -> None:
    import asyncio

    databases = [owtt_async.Database(empty_url) for _ in range(4)]
    for database in databases:
        await database.connect()
    try:
        await asyncio.gather(*(owtt_async.migrate(database) for database in databases))
        assert await owtt_async.SponsoredAllowances(databases[0]).list() == []
    finally:
        for database in databases:
            await database.disconnect()


def test_pricing_listed_by_id(database_url: str) -> None:
    listed = mp.list_model_pricing(database_url)

    assert [row["id"] for row in listed] == sorted(row[0] for row in PRICING)
    assert mp.list_model_pricing(database_url, provider="openai") == [
        row for row in listed if row["provider"] == "openai"
    ]


def test_pricing_get_and_upsert(database_url: str) -> None:
    before = mp.get_model_pricing(database_url, "gpt-4o")

    changed = mp.upsert_model_pricing(database_url, "gpt-4o", "openai", "GPT-4o (new)", 1, 2, 3, 4)

    assert before["name"] == "GPT-4o"
    assert changed == {
        "id": "gpt-4o",
        "provider": "openai",
        "name": "GPT-4o (new)",
        "input_cost_credits": 1,
        "per_input_tokens": 2,
        "output_cost_credits": 3,
        "per_output_tokens": 4,
    }
    assert mp.get_model_pricing(database_url, "gpt-4o") == changed
    assert len(mp.list_model_pricing(database_url)) == len(PRICING)


def test_pricing_missing_is_key_error(database_url: str) -> None:
    with pytest.raises(KeyError, match="no pricing for model id 'nope'"):
        mp.get_model_pricing(database_url, "nope")
    with pytest.raises(KeyError):
        mp.delete_model_pricing(database_url, "nope")


def test_pricing_delete_refused_while_in_use(database_url: str) -> None:
    sp.create_sponsored_allowance(database_url, "s", "Team", ["gpt-4o"], 1, None)

    with pytest.raises(owtt_async.InUseError, match="'Team'"):
        mp.delete_model_pricing(database_url, "gpt-4o")

    mp.delete_model_pricing(database_url, "mistral-small")
    assert "mistral-small" not in [row["id"] for row in mp.list_model_pricing(database_url)]
    assert mp.get_model_pricing(database_url, "gpt-4o")["id"] == "gpt-4o"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("", "p", "n", 1, 1, 1, 1), owtt_async.InvalidInputError, "model_id must not be empty"),
        (("m", "p", "n", -1, 1, 1, 1), owtt_async.InvalidInputError, "input_cost_credits must be between"),
        (("m", "p", "n", 1, 0, 1, 1), owtt_async.InvalidInputError, "per_input_tokens must be between 1"),
        (("m", "p", "n", 1, 1, 1.5, 1), owtt_async.InvalidTypeError, "output_cost_credits must be a whole"),
        (("m", None, "n", 1, 1, 1, 1), owtt_async.InvalidTypeError, "provider must be a string"),
        (("m", "p", "n" * 256, 1, 1, 1, 1), owtt_async.InvalidInputError, "256 characters"),
        (("m", "p", "n", 1, 1, 1, 2**31), owtt_async.InvalidInputError, "per_output_tokens must be between"),
    ],
)
async def test_pricing_bad_input_writes_nothing(
    database: owtt_async.Database, arguments: tuple, error: type, message: str
) -> None:
    keys = [
        "model_id",
        "provider",
        "name",
        "input_cost_credits",
        "per_input_tokens",
        "output_cost_credits",
        "per_output_tokens",
    ]
    before = await table_snapshot(database)

    with pytest.raises(error, match=message):
        await owtt_async.ModelPricing(database).upsert(**dict(zip(keys, arguments)))

    assert await table_snapshot(database) == before
