"""Databases the original package wrote, read and changed by owtt_async, and back.

``original_url`` is a copy of ``tests/data/original-openwebui.sqlite`` on SQLite, or
the plain-SQL dump ``tests/data/original-openwebui.postgresql.sql`` loaded into a
fresh PostgreSQL database. Both hold the same three allowances, with other ids.
"""

from __future__ import annotations

import os
import uuid
from datetime import timezone

import pytest

import owtt_async
import owtt_async.sponsored as sp

from .conftest import STRICT_VARIABLE, table_snapshot

EXPECTED = {
    "AI Department": ("sponsor-ai-dept", 100_000, 20, ["claude-3-5-sonnet-20241022", "gpt-4o-2024-08-06"]),
    "AI Department – Night Shift ☾": ("sponsor-ai-dept", 5_000, None, ["mistral-small-2409"]),
    "Library Research Pilot": (
        "sponsor-library",
        25_000,
        200,
        ["gemini-1.5-pro-002", "gemini-2.0-flash-001", "gpt-4o-mini-2024-07-18"],
    ),
}
IDS = {
    "sqlite": {
        "AI Department": "e3df0571-23e6-463f-acff-4370e0e90429",
        "AI Department – Night Shift ☾": "c70c7a46-06e8-450f-bb39-3d435cf14d62",
        "Library Research Pilot": "84bf363e-8de0-4e4f-807d-07ad8ad6741f",
    },
    "postgresql": {
        "AI Department": "fb1839f7-37fc-45d7-98d0-cd82e2c53ba0",
        "AI Department – Night Shift ☾": "691d983a-752f-494b-8cb2-caa3d36abf95",
        "Library Research Pilot": "c04f0cc3-31ae-4133-919f-fd4506609b81",
    },
}


def original_package():  # type: ignore[no-untyped-def]
    """Import the original package's sponsored module, or skip (fail when strict)."""
    try:
        import openwebui_token_tracking.sponsored as original
    except ImportError as error:
        if os.environ.get(STRICT_VARIABLE):
            pytest.fail(f"the original package is required when {STRICT_VARIABLE} is set: {error}")
        pytest.skip("openwebui-token-tracking is not installed")
    return original


def sqlalchemy_url(url: str) -> str:
    # The original package runs on SQLAlchemy's blocking drivers.
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def test_lists_original_allowances(original_url: str, backend: str) -> None:
    listed = sp.get_sponsored_allowances(original_url)

    assert [allowance["name"] for allowance in listed] == sorted(EXPECTED)
    for allowance in listed:
        sponsor, total, daily, models = EXPECTED[allowance["name"]]
        assert allowance["id"] == IDS[backend][allowance["name"]]
        assert allowance["sponsor_id"] == sponsor
        assert allowance["total_credit_limit"] == total
        assert allowance["daily_credit_limit"] == daily
        assert allowance["base_models"] == models
        assert allowance["creation_date"].tzinfo is not None
        assert allowance["creation_date"].astimezone(timezone.utc).year == 2026


def test_gets_original_allowance_by_name_and_id(original_url: str, backend: str) -> None:
    name = "AI Department – Night Shift ☾"

    by_name = sp.get_sponsored_allowance(original_url, name=name)
    by_id = sp.get_sponsored_allowance(original_url, id=IDS[backend][name])

    assert by_name == by_id
    assert by_name["daily_credit_limit"] is None
    assert by_name["base_models"] == ["mistral-small-2409"]


def test_updates_original_allowance(original_url: str) -> None:
    updated = sp.update_sponsored_allowance(
        original_url,
        name="Library Research Pilot",
        models=["gpt-4o-2024-08-06"],
        daily_credit_limit=300,
    )

    assert updated["base_models"] == ["gpt-4o-2024-08-06"]
    assert updated["daily_credit_limit"] == 300
    assert sp.get_sponsored_allowance(original_url, name="Library Research Pilot") == updated


def test_delete_keeps_allowance_with_usage(original_url: str) -> None:
    with pytest.raises(owtt_async.InUseError, match="2 usage row"):
        sp.delete_sponsored_allowance(original_url, name="AI Department")

    sp.delete_sponsored_allowance(original_url, name="Library Research Pilot")

    names = [allowance["name"] for allowance in sp.get_sponsored_allowances(original_url)]
    assert names == ["AI Department", "AI Department – Night Shift ☾"]


async def test_migration_keeps_every_row(original_url: str) -> None:
    database = owtt_async.Database(original_url)
    await database.connect()
    try:
        before = await table_snapshot(database)
        await owtt_async.migrate(database)
        await owtt_async.migrate(database)
        after = await table_snapshot(database)
    finally:
        await database.disconnect()

    assert after == before


def test_create_without_migration_adds_name_index(original_url: str) -> None:
    created = sp.create_sponsored_allowance(
        original_url, "sponsor-new", "New Team", ["pixtral-large-2411"], 10, 1
    )

    with pytest.raises(owtt_async.DuplicateNameError):
        sp.create_sponsored_allowance(original_url, "x", "New Team", ["pixtral-large-2411"], 1, 1)
    assert sp.get_sponsored_allowance(original_url, name="New Team") == created


async def test_shared_names_block_only_create_and_rename(original_url: str, backend: str) -> None:
    database = owtt_async.Database(original_url)
    await database.connect()
    twin_id = uuid.uuid4()
    stored_id = str(twin_id) if backend == "postgresql" else twin_id.hex
    try:
        async with database.connection() as connection:
            await connection.execute(
                "INSERT INTO token_tracking_sponsored_allowance"
                " (id, name, sponsor_id, total_credit_limit) VALUES (:id, 'AI Department', 's', 1)",
                {"id": stored_id},
            )
        repository = owtt_async.SponsoredAllowances(database)

        assert await owtt_async.migrate(database) == ["AI Department"]
        with pytest.raises(owtt_async.DuplicateNameError, match="pass the id"):
            await repository.get(name="AI Department")
        with pytest.raises(owtt_async.DuplicateNameError, match="'AI Department' \\(2 allowances\\)"):
            await repository.create(
                sponsor_id="s", name="Another", models=["gpt-4o-2024-08-06"], total_credit_limit=1
            )
        renamed = await repository.update(allowance_id=str(twin_id), total_credit_limit=2)
        assert renamed["total_credit_limit"] == 2

        await repository.update(allowance_id=str(twin_id), new_name="AI Department (copy)")
        assert await owtt_async.migrate(database) == []
        created = await repository.create(
            sponsor_id="s", name="Another", models=["gpt-4o-2024-08-06"], total_credit_limit=1
        )
        assert created["name"] == "Another"
    finally:
        await database.disconnect()


def test_original_reads_what_owtt_async_writes(original_url: str) -> None:
    original = original_package()
    created = sp.create_sponsored_allowance(
        original_url, "sponsor-new", "Written by owtt_async", ["gpt-4o-2024-08-06", "pixtral-large-2411"], 700, None
    )
    sp.update_sponsored_allowance(original_url, name="AI Department", total_credit_limit=123)

    read = original.get_sponsored_allowance(sqlalchemy_url(original_url), name="Written by owtt_async")
    listed = original.get_sponsored_allowances(sqlalchemy_url(original_url))

    assert str(read["id"]) == created["id"]
    assert read["sponsor_id"] == "sponsor-new"
    assert read["total_credit_limit"] == 700
    assert read["daily_credit_limit"] is None
    assert sorted(model.base_model_id for model in read["base_models"]) == created["base_models"]
    totals = {allowance["name"]: allowance["total_credit_limit"] for allowance in listed}
    assert totals["AI Department"] == 123
    assert len(listed) == 4


def test_owtt_async_reads_what_original_writes(original_url: str) -> None:
    original = original_package()
    original.create_sponsored_allowance(
        sqlalchemy_url(original_url), "sponsor-old", "Written by the original", ["gpt-4o-2024-08-06"], 55, 5
    )

    read = sp.get_sponsored_allowance(original_url, name="Written by the original")

    assert read["sponsor_id"] == "sponsor-old"
    assert read["total_credit_limit"] == 55
    assert read["daily_credit_limit"] == 5
    assert read["base_models"] == ["gpt-4o-2024-08-06"]
    assert read["creation_date"].tzinfo is not None
