"""Loading model pricing from JSON, async and blocking, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import owtt_async
import owtt_async.model_pricing as model_pricing
from owtt_async import ModelPricing
from owtt_async._pricing_json import DEFAULT_PRICING_FILE, parse_pricing

from .conftest import table_snapshot


def entry(model_id: str = "new-model", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "provider": "example",
        "id": model_id,
        "name": f"Example {model_id}",
        "input_cost_credits": 100,
        "per_input_tokens": 1_000_000,
        "output_cost_credits": 400,
        "per_output_tokens": 1_000_000,
    }
    values.update(overrides)
    return values


def write_json(tmp_path: Path, document: Any, name: str = "pricing.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_default_file_is_dated_and_valid() -> None:
    document = json.loads(DEFAULT_PRICING_FILE.read_text(encoding="utf-8"))

    assert isinstance(document["as_of"], str)
    assert len(parse_pricing(document)) == len(document["models"])
    assert len(document["models"]) >= 3


def test_load_default_file_twice_updates(empty_url: str) -> None:
    owtt_async.migrate_database(empty_url)

    first = model_pricing.load_model_pricing(empty_url)
    second = model_pricing.load_model_pricing(empty_url)

    stored = model_pricing.list_model_pricing(empty_url)
    assert first == second
    assert sorted(row["id"] for row in stored) == sorted(row["id"] for row in first)
    assert stored == sorted(first, key=lambda row: row["id"])


def test_load_changed_price_replaces_row(database_url: str, tmp_path: Path) -> None:
    model_pricing.load_model_pricing(database_url, write_json(tmp_path, [entry()]))
    changed = write_json(tmp_path, [entry(output_cost_credits=999)], "changed.json")

    model_pricing.load_model_pricing(database_url, changed)

    stored = model_pricing.get_model_pricing(database_url, model_id="new-model")
    assert stored["output_cost_credits"] == 999
    ids = [row["id"] for row in model_pricing.list_model_pricing(database_url)]
    assert ids.count("new-model") == 1


def test_load_plain_list_and_object_agree(database_url: str, tmp_path: Path) -> None:
    as_list = write_json(tmp_path, [entry("a"), entry("b")], "list.json")
    as_object = write_json(
        tmp_path, {"as_of": "2025-07-01", "models": [entry("a"), entry("b")]}, "object.json"
    )

    assert model_pricing.load_model_pricing(database_url, as_list) == (
        model_pricing.load_model_pricing(database_url, as_object)
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            [entry("a"), entry("b"), entry("c", per_input_tokens=0)],
            r"models\[2\] \(id 'c'\): per_input_tokens must be between 1 and",
            id="zero-tokens",
        ),
        pytest.param(
            [entry("a"), entry("b", input_cost_credits="12")],
            r"models\[1\] \(id 'b'\): input_cost_credits must be a whole number",
            id="string-credits",
        ),
        pytest.param(
            [entry("a", output_cost_credits=1.5)],
            r"models\[0\] \(id 'a'\): output_cost_credits must be a whole number",
            id="float-credits",
        ),
        pytest.param(
            [entry("a"), {k: v for k, v in entry("b").items() if k != "name"}],
            r"models\[1\] \(id 'b'\) is missing the field\(s\) 'name'",
            id="missing-field",
        ),
        pytest.param(
            [entry("a", per_input_token=5)],
            r"models\[0\] \(id 'a'\) has unknown field\(s\) 'per_input_token'",
            id="unknown-field",
        ),
        pytest.param(
            [entry("a"), entry("b"), entry("a")],
            r"models\[2\] repeats the id 'a' of models\[0\]",
            id="repeated-id",
        ),
        pytest.param(
            [entry("a"), "b"], r"models\[1\] must be an object, not a string", id="string"
        ),
        pytest.param([entry(" ")], r"models\[0\] \(id ' '\): id must not be empty", id="blank-id"),
        pytest.param([], "contains no models", id="empty-list"),
        pytest.param({"models": "a"}, r'"models" field must be a list', id="models-not-list"),
        pytest.param({"modles": []}, r"unknown top-level field\(s\) 'modles'", id="top-typo"),
        pytest.param(42, "must be a list of models, or an object", id="number"),
    ],
)
def test_invalid_file_changes_nothing(
    database_url: str, tmp_path: Path, document: Any, expected: str
) -> None:
    before = model_pricing.list_model_pricing(database_url)
    path = write_json(tmp_path, document)

    with pytest.raises(owtt_async.InvalidInputError, match=expected) as raised:
        model_pricing.load_model_pricing(database_url, path)

    assert str(path) in str(raised.value)
    assert model_pricing.list_model_pricing(database_url) == before


def test_invalid_json_names_line(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"id": "a",}\n]\n', encoding="utf-8")

    with pytest.raises(owtt_async.InvalidInputError, match=r"not valid JSON: .* at line 2"):
        model_pricing.load_model_pricing(database_url, path)


def test_missing_file_is_clear(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(owtt_async.InvalidInputError, match="cannot read the pricing file"):
        model_pricing.load_model_pricing(database_url, tmp_path / "absent.json")


async def test_async_load_is_all_or_nothing(database: owtt_async.Database) -> None:
    pricing = ModelPricing(database)
    before = await table_snapshot(database)

    with pytest.raises(owtt_async.InvalidInputError, match=r"models\[1\]"):
        await pricing.load([entry("a"), entry("b", per_output_tokens=-1)])
    assert await table_snapshot(database) == before

    loaded = await pricing.load({"as_of": "2025-07-01", "models": [entry("a"), entry("b")]})
    assert [row["id"] for row in loaded] == ["a", "b"]
    assert await pricing.get(model_id="b") == entry("b")


async def test_load_without_replace_keeps_prices(database: owtt_async.Database) -> None:
    pricing = ModelPricing(database)
    await pricing.load([entry("a")])

    written = await pricing.load([entry("a", input_cost_credits=1), entry("b")], replace=False)

    assert written == [entry("b")]
    assert await pricing.get(model_id="a") == entry("a")
    assert await pricing.get(model_id="b") == entry("b")


async def test_async_load_joins_caller_transaction(database: owtt_async.Database) -> None:
    pricing = ModelPricing(database)
    before = await table_snapshot(database)

    transaction = await database.transaction()
    await pricing.load([entry("a")])
    await transaction.rollback()

    assert await table_snapshot(database) == before
