"""``owtt-async sponsored ...``: create, read, update and delete sponsored allowances."""

from __future__ import annotations

from typing import Any

import click

from .. import sponsored as blocking
from .._allowances import NO_DAILY_LIMIT
from .._validation import MAX_INTEGER
from ._common import Settings, with_settings
from ._output import ALLOWANCE_COLUMNS, echo_json, echo_record, echo_table

CREDITS = click.IntRange(0, MAX_INTEGER)


@click.group(
    epilog="""Example:

\b
  owtt-async sponsored list --json
""",
)
def sponsored() -> None:
    """Manage sponsored allowances, the credits a sponsor grants."""


def _identifier_options(command: Any) -> Any:
    command = click.option("--name", help="Name of the allowance.")(command)
    return click.option("--id", "allowance_id", metavar="UUID", help="Id of the allowance.")(
        command
    )


def _require_identifier(allowance_id: str | None, name: str | None) -> None:
    if allowance_id is None and name is None:
        raise click.UsageError(
            "give the allowance's --id or --name", ctx=click.get_current_context()
        )


def _echo_allowance(settings: Settings, allowance: dict[str, Any]) -> None:
    if settings.as_json:
        echo_json(allowance)
    else:
        echo_record(allowance, ALLOWANCE_COLUMNS)


@sponsored.command(
    epilog="""Example:

\b
  owtt-async sponsored create --sponsor-id it-dept --name "AI Department" \\
      -m gpt-4o-2024-08-06 -m claude-sonnet-4-20250514 -t 100000 -d 2000
""",
)
@click.option("--sponsor-id", required=True, help="Id of the sponsor who pays, e.g. a user id.")
@click.option("--name", required=True, help="Name of the allowance; must be unique.")
@click.option(
    "-m",
    "--model",
    "models",
    multiple=True,
    required=True,
    metavar="MODEL_ID",
    help="Base model the allowance covers; repeat for several. Must have pricing.",
)
@click.option(
    "-t",
    "--total-limit",
    type=CREDITS,
    metavar="CREDITS",
    required=True,
    help="Credits the allowance grants in total, across all users and models.",
)
@click.option(
    "-d",
    "--daily-limit",
    type=CREDITS,
    metavar="CREDITS",
    help="Credits each user may spend per day. Default: no daily limit.",
)
@with_settings
def create(
    settings: Settings,
    sponsor_id: str,
    name: str,
    models: tuple[str, ...],
    total_limit: int,
    daily_limit: int | None,
) -> None:
    """Create a sponsored allowance."""
    allowance = blocking.create_sponsored_allowance(
        settings.database_url, sponsor_id, name, list(models), total_limit, daily_limit
    )
    _echo_allowance(settings, allowance)


@sponsored.command(
    epilog="""Example:

\b
  owtt-async sponsored get --name "AI Department" --json
""",
)
@_identifier_options
@with_settings
def get(settings: Settings, allowance_id: str | None, name: str | None) -> None:
    """Show one sponsored allowance, found by --id or --name."""
    _require_identifier(allowance_id, name)
    allowance = blocking.get_sponsored_allowance(settings.database_url, name=name, id=allowance_id)
    _echo_allowance(settings, allowance)


@sponsored.command(
    name="list",
    epilog="""Example:

\b
  owtt-async sponsored list --sponsor-id it-dept
""",
)
@click.option("--sponsor-id", help="Show only this sponsor's allowances.")
@with_settings
def list_allowances(settings: Settings, sponsor_id: str | None) -> None:
    """List sponsored allowances, ordered by name."""
    allowances = blocking.get_sponsored_allowances(settings.database_url, sponsor_id=sponsor_id)
    if settings.as_json:
        echo_json(allowances)
    else:
        echo_table(allowances, ALLOWANCE_COLUMNS, empty="No sponsored allowances found.")


@sponsored.command(
    epilog="""Example:

\b
  owtt-async sponsored update --name "AI Department" --new-name "AI Dept" -t 200000
  owtt-async sponsored update --name "AI Dept" --no-daily-limit
""",
)
@_identifier_options
@click.option("--new-name", help="New name for the allowance.")
@click.option("--sponsor-id", help="New sponsor id.")
@click.option(
    "-m",
    "--model",
    "models",
    multiple=True,
    metavar="MODEL_ID",
    help="Replace the base models with these; repeat for several.",
)
@click.option(
    "-t", "--total-limit", type=CREDITS, metavar="CREDITS", help="New total credit limit."
)
@click.option(
    "-d",
    "--daily-limit",
    type=CREDITS,
    metavar="CREDITS",
    help="New daily credit limit per user.",
)
@click.option("--no-daily-limit", is_flag=True, help="Remove the daily limit.")
@with_settings
def update(
    settings: Settings,
    allowance_id: str | None,
    name: str | None,
    new_name: str | None,
    sponsor_id: str | None,
    models: tuple[str, ...],
    total_limit: int | None,
    daily_limit: int | None,
    no_daily_limit: bool,
) -> None:
    """Change a sponsored allowance, found by --id or --name.

    Options left out keep their current values.
    """
    _require_identifier(allowance_id, name)
    if no_daily_limit and daily_limit is not None:
        raise click.UsageError(
            "give either --daily-limit or --no-daily-limit, not both",
            ctx=click.get_current_context(),
        )

    allowance = blocking.update_sponsored_allowance(
        settings.database_url,
        allowance_id=allowance_id,
        name=name,
        new_name=new_name,
        sponsor_id=sponsor_id,
        models=list(models) if models else None,
        total_credit_limit=total_limit,
        daily_credit_limit=NO_DAILY_LIMIT if no_daily_limit else daily_limit,
    )
    _echo_allowance(settings, allowance)


@sponsored.command(
    epilog="""Example:

\b
  owtt-async sponsored delete --name "AI Department"
""",
)
@_identifier_options
@with_settings
def delete(settings: Settings, allowance_id: str | None, name: str | None) -> None:
    """Delete a sponsored allowance, found by --id or --name.

    An allowance that usage was recorded against is kept; set its total limit to 0
    to stop further use.
    """
    _require_identifier(allowance_id, name)
    allowance = blocking.get_sponsored_allowance(settings.database_url, name=name, id=allowance_id)
    blocking.delete_sponsored_allowance(
        settings.database_url, allowance_id=allowance["id"], name=allowance["name"]
    )
    if settings.as_json:
        echo_json({"deleted": {"id": allowance["id"], "name": allowance["name"]}})
    else:
        click.echo(f"Deleted the sponsored allowance {allowance['name']!r} ({allowance['id']}).")
