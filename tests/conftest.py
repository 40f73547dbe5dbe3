"""Fixtures that run every repository and blocking-API test on SQLite and PostgreSQL.

PostgreSQL cases need ``OWTT_TEST_POSTGRES_URL``, the URL of a server database the
tests may connect to (for example ``postgresql://postgres@127.0.0.1:5432/test``).
Each test gets a database of its own, created there and dropped afterwards. Without
the variable the PostgreSQL cases are skipped, unless ``OWTT_TEST_STRICT=1`` (set by
``.ci/run``), which turns every such skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import owtt_async
import owtt_async.model_pricing as model_pricing

POSTGRES_URL_VARIABLE = "OWTT_TEST_POSTGRES_URL"
STRICT_VARIABLE = "OWTT_TEST_STRICT"
DATA = Path(__file__).parent / "data"

# Model pricing every fresh test database starts with: (id, provider, name, input
# credits, per input tokens, output credits, per output tokens).
PRICING = [
    ("gpt-4o", "openai", "GPT-4o", 3750, 1_000_000, 15_000, 1_000_000),
    ("gpt-4o-mini", "openai", "GPT-4o Mini", 300, 1_000_000, 1_200, 1_000_000),
    ("claude-3-5-sonnet", "anthropic", "Claude 3.5 Sonnet", 3000, 1_000_000, 15_000, 1_000_000),
    ("mistral-small", "mistral", "Mistral Small", 200, 1_000_000, 600, 1_000_000),
]
MODEL_IDS = [row[0] for row in PRICING]


def strict() -> bool:
    return os.environ.get(STRICT_VARIABLE, "") not in ("", "0")


def postgres_server_url() -> str:
    """Return the PostgreSQL test server's URL, or skip (fail when strict) without one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        message = f"{POSTGRES_URL_VARIABLE} is not set"
        if strict():
            pytest.fail(f"{message}, but {STRICT_VARIABLE} requires PostgreSQL")
        pytest.skip(message)
    return url


def _url_with_database(server_url: str, database: str) -> str:
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{database}"


async def _admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database() -> tuple[str, str]:
    """Create an empty database on the test server; return its name and URL."""
    server_url = postgres_server_url()
    name = f"owtt_test_{uuid.uuid4().hex[:16]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_URL_VARIABLE} is unreachable: {error!r}"
        if strict():
            pytest.fail(message)
        pytest.skip(message)
    return name, _url_with_database(server_url, name)


def drop_postgres_database(name: str) -> None:
    owtt_async.close_pools()
    asyncio.run(_admin(postgres_server_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        owtt_async.close_pools()
        return

    name, url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


def seed_pricing(url: str) -> None:
    for row in PRICING:
        model_pricing.upsert_model_pricing(url, *row)


@pytest.fixture
def database_url(empty_url: str) -> str:
    """The URL of a new database with the tables and the test pricing in place."""
    owtt_async.migrate_database(empty_url)
    seed_pricing(empty_url)
    return empty_url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[owtt_async.Database]:
    """A connected ``owtt_async.Database`` on a migrated, priced test database."""
    database = owtt_async.Database(database_url)
    await database.connect()
    try:
        yield database
    finally:
        await database.disconnect()


@pytest.fixture
def allowances(database: owtt_async.Database) -> owtt_async.SponsoredAllowances:
    return owtt_async.SponsoredAllowances(database)


@pytest.fixture
def original_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the database the original package wrote, on the test's backend."""
    if backend == "sqlite":
        copy = tmp_path / "original-openwebui.sqlite"
        shutil.copyfile(DATA / "original-openwebui.sqlite", copy)
        copy.chmod(0o644)
        yield f"sqlite:///{copy}"
        owtt_async.close_pools()
        return

    name, url = create_postgres_database()
    try:
        dump = (DATA / "original-openwebui.postgresql.sql").read_text(encoding="utf-8")
        asyncio.run(_admin(url, dump))
        yield url
    finally:
        drop_postgres_database(name)


async def table_snapshot(database: owtt_async.Database) -> dict[str, Any]:
    """Every row of the token tracking tables, sorted, to compare before and after."""
    tables = [
        "token_tracking_model_pricing",
        "token_tracking_sponsored_allowance",
        "token_tracking_sponsored_allowance_base_models",
        "token_tracking_usage_log",
    ]
    snapshot: dict[str, Any] = {}
    # One transaction, so that a write landing meanwhile cannot tear the snapshot;
    # the isolation option is PostgreSQL's, and SQLite's deferred BEGIN ignores it.
    async with (
        database.connection() as connection,
        connection.transaction(isolation="repeatable_read"),
    ):
        for table in tables:
            rows = await connection.fetch_all(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            snapshot[table] = sorted(repr(tuple(row.values())) for row in rows)  # type: ignore[attr-defined]
    return snapshot
