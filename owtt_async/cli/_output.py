"""Print results as an aligned table for people, or as one JSON document for programs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import click

# (key in the library's dict, column heading) for each kind of record.
ALLOWANCE_COLUMNS = (
    ("id", "ID"),
    ("name", "NAME"),
    ("sponsor_id", "SPONSOR"),
    ("total_credit_limit", "TOTAL LIMIT"),
    ("daily_credit_limit", "DAILY LIMIT"),
    ("base_models", "MODELS"),
    ("creation_date", "CREATED (UTC)"),
)
PRICING_COLUMNS = (
    ("id", "ID"),
    ("provider", "PROVIDER"),
    ("name", "NAME"),
    ("input_cost_credits", "INPUT CREDITS"),
    ("per_input_tokens", "PER INPUT TOKENS"),
    ("output_cost_credits", "OUTPUT CREDITS"),
    ("per_output_tokens", "PER OUTPUT TOKENS"),
)

Columns = Sequence[tuple[str, str]]


def echo_json(document: Any) -> None:
    """Print ``document`` as one JSON document; datetimes become ISO 8601 strings."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=_json_default))


def echo_table(records: Sequence[Mapping[str, Any]], columns: Columns, empty: str) -> None:
    """Print ``records`` as rows under a heading, each column padded to its widest cell.

    With no records, print the ``empty`` line instead, so that the output is never blank.
    """
    if not records:
        click.echo(empty)
        return

    headings = [heading for _, heading in columns]
    rows = [[format_cell(record[key]) for key, _ in columns] for record in records]
    widths = [max(len(row[index]) for row in [headings, *rows]) for index in range(len(columns))]
    # Numbers align on their last digit, as in a spreadsheet; text aligns left.
    numeric = [
        all(isinstance(record[key], int) or record[key] is None for record in records)
        for key, _ in columns
    ]
    for row in [headings, *rows]:
        cells = [
            cell.rjust(width) if is_numeric else cell.ljust(width)
            for cell, width, is_numeric in zip(row, widths, numeric, strict=True)
        ]
        click.echo("  ".join(cells).rstrip())


def echo_record(record: Mapping[str, Any], columns: Columns) -> None:
    """Print one record as aligned ``heading  value`` lines."""
    width = max(len(heading) for _, heading in columns)
    for key, heading in columns:
        click.echo(f"{heading.ljust(width)}  {format_cell(record[key])}".rstrip())


def format_cell(value: Any) -> str:
    """Return a value as table text: lists comma-separated, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
