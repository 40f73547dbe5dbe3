"""``owtt-async pricing ...``: the credits each model's tokens cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import model_pricing as blocking
from .._validation import MAX_INTEGER
from ._common import Settings, with_settings
from ._output import PRICING_COLUMNS, echo_json, echo_record, echo_table

CREDITS = click.IntRange(0, MAX_INTEGER)
TOKENS = click.IntRange(1, MAX_INTEGER)
MODEL_ID = click.option("--id", "model_id", required=True, metavar="MODEL_ID", help="Model id.")


@click.group(
    epilog="""Example:

\b
  owtt-async pricing list
""",
)
def pricing() -> None:
    """Manage model pricing, the credits each model's tokens cost."""


def _echo_row(settings: Settings, row: dict[str, Any]) -> None:
    if settings.as_json:
        echo_json(row)
    else:
        echo_record(row, PRICING_COLUMNS)


def _echo_rows(settings: Settings, rows: list[dict[str, Any]]) -> None:
    if settings.as_json:
        echo_json(rows)
    else:
        echo_table(rows, PRICING_COLUMNS, empty="No model pricing found.")


@pricing.command(
    name="list",
    epilog="""Example:

\b
  owtt-async pricing list --provider openai
""",
)
@click.option("--provider", help="Show only this provider's models, e.g. openai.")
@with_settings
def list_pricing(settings: Settings, provider: str | None) -> None:
    """List model pricing, ordered by model id."""
    _echo_rows(settings, blocking.list_model_pricing(settings.database_url, provider=provider))


@pricing.command(
    epilog="""Example:

\b
  owtt-async pricing get --id gpt-4o-2024-08-06 --json
""",
)
@MODEL_ID
@with_settings
def get(settings: Settings, model_id: str) -> None:
    """Show one model's pricing."""
    _echo_row(settings, blocking.get_model_pricing(settings.database_url, model_id=model_id))


@pricing.command(
    name="set",
    epilog="""Example: 2.50 US dollars per million prompt tokens and 10 per million
response tokens, at 1000 credits per dollar:

\b
  owtt-async pricing set --id gpt-4o-2024-08-06 --provider openai --name "GPT-4o" \\
      --input-cost-credits 2500 --output-cost-credits 10000
""",
)
@MODEL_ID
@click.option("--provider", required=True, help="Provider of the model, e.g. openai.")
@click.option("--name", required=True, help="Display name of the model.")
@click.option(
    "--input-cost-credits",
    type=CREDITS,
    metavar="CREDITS",
    required=True,
    help="Credits charged per --per-input-tokens prompt tokens.",
)
@click.option(
    "--per-input-tokens",
    type=TOKENS,
    metavar="TOKENS",
    default=1_000_000,
    show_default=True,
    help="Number of prompt tokens that --input-cost-credits pays for.",
)
@click.option(
    "--output-cost-credits",
    type=CREDITS,
    metavar="CREDITS",
    required=True,
    help="Credits charged per --per-output-tokens response tokens.",
)
@click.option(
    "--per-output-tokens",
    type=TOKENS,
    metavar="TOKENS",
    default=1_000_000,
    show_default=True,
    help="Number of response tokens that --output-cost-credits pays for.",
)
@with_settings
def set_pricing(
    settings: Settings,
    model_id: str,
    provider: str,
    name: str,
    input_cost_credits: int,
    per_input_tokens: int,
    output_cost_credits: int,
    per_output_tokens: int,
) -> None:
    """Add a model's pricing, or replace it if the model already has one."""
    row = blocking.upsert_model_pricing(
        settings.database_url,
        model_id,
        provider,
        name,
        input_cost_credits,
        per_input_tokens,
        output_cost_credits,
        per_output_tokens,
    )
    _echo_row(settings, row)


@pricing.command(
    epilog="""Example:

\b
  owtt-async pricing delete --id gpt-4o-2024-08-06
""",
)
@MODEL_ID
@with_settings
def delete(settings: Settings, model_id: str) -> None:
    """Delete a model's pricing; this fails while a sponsored allowance lists the model."""
    blocking.delete_model_pricing(settings.database_url, model_id=model_id)
    if settings.as_json:
        echo_json({"deleted": {"id": model_id}})
    else:
        click.echo(f"Deleted the pricing of {model_id!r}.")


@pricing.command(
    epilog="""Example:

\b
  owtt-async pricing load my-pricing.json
""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_settings
def load(settings: Settings, file: Path) -> None:
    """Add or update the pricing of every model in a pricing JSON file.

    The file is either a list of models or an object with a "models" list. Each
    model has provider, id, name, input_cost_credits, per_input_tokens,
    output_cost_credits and per_output_tokens. All entries are checked before any
    is written. Loading a file again updates its models instead of adding rows.
    """
    _echo_rows(settings, blocking.load_model_pricing(settings.database_url, file))
