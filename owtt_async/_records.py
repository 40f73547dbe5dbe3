"""Turn rows into the plain dicts the API returns.

An allowance dict has ``id`` (canonical hyphenated UUID string), ``name``,
``sponsor_id``, ``total_credit_limit``, ``daily_credit_limit`` (None for no daily
limit), ``base_models`` (sorted model ids) and ``creation_date`` (aware, UTC). Both
backends give the same dict for the same row, whatever format the column stores.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ._session import Row

Allowance = dict[str, Any]

# An id as the original package stores it on SQLite: 32 lowercase hex digits.
_STORED_HEX_ID = re.compile(r"[0-9a-f]{32}")
ModelPricing = dict[str, Any]

PRICING_COLUMNS = (
    "id",
    "provider",
    "name",
    "input_cost_credits",
    "per_input_tokens",
    "output_cost_credits",
    "per_output_tokens",
)


def allowances_from_rows(rows: Iterable[Row]) -> list[Allowance]:
    """Group joined rows (one per base model) into allowances, keeping their order.

    The rows of one allowance must be adjacent, as every statement that feeds this
    guarantees with its ORDER BY or its single-id WHERE clause.
    """
    allowances: list[Allowance] = []
    current_id: Any = None
    current: Allowance = {}

    for row in rows:
        row_id = row["id"]
        if row_id != current_id or not allowances:
            current_id = row_id
            current = _allowance(row, [])
            allowances.append(current)
        model = row["base_model_id"]
        if model is not None:
            current["base_models"].append(model)

    for allowance in allowances:
        allowance["base_models"].sort()
    return allowances


def allowances_from_grouped_rows(rows: Iterable[Row]) -> list[Allowance]:
    """Turn rows of one allowance each, its models in ``base_models``, into allowances.

    ``base_models`` is an array on PostgreSQL and JSON text on SQLite. An allowance
    without models has one null entry there, from its LEFT JOIN row.
    """
    allowances = []
    for row in rows:
        models = row["base_models"]
        if isinstance(models, str):
            models = json.loads(models)
        if None in models:
            models = [model for model in models if model is not None]
        allowances.append(_allowance(row, sorted(models)))
    return allowances


def _allowance(row: Row, base_models: list[str]) -> Allowance:
    return {
        "id": canonical_id(row["id"]),
        "name": row["name"],
        "sponsor_id": row["sponsor_id"],
        "total_credit_limit": row["total_credit_limit"],
        "daily_credit_limit": row["daily_credit_limit"],
        "base_models": base_models,
        "creation_date": utc_datetime(row["creation_date"]),
    }


def canonical_id(value: Any) -> str:
    """Return a stored allowance id (native UUID, or 32 hex digits on SQLite) as hyphenated text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return str(uuid.UUID(bytes=value))
    if isinstance(value, str) and _STORED_HEX_ID.fullmatch(value):
        # SQLite's usual form, hyphenated directly: building a UUID object first took
        # about 2.6 us per id against 0.7 us, which adds up when listing thousands.
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(uuid.UUID(str(value)))


def utc_datetime(value: Any) -> datetime:
    """Return a stored timestamp as an aware UTC datetime.

    SQLite stores text such as '2026-12-04 19:27:14', written by CURRENT_TIMESTAMP in
    UTC; a naive value is therefore taken as UTC.
    """
    if isinstance(value, datetime) and value.tzinfo is timezone.utc:
        # asyncpg's timestamptz values, already in the form returned.
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def pricing_from_row(row: Row) -> ModelPricing:
    return {column: row[column] for column in PRICING_COLUMNS}
