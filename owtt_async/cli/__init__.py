"""The ``owtt-async`` command line: set up and manage sponsored allowances and pricing.

It runs over the blocking API (``owtt_async.sponsored``, ``owtt_async.model_pricing``),
so a command does what the matching function does, with the same checks and errors.
"""

from __future__ import annotations

import click

from .. import __version__
from ._app import PROGRAM, CommandGroup
from ._pricing_commands import pricing
from ._setup_commands import db, init
from ._sponsored_commands import sponsored

__all__ = ["cli", "main"]


@click.group(
    cls=CommandGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""Example, on a new SQLite database:

\b
  export DATABASE_URL=sqlite:///webui.db
  owtt-async init
  owtt-async sponsored create --sponsor-id it-dept --name "AI Department" \\
      -m gpt-4o-2024-08-06 -t 100000 -d 2000
  owtt-async sponsored list

Every command takes --database-url (default: the DATABASE_URL environment variable),
--json and -v. Run 'owtt-async COMMAND --help' for a command's options.
""",
)
@click.version_option(__version__, prog_name=PROGRAM)
def cli() -> None:
    """Manage sponsored allowances and model pricing in an Open WebUI database."""


cli.add_command(init)
cli.add_command(db)
cli.add_command(sponsored)
cli.add_command(pricing)


def main() -> None:
    """Run the command line, as the ``owtt-async`` console script does."""
    cli(prog_name=PROGRAM)
