"""Read and check model pricing given as JSON, before any of it reaches the database.

Two shapes are accepted. The plain list the original package's ``init --model-json``
reads::

    [{"provider": "openai", "id": "gpt-4o-2024-08-06", "name": "GPT-4o",
      "input_cost_credits": 2500, "per_input_tokens": 1000000,
      "output_cost_credits": 10000, "per_output_tokens": 1000000}]

and an object that dates the prices, as the pricing file shipped in the package does::

    {"as_of": "2025-06-01", "note": "...", "models": [ ...the list above... ]}

Every entry is checked before anything is written, and an error names the entry by
its position in the list, counted from 0, as ``models[2]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import InvalidInputError, InvalidTypeError
from ._records import PRICING_COLUMNS
from ._records import ModelPricing as ModelPricingRow
from ._validation import check_credits, check_text

DEFAULT_PRICING_FILE = Path(__file__).resolve().parent / "data" / "model_pricing.json"

TEXT_FIELDS = ("id", "provider", "name")
CREDIT_FIELDS = ("input_cost_credits", "output_cost_credits")
TOKEN_FIELDS = ("per_input_tokens", "per_output_tokens")
ENTRY_FIELDS = TEXT_FIELDS + CREDIT_FIELDS + TOKEN_FIELDS
DOCUMENT_FIELDS = ("as_of", "note", "models")


def read_pricing_file(path: str | os.PathLike[str] | None = None) -> list[ModelPricingRow]:
    """Read a pricing JSON file and return its checked entries.

    ``None`` reads the pricing file shipped in the package. Raises InvalidInputError
    naming the file, and the line or the entry, when it cannot be read or is invalid.
    """
    file = DEFAULT_PRICING_FILE if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise InvalidInputError(f"cannot read the pricing file {str(file)!r}: {reason}") from None

    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"the pricing file {str(file)!r} is not valid JSON: {error.msg} at line "
            f"{error.lineno}, column {error.colno}"
        ) from None

    try:
        return parse_pricing(document)
    except InvalidInputError as error:
        raise type(error)(f"the pricing file {str(file)!r} is invalid: {error}") from None


def default_pricing_date() -> str:
    """Return the ``as_of`` date of the pricing file shipped in the package."""
    document = json.loads(DEFAULT_PRICING_FILE.read_text(encoding="utf-8"))
    return str(document["as_of"])


def parse_pricing(document: Any) -> list[ModelPricingRow]:
    """Check a parsed pricing document, either shape, and return its entries.

    Raises InvalidInputError (or InvalidTypeError) for the first problem found: a
    missing, unknown or invalid field, a repeated model id, or an empty list.
    """
    entries = _entries_of(document)
    if not entries:
        raise InvalidInputError("the pricing list contains no models")

    rows: list[ModelPricingRow] = []
    first_position: dict[str, int] = {}
    for position, entry in enumerate(entries):
        row = _check_entry(position, entry)
        model_id = row["id"]
        if model_id in first_position:
            raise InvalidInputError(
                f"models[{position}] repeats the id {model_id!r} of "
                f"models[{first_position[model_id]}]; each model may appear once"
            )
        first_position[model_id] = position
        rows.append(row)
    return rows


def _entries_of(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if not isinstance(document, Mapping):
        raise InvalidTypeError(
            'pricing JSON must be a list of models, or an object with a "models" list, '
            f"not {_json_type(document)}"
        )

    unknown = sorted(set(document) - set(DOCUMENT_FIELDS))
    if unknown:
        raise InvalidInputError(
            f"unknown top-level field(s) {_listed(unknown)}; expected {_listed(DOCUMENT_FIELDS)}"
        )
    if "as_of" in document and not isinstance(document["as_of"], str):
        as_of_type = _json_type(document["as_of"])
        raise InvalidTypeError(
            f'as_of must be a date string such as "2025-06-01", not {as_of_type}'
        )
    models = document.get("models")
    if not isinstance(models, list):
        raise InvalidTypeError(
            f'the "models" field must be a list of models, not {_json_type(models)}'
        )
    return models


def _check_entry(position: int, entry: Any) -> ModelPricingRow:
    label = f"models[{position}]"
    if not isinstance(entry, Mapping):
        raise InvalidTypeError(f"{label} must be an object, not {_json_type(entry)}")

    model_id = entry.get("id")
    if isinstance(model_id, str):
        label = f"{label} (id {model_id!r})"

    missing = [field for field in ENTRY_FIELDS if field not in entry]
    if missing:
        raise InvalidInputError(f"{label} is missing the field(s) {_listed(missing)}")
    unknown = sorted(set(entry) - set(ENTRY_FIELDS))
    if unknown:
        raise InvalidInputError(
            f"{label} has unknown field(s) {_listed(unknown)}; expected {_listed(ENTRY_FIELDS)}"
        )

    try:
        row: ModelPricingRow = {field: check_text(field, entry[field]) for field in TEXT_FIELDS}
        for field in CREDIT_FIELDS:
            row[field] = check_credits(field, entry[field])
        for field in TOKEN_FIELDS:
            row[field] = check_credits(field, entry[field], minimum=1)
    except InvalidInputError as error:
        raise type(error)(f"{label}: {error}") from None
    return {column: row[column] for column in PRICING_COLUMNS}


def _listed(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _json_type(value: Any) -> str:
    """Return the JSON name of a parsed value's type, as a JSON author would call it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
