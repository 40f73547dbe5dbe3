"""The options every command takes: ``--database-url``, ``--json`` and ``-v``."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from .._errors import ConfigurationError
from .._runner import close_pools
from .._urls import ENVIRONMENT_VARIABLE, DatabaseTarget, parse_database_url


@dataclass(frozen=True)
class Settings:
    """The database and output format a command runs with, from the common options."""

    database_url: str
    target: DatabaseTarget
    as_json: bool


def with_settings(command: Callable[..., None]) -> Callable[..., None]:
    """Add the common options to a command function, which receives ``Settings`` first."""

    @functools.wraps(command)
    def run(database_url: str | None, as_json: bool, verbose: bool, **options: Any) -> None:
        with debug_logging(verbose):
            url = _resolve_url(database_url)
            settings = Settings(url, parse_database_url(url), as_json)
            try:
                command(settings, **options)
            finally:
                # Close the connections while -v still shows it happen.
                close_pools()

    decorators = (
        click.option(
            "--database-url",
            metavar="URL",
            help=(
                "Database to work on, as in Open WebUI's configuration, for example "
                f"sqlite:///data/webui.db. Defaults to the {ENVIRONMENT_VARIABLE} "
                "environment variable."
            ),
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print the result as one JSON document instead of a table.",
        ),
        click.option(
            "-v",
            "--verbose",
            is_flag=True,
            help="Log what the library does (statement names, never values) to stderr.",
        ),
    )
    for decorator in decorators:
        run = decorator(run)
    return run


def _resolve_url(database_url: str | None) -> str:
    url = database_url or os.environ.get(ENVIRONMENT_VARIABLE)
    if not url:
        raise ConfigurationError(
            f"no database URL given; pass --database-url or set {ENVIRONMENT_VARIABLE}, "
            "for example --database-url sqlite:///data/webui.db"
        )
    return url


@contextmanager
def debug_logging(enabled: bool) -> Iterator[None]:
    """Send the ``owtt_async`` logger's records, DEBUG and up, to stderr while enabled.

    The ``databases`` logger writes query parameter values at DEBUG, so it is held
    at WARNING for the same time.
    """
    if not enabled:
        yield
        return

    library = logging.getLogger("owtt_async")
    quiet = logging.getLogger("databases")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("owtt-async: %(levelname)s: %(message)s"))
    saved_levels = library.level, quiet.level

    library.addHandler(handler)
    library.setLevel(logging.DEBUG)
    quiet.setLevel(logging.WARNING)
    try:
        yield
    finally:
        library.removeHandler(handler)
        library.setLevel(saved_levels[0])
        quiet.setLevel(saved_levels[1])
