"""The blocking API: the original package's signatures, on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import subprocess
import sys
import uuid

import pytest

import owtt_async
import owtt_async.sponsored as sp

# The documented signatures of openwebui_token_tracking.sponsored: name, then each
# parameter with its default (inspect.Parameter.empty where there is none).
EMPTY = inspect.Parameter.empty
DOCUMENTED = {
    "create_sponsored_allowance": [
        ("database_url", EMPTY),
        ("sponsor_id", EMPTY),
        ("name", EMPTY),
        ("models", EMPTY),
        ("total_credit_limit", EMPTY),
        ("daily_credit_limit", EMPTY),
    ],
    "delete_sponsored_allowance": [
        ("database_url", None),
        ("allowance_id", None),
        ("name", None),
    ],
    "get_sponsored_allowance": [("database_url", None), ("name", None), ("id", None)],
    "get_sponsored_allowances": [("database_url", None), ("sponsor_id", None)],
    "update_sponsored_allowance": [
        ("database_url", None),
        ("allowance_id", None),
        ("name", None),
        ("new_name", None),
        ("sponsor_id", None),
        ("models", None),
        ("total_credit_limit", None),
        ("daily_credit_limit", None),
    ],
}


@pytest.mark.parametrize("function_name", sorted(DOCUMENTED))
def test_signature_matches_original(function_name: str) -> None:
    parameters = inspect.signature(getattr(sp, function_name)).parameters.values()

    actual = [(parameter.name, parameter.default) for parameter in parameters]

    assert actual == DOCUMENTED[function_name]
    assert all(
        parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for parameter in parameters
    )


def test_round_trip_positional(database_url: str) -> None:
    created = sp.create_sponsored_allowance(
        database_url, "sponsor-1", "Team A", ["gpt-4o", "gpt-4o-mini"], 1000, 10
    )

    assert sp.get_sponsored_allowance(database_url, "Team A") == created
    assert sp.get_sponsored_allowance(database_url, None, created["id"]) == created
    assert sp.get_sponsored_allowances(database_url, "sponsor-1") == [created]

    updated = sp.update_sponsored_allowance(
        database_url, None, "Team A", "Team B", None, ["gpt-4o"], 5, None
    )
    assert updated == {**created, "name": "Team B", "base_models": ["gpt-4o"], "total_credit_limit": 5}
    assert sp.get_sponsored_allowance(database_url, name="Team B") == updated

    sp.delete_sponsored_allowance(database_url, created["id"])
    assert sp.get_sponsored_allowances(database_url) == []


def test_documented_errors(database_url: str) -> None:
    with pytest.raises(KeyError):
        sp.get_sponsored_allowance(database_url, name="nobody")
    with pytest.raises(ValueError):
        sp.get_sponsored_allowance(database_url)
    with pytest.raises(ValueError):
        sp.update_sponsored_allowance(database_url, name="nobody", total_credit_limit=1)
    with pytest.raises(ValueError):
        sp.update_sponsored_allowance(database_url, total_credit_limit=1)
    with pytest.raises(ValueError):
        sp.delete_sponsored_allowance(database_url, name="nobody")
    with pytest.raises(ValueError):
        sp.delete_sponsored_allowance(database_url)


def test_database_url_from_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    created = sp.create_sponsored_allowance(None, "s", "From env", ["gpt-4o"], 1, None)

    assert sp.get_sponsored_allowance(name="From env") == created
    assert sp.get_sponsored_allowances() == [created]


def test_missing_database_url_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(owtt_async.ConfigurationError, match="DATABASE_URL"):
        sp.get_sponsored_allowances()


def test_generator_of_models_accepted(database_url: str) -> None:
    models = (model for model in ["gpt-4o", "mistral-small"])

    created = sp.create_sponsored_allowance(database_url, "s", "Gen", models, 1, None)

    assert created["base_models"] == ["gpt-4o", "mistral-small"]


def test_pool_reused_across_calls(database_url: str) -> None:
    from owtt_async import _runner

    sp.get_sponsored_allowances(database_url)
    first = dict(_runner._runner._databases)
    for _ in range(20):
        sp.get_sponsored_allowances(database_url)

    assert len(first) == 1
    assert _runner._runner._databases == first


def test_one_call_script_exits_cleanly(database_url: str) -> None:
    script = (
        "import owtt_async.sponsored as sp, sys\n"
        "print(len(sp.get_sponsored_allowances(sys.argv[1])))\n"
    )

    finished = subprocess.run(
        # Warnings become errors; asyncio's debug mode stays off, because its
        # slow-callback reports depend on the machine's load, not on the library.
        [sys.executable, "-W", "error", "-c", script, database_url],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "0"
    assert finished.stderr == ""


def test_unknown_id_shape_is_value_error(database_url: str) -> None:
    with pytest.raises(ValueError, match="not a valid UUID"):
        sp.get_sponsored_allowance(database_url, id="12345")
    with pytest.raises(KeyError):
        sp.get_sponsored_allowance(database_url, id=uuid.uuid4().hex)
