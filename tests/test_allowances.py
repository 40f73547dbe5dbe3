"""The async repository, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import owtt_async
from owtt_async import SponsoredAllowances

from .conftest import table_snapshot


async def make(allowances: SponsoredAllowances, name: str = "Team A", **overrides: object) -> dict:
    arguments: dict = {
        "sponsor_id": "sponsor-1",
        "name": name,
        "models": ["gpt-4o", "claude-3-5-sonnet"],
        "total_credit_limit": 10_000,
        "daily_credit_limit": 100,
    }
    arguments.update(overrides)
    return await allowances.create(**arguments)


async def test_create_returns_allowance(allowances: SponsoredAllowances) -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=2)

    created = await make(allowances)

    assert str(uuid.UUID(created["id"])) == created["id"]
    assert created["name"] == "Team A"
    assert created["sponsor_id"] == "sponsor-1"
    assert created["total_credit_limit"] == 10_000
    assert created["daily_credit_limit"] == 100
    assert created["base_models"] == ["claude-3-5-sonnet", "gpt-4o"]
    assert created["creation_date"].tzinfo is not None
    assert created["creation_date"].utcoffset() == timedelta(0)
    assert before <= created["creation_date"] <= datetime.now(timezone.utc) + timedelta(seconds=2)


async def test_create_skips_ids_read_as_numbers(
    allowances: SponsoredAllowances, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A uuid4 whose hex form has only digits: SQLite's UUID column (NUMERIC affinity)
    # would store it as a lossy REAL instead of text.
    numeric = uuid.UUID("12345678123441238123123412341234")
    drawn = iter([numeric])
    random_uuid4 = uuid.uuid4
    monkeypatch.setattr(uuid, "uuid4", lambda: next(drawn, None) or random_uuid4())

    created = await make(allowances)

    assert created["id"] != str(numeric)
    assert await allowances.get(id=created["id"]) == created


async def test_get_by_name_and_id_agree(allowances: SponsoredAllowances) -> None:
    created = await make(allowances)

    by_name = await allowances.get(name="Team A")
    by_id = await allowances.get(id=created["id"])
    by_hex_id = await allowances.get(id=uuid.UUID(created["id"]).hex)

    assert by_name == created
    assert by_id == created
    assert by_hex_id == created


async def test_get_with_both_must_match_both(allowances: SponsoredAllowances) -> None:
    created = await make(allowances)

    assert await allowances.get(id=created["id"], name="Team A") == created
    with pytest.raises(KeyError):
        await allowances.get(id=created["id"], name="Team B")


async def test_get_missing_raises_key_error(allowances: SponsoredAllowances) -> None:
    with pytest.raises(KeyError, match="no sponsored allowance named 'nobody'"):
        await allowances.get(name="nobody")
    with pytest.raises(KeyError):
        await allowances.get(id=str(uuid.uuid4()))


async def test_get_without_identifier_raises_value_error(allowances: SponsoredAllowances) -> None:
    with pytest.raises(ValueError, match="neither"):
        await allowances.get()


async def test_list_orders_by_name_and_filters(allowances: SponsoredAllowances) -> None:
    await make(allowances, "beta", sponsor_id="s-2")
    await make(allowances, "Alpha")
    await make(allowances, "alpha", models=["mistral-small"])

    names = [allowance["name"] for allowance in await allowances.list()]
    sponsored = await allowances.list(sponsor_id="s-2")

    assert names == ["Alpha", "alpha", "beta"]
    assert [allowance["name"] for allowance in sponsored] == ["beta"]
    assert await allowances.list(sponsor_id="nobody") == []


async def test_list_groups_models_per_allowance(allowances: SponsoredAllowances) -> None:
    await make(allowances, "one", models=["gpt-4o"])
    await make(allowances, "two", models=["mistral-small", "gpt-4o-mini", "gpt-4o"])

    listed = {allowance["name"]: allowance["base_models"] for allowance in await allowances.list()}

    assert listed == {"one": ["gpt-4o"], "two": ["gpt-4o", "gpt-4o-mini", "mistral-small"]}


async def test_list_allowance_without_models(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make(allowances, "bare", models=["gpt-4o"])
    await make(allowances, "full", models=["mistral-small", "gpt-4o"])
    # The original package's tables allow an allowance with no base model rows.
    await database.execute(
        "DELETE FROM token_tracking_sponsored_allowance_base_models "
        "WHERE sponsored_allowance_id IN "
        "(SELECT id FROM token_tracking_sponsored_allowance WHERE name = 'bare')"
    )

    listed = await allowances.list()
    by_sponsor = await allowances.list(sponsor_id="sponsor-1")

    assert [allowance["base_models"] for allowance in listed] == [[], ["gpt-4o", "mistral-small"]]
    assert by_sponsor == listed
    assert (await allowances.get(name="bare"))["base_models"] == []


async def test_no_daily_limit_is_none(allowances: SponsoredAllowances) -> None:
    created = await make(allowances, daily_credit_limit=None)

    assert created["daily_credit_limit"] is None
    assert (await allowances.get(name="Team A"))["daily_credit_limit"] is None


async def test_update_changes_only_given_fields(allowances: SponsoredAllowances) -> None:
    created = await make(allowances)

    updated = await allowances.update(name="Team A", total_credit_limit=5)

    assert updated == {**created, "total_credit_limit": 5}
    assert await allowances.get(id=created["id"]) == updated


async def test_update_every_field(allowances: SponsoredAllowances) -> None:
    created = await make(allowances)

    updated = await allowances.update(
        allowance_id=created["id"],
        new_name="Team B",
        sponsor_id="sponsor-2",
        models=["mistral-small"],
        total_credit_limit=1,
        daily_credit_limit=0,
    )

    assert updated["name"] == "Team B"
    assert updated["sponsor_id"] == "sponsor-2"
    assert updated["base_models"] == ["mistral-small"]
    assert updated["total_credit_limit"] == 1
    assert updated["daily_credit_limit"] == 0
    assert await allowances.get(name="Team B") == updated
    with pytest.raises(KeyError):
        await allowances.get(name="Team A")


async def test_update_removes_daily_limit(allowances: SponsoredAllowances) -> None:
    await make(allowances)

    updated = await allowances.update(name="Team A", daily_credit_limit=owtt_async.NO_DAILY_LIMIT)

    assert updated["daily_credit_limit"] is None
    assert (await allowances.get(name="Team A"))["daily_credit_limit"] is None


async def test_update_missing_raises_value_error(allowances: SponsoredAllowances) -> None:
    with pytest.raises(ValueError, match="no sponsored allowance named 'nobody'"):
        await allowances.update(name="nobody", total_credit_limit=1)
    with pytest.raises(ValueError, match="neither"):
        await allowances.update(total_credit_limit=1)


async def test_delete_removes_allowance_and_models(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    created = await make(allowances)

    await allowances.delete(allowance_id=created["id"])

    with pytest.raises(KeyError):
        await allowances.get(id=created["id"])
    snapshot = await table_snapshot(database)
    assert snapshot["token_tracking_sponsored_allowance_base_models"] == []


async def test_delete_missing_raises_value_error(allowances: SponsoredAllowances) -> None:
    with pytest.raises(ValueError, match="no sponsored allowance"):
        await allowances.delete(name="nobody")
    with pytest.raises(ValueError, match="neither"):
        await allowances.delete()


async def test_duplicate_name_refused(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make(allowances)
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.DuplicateNameError, match="'Team A' already exists"):
        await make(allowances, sponsor_id="other")

    assert await table_snapshot(database) == before


async def test_rename_to_taken_name_refused(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make(allowances, "Team A")
    await make(allowances, "Team B")
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.DuplicateNameError):
        await allowances.update(name="Team B", new_name="Team A", models=["gpt-4o"])

    assert await table_snapshot(database) == before


async def test_concurrent_creates_one_wins(allowances: SponsoredAllowances) -> None:
    results = await asyncio.gather(
        *(make(allowances, "Contested", sponsor_id=f"s-{index}") for index in range(10)),
        return_exceptions=True,
    )

    created = [result for result in results if isinstance(result, dict)]
    refused = [result for result in results if isinstance(result, owtt_async.DuplicateNameError)]
    assert len(created) == 1
    assert len(refused) == 9
    assert len(await allowances.list()) == 1


async def test_unknown_models_named_and_nothing_written(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.UnknownModelError) as raised:
        await make(allowances, models=["gpt-4o", "no-such-model", "also-missing"])

    assert raised.value.model_ids == ["also-missing", "no-such-model"]
    assert "'no-such-model'" in str(raised.value)
    assert await table_snapshot(database) == before


async def test_update_unknown_model_keeps_old_models(allowances: SponsoredAllowances) -> None:
    created = await make(allowances)

    with pytest.raises(owtt_async.UnknownModelError):
        await allowances.update(name="Team A", models=["nope"], total_credit_limit=1)

    assert await allowances.get(name="Team A") == created


async def test_delete_with_usage_refused(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    created = await make(allowances)
    stored_id = created["id"] if database.target.dialect == "postgresql" else uuid.UUID(created["id"]).hex
    async with database.connection() as connection:
        await connection.execute(
            "INSERT INTO token_tracking_usage_log (log_date, user_id, provider, model_id,"
            " prompt_tokens, response_tokens, sponsored_allowance_id)"
            " VALUES (CURRENT_TIMESTAMP, 'u1', 'openai', 'gpt-4o', 10, 5, :id)",
            {"id": stored_id},
        )
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.InUseError, match="1 usage row"):
        await allowances.delete(name="Team A")

    assert await table_snapshot(database) == before


async def test_joins_callers_transaction(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    await make(allowances, "kept")

    with pytest.raises(RuntimeError):
        async with database.transaction():
            await make(allowances, "rolled back")
            assert (await allowances.get(name="rolled back"))["name"] == "rolled back"
            raise RuntimeError("abort the caller's transaction")

    assert [allowance["name"] for allowance in await allowances.list()] == ["kept"]


async def test_failed_write_inside_callers_transaction_keeps_it_usable(
    allowances: SponsoredAllowances,
) -> None:
    database = allowances._database
    async with database.transaction():
        await make(allowances, "first")
        with pytest.raises(owtt_async.DuplicateNameError):
            await make(allowances, "first")
        await make(allowances, "second")

    assert [allowance["name"] for allowance in await allowances.list()] == ["first", "second"]


async def test_cancelled_create_is_whole_or_absent(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    # One connection, so that each check below waits until the pool has settled
    # the cancelled call's connection: on SQLite a statement already handed to
    # aiosqlite's thread, COMMIT included, still runs after its caller is cancelled.
    database = owtt_async.Database(database_url, max_size=1)
    await database.connect()
    allowances = SponsoredAllowances(database)
    try:
        before = await table_snapshot(database)

        for delay in (0, 0.0005, 0.001, 0.002, 0.005, 0.01):
            name = f"cancelled {delay}"
            task = asyncio.ensure_future(make(allowances, name))
            await asyncio.sleep(delay)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

            # A cancellation that lands during the commit cannot stop it, so the
            # allowance may exist; if it does, it must be whole.
            try:
                found = await allowances.get(name=name)
            except KeyError:
                continue
            assert found["base_models"] == ["claude-3-5-sonnet", "gpt-4o"]
            await allowances.delete(name=name)

        assert await table_snapshot(database) == before
        created = await make(allowances, "after cancellations")
        assert await allowances.get(name="after cancellations") == created
    finally:
        await database.disconnect()
    # Each cancelled transaction was rolled back without a warning from owtt_async
    # or an error from asyncpg's pool.
    assert [record.getMessage() for record in caplog.records] == []


async def test_not_connected_database_is_clear(database_url: str) -> None:
    database = owtt_async.Database(database_url)

    with pytest.raises(owtt_async.DatabaseUnavailableError, match="not connected"):
        await SponsoredAllowances(database).list()


async def test_plain_databases_database_works(database_url: str) -> None:
    import databases

    plain_url = database_url.replace("sqlite:///", "sqlite:///", 1)
    database = databases.Database(plain_url)
    await database.connect()
    try:
        repository = SponsoredAllowances(database)
        created = await make(repository)
        assert await repository.get(name="Team A") == created
        with pytest.raises(owtt_async.UnknownModelError):
            await make(repository, "other", models=["missing"])
    finally:
        await database.disconnect()
