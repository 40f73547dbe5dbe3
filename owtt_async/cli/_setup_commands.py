"""``owtt-async init`` and ``owtt-async db migrate``: set up the tables and the pricing."""

from __future__ import annotations

from pathlib import Path

import click

from .. import migrate_database
from .._pricing import ModelPricing
from .._pricing_json import DEFAULT_PRICING_FILE, default_pricing_date, read_pricing_file
from .._runner import run
from ._common import Settings, with_settings
from ._output import echo_json

PRICING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command(
    epilog="""Example:

\b
  owtt-async init --database-url sqlite:///data/webui.db
  owtt-async init --model-json my-pricing.json
""",
)
@click.option(
    "--model-json",
    type=PRICING_FILE,
    help=(
        'Pricing JSON file to load: a list of models, or an object with a "models" '
        "list. Defaults to the pricing file shipped with owtt-async."
    ),
)
@with_settings
def init(settings: Settings, model_json: Path | None) -> None:
    """Create the token tracking tables and load model pricing.

    Safe to run again: existing tables and rows stay. Models already priced keep
    their prices, unless --model-json names a file, whose prices replace them. The
    file is checked before anything is written.
    """
    # Read and check the file first, so that a bad file leaves the database untouched.
    rows = read_pricing_file(model_json)
    migrate_database(settings.database_url)
    # The shipped prices must not overwrite prices an admin already set; a file the
    # admin names is meant to win.
    replace = model_json is not None
    written = run(
        settings.database_url,
        lambda database: ModelPricing(database).load(rows, replace=replace),
    )
    written_ids = [row["id"] for row in written]
    kept_ids = [row["id"] for row in rows if row not in written]

    as_of = None if model_json else default_pricing_date()
    if settings.as_json:
        echo_json(
            {
                "database": settings.target.display,
                "pricing_file": str(model_json or DEFAULT_PRICING_FILE),
                "as_of": as_of,
                "written": written_ids,
                "kept": kept_ids,
            }
        )
        return

    source = str(model_json) if model_json else f"owtt-async's pricing file (as of {as_of})"
    click.echo(f"The token tracking tables in {settings.target.display} are up to date.")
    click.echo(f"Loaded pricing for {len(written_ids)} models from {source}.")
    if kept_ids:
        click.echo(
            f"Kept the existing pricing of {len(kept_ids)} models; "
            "'owtt-async pricing load FILE' replaces it."
        )


@click.group(
    epilog="""Example:

\b
  owtt-async db migrate --database-url sqlite:///data/webui.db
""",
)
def db() -> None:
    """Manage the database schema."""


@db.command(
    epilog="""Example:

\b
  DATABASE_URL=postgresql://owtt@127.0.0.1:5432/openwebui owtt-async db migrate
""",
)
@with_settings
def migrate(settings: Settings) -> None:
    """Create the token tracking tables and owtt_async's indexes where missing.

    Existing tables and rows are never changed, so running it again is safe.
    """
    migrate_database(settings.database_url)
    if settings.as_json:
        echo_json({"database": settings.target.display, "migrated": True})
        return
    click.echo(f"The token tracking tables in {settings.target.display} are up to date.")
