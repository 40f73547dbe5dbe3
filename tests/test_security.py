"""No SQL built from strings, no secrets in errors or logs, and quiet, handler-free logging."""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

import owtt_async
import owtt_async.model_pricing as mp
import owtt_async.sponsored as sp
from owtt_async._sql import queries

PACKAGE = Path(owtt_async.__file__).resolve().parent
SOURCES = sorted(PACKAGE.glob("*.py"))

# Methods of the drivers, of databases and of owtt_async's Session that take SQL
# (or, for Session, the name of a statement file) as their first argument.
SQL_METHODS = {
    "execute",
    "executemany",
    "executescript",
    "execute_fetchall",
    "execute_insert",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetch_all",
    "fetch_one",
    "fetch_val",
    "iterate",
    "prepare",
    "cursor",
    "copy_from_query",
}
# Uppercase SQL that starts or shapes a statement; messages are written in lowercase.
SQL_SYNTAX = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(UNIQUE\s+)?"
    r"(TABLE|INDEX)|DROP\s+(TABLE|INDEX)|ALTER\s+TABLE|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|"
    r"WHERE|VALUES)\b"
)


def statement_names() -> set[str]:
    return set(queries("postgresql")) | set(queries("sqlite"))


def literal_parts(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def built_strings(tree: ast.AST) -> Iterator[ast.AST]:
    """Yield every expression that builds a string: f-string, %, .format(), +."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            if any(True for _ in literal_parts(node)):
                yield node
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            yield node


def sql_argument_problem(argument: ast.expr, names: set[str]) -> str | None:
    """Return why ``argument`` may not be passed where SQL goes, or None if it may."""
    if isinstance(argument, ast.Constant):
        if argument.value in names:
            return None
        return f"the literal {argument.value!r} is not the name of a statement under sql/"
    if isinstance(argument, ast.Attribute) and argument.attr == "text":
        return None  # Query.text: a statement loaded from its file
    if isinstance(argument, ast.Name):
        return None  # a variable with a statement name, checked where it is bound
    if isinstance(argument, ast.IfExp):
        return sql_argument_problem(argument.body, names) or sql_argument_problem(
            argument.orelse, names
        )
    return f"{type(argument).__name__} expression"


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_no_sql_built_from_strings(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names = statement_names()
    problems: list[str] = []

    for node in built_strings(tree):
        text = " ".join(literal_parts(node))
        if SQL_SYNTAX.search(text):
            problems.append(f"line {node.lineno}: SQL built in a string: {text[:80]!r}")

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
            and node.args
        ):
            problem = sql_argument_problem(node.args[0], names)
            if problem:
                problems.append(f"line {node.lineno}: {node.func.attr}() gets {problem}")

    assert problems == []


def test_statement_name_variables_hold_known_names() -> None:
    # The Name arguments allowed above come from these tuples of statement names.
    from owtt_async import _schema

    names = statement_names()
    assert set(_schema.TABLE_STATEMENTS + _schema.INDEX_STATEMENTS) <= names


def test_rule_catches_built_sql() -> None:
    tree = ast.parse(
        "async def bad(connection, table, value):\n"
        "    await connection.execute(f'DELETE FROM {table}')\n"
        "    await connection.fetch('SELECT * FROM t WHERE id = ' + value)\n"
        "    await connection.fetch_all('SELECT 1 WHERE x = {}'.format(value))\n"
        "    message = f'no allowance named {value!r}; delete it first'\n"
    )
    names = statement_names()

    built = [
        node for node in built_strings(tree) if SQL_SYNTAX.search(" ".join(literal_parts(node)))
    ]
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_METHODS
        and sql_argument_problem(node.args[0], names)
    ]

    assert [node.lineno for node in built] == [2, 3, 4]
    assert [node.lineno for node in calls] == [2, 3, 4]


# --- What reaches the drivers, what is logged, what errors contain -------------------

PASSWORD = "s3cret-pw"
DRIVERS = ("asyncpg", "aiosqlite")
ASYNCPG_RESET = "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;"
CANARY = "canary-value-7f3a"


@pytest.fixture
def secret_url(database_url: str, backend: str) -> str:
    """The test database's URL, with a password on PostgreSQL (trust auth ignores it)."""
    if backend == "sqlite":
        return database_url
    return database_url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")


@pytest.fixture
def sent_sql(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record (calling module, SQL text) for every statement sent through the drivers."""
    sent: list[tuple[str, str]] = []

    def recording(method: Any) -> Any:
        # Not a coroutine function itself, so that the frame above it is the caller
        # that creates the coroutine, wherever a task later runs it.
        def record(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            frame = sys._getframe(1)
            # Skip the drivers' own frames, such as asyncpg's pool proxy.
            while frame.f_back and frame.f_globals.get("__name__", "").startswith(DRIVERS):
                frame = frame.f_back
            sent.append((frame.f_globals.get("__name__", ""), query))
            return method(self, query, *args, **kwargs)

        return record

    for owner, name in [
        (asyncpg.connection.Connection, "fetch"),
        (asyncpg.connection.Connection, "execute"),
        (aiosqlite.Connection, "execute_fetchall"),
        (aiosqlite.Connection, "execute"),
    ]:
        monkeypatch.setattr(owner, name, recording(getattr(owner, name)))
    return sent


def exercise_everything(url: str) -> list[BaseException]:
    """Call every public function with values containing CANARY; return the errors."""
    errors: list[BaseException] = []

    def attempt(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except owtt_async.OwttError as error:
            errors.append(error)
            return None

    owtt_async.migrate_database(url)
    mp.upsert_model_pricing(url, f"{CANARY}-model", CANARY, CANARY, 1, 1, 1, 1)
    mp.list_model_pricing(url, provider=CANARY)
    mp.get_model_pricing(url, f"{CANARY}-model")
    created = sp.create_sponsored_allowance(
        url, CANARY, f"{CANARY}-name", [f"{CANARY}-model"], 12345, 678
    )
    sp.get_sponsored_allowance(url, name=f"{CANARY}-name")
    sp.get_sponsored_allowance(url, id=created["id"])
    sp.get_sponsored_allowances(url, sponsor_id=CANARY)
    sp.update_sponsored_allowance(url, name=f"{CANARY}-name", new_name=f"{CANARY}-renamed")

    attempt(sp.create_sponsored_allowance, url, CANARY, f"{CANARY}-renamed", ["gpt-4o"], 1, None)
    attempt(sp.create_sponsored_allowance, url, CANARY, f"{CANARY}-x", [f"{CANARY}-unknown"], 1, 2)
    attempt(sp.get_sponsored_allowance, url, name=f"{CANARY}-missing")
    attempt(sp.update_sponsored_allowance, url, name=f"{CANARY}-missing", total_credit_limit=1)
    attempt(mp.delete_model_pricing, url, f"{CANARY}-model")
    attempt(mp.get_model_pricing, url, f"{CANARY}-missing")

    sp.delete_sponsored_allowance(url, name=f"{CANARY}-renamed")
    mp.delete_model_pricing(url, f"{CANARY}-model")
    attempt(sp.delete_sponsored_allowance, url, allowance_id=created["id"])
    owtt_async.close_pools()
    return errors


def test_only_statement_files_reach_drivers(
    secret_url: str, sent_sql: list[tuple[str, str]]
) -> None:
    exercise_everything(secret_url)

    loaded = {
        query.text for dialect in ("postgresql", "sqlite") for query in queries(dialect).values()
    }
    ours = [text for caller, text in sent_sql if caller.startswith("owtt_async")]
    others = {text for caller, text in sent_sql if not caller.startswith("owtt_async")}
    assert len(ours) > 20
    assert [text for text in ours if text not in loaded] == []
    # The only other statement is asyncpg's own reset of a connection its pool
    # takes back, run from a task of its own.
    assert others <= {ASYNCPG_RESET}


def test_logs_and_errors_hold_no_secrets(secret_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    errors = exercise_everything(secret_url)

    library_records = [record for record in caplog.records if record.name.startswith("owtt_async")]
    assert library_records  # connects and disconnects are logged at INFO
    assert len(errors) == 7
    for record in caplog.records:
        if record.name.startswith(("owtt_async", "databases")):
            assert CANARY not in record.getMessage(), record.getMessage()
            assert PASSWORD not in record.getMessage(), record.getMessage()
    for error in errors:
        assert PASSWORD not in "".join(traceback.format_exception(error))


def test_database_repr_masks_password(secret_url: str) -> None:
    database = owtt_async.Database(secret_url)

    assert PASSWORD not in repr(database)
    assert PASSWORD not in database.target.display


def test_logger_has_no_handlers() -> None:
    logger = logging.getLogger("owtt_async")

    assert logger.handlers == []
    assert logger.propagate is True
    assert logger.level == logging.NOTSET


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_logging_only_under_package_logger(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    loggers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "getLogger"
    ]
    handlers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("addHandler", "basicConfig")
    ]

    for call in loggers:
        assert [ast.literal_eval(argument) for argument in call.args] == ["owtt_async"]
    assert handlers == []


async def test_fault_logs_name_no_values(
    secret_url: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Faults are what the library logs in the middle of calls: on PostgreSQL a pool
    # terminated because a write stays stuck, on SQLite a broken connection discarded.
    caplog.set_level(logging.DEBUG)
    database = owtt_async.Database(secret_url)
    await database.connect()
    allowances = owtt_async.SponsoredAllowances(database)
    await allowances.create(sponsor_id=CANARY, name=CANARY, models=["gpt-4o"], total_credit_limit=1)

    if backend == "postgresql":
        admin = await asyncpg.connect(secret_url)
        blocker = admin.transaction()
        await blocker.start()
        await admin.execute("SELECT 1 FROM token_tracking_sponsored_allowance FOR UPDATE")
        stuck = asyncio.ensure_future(allowances.update(name=CANARY, sponsor_id=f"{CANARY}-2"))
        await asyncio.sleep(0.3)
        await database.disconnect(timeout=0.2)
        with pytest.raises(owtt_async.ConnectionLostError):
            await stuck
        await blocker.rollback()
        await admin.close()
    else:
        async with database.connection() as connection:
            await connection.raw_connection.close()
        assert (await allowances.get(name=CANARY))["sponsor_id"] == CANARY
        await database.disconnect()

    logged = [record.getMessage() for record in caplog.records if record.name == "owtt_async"]
    faults = [message for message in logged if "terminating" in message or "discarding" in message]
    assert faults
    assert [message for message in logged if CANARY in message or PASSWORD in message] == []
