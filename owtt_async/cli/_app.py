"""The ``owtt-async`` command group, and how its errors reach the terminal.

Every expected error, whether from click's parsing or from owtt_async, ends the
command with one line on stderr, ``owtt-async: error: ...``, and nothing on stdout.
The exit status is 2 for a usage error, 130 after Ctrl-C, and 1 for anything else.
Only a bug shows a traceback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from .._errors import OwttError

PROGRAM = "owtt-async"

# The password between "scheme://user:" and "@", and libpq's password=... option,
# which ends at the next "&", "#", quote, bracket or white space.
_URL_PASSWORD = re.compile(r"(://[^\s:/@]*:)[^\s@]*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#'\")\s]*", re.IGNORECASE)
USAGE_ERROR_STATUS = 2
ERROR_STATUS = 1
INTERRUPTED_STATUS = 130

# click 8.2 reports "a group run without a command" with this exception, which
# prints the group's help; click 8.1 printed the help and exited with status 0.
_NO_ARGS_IS_HELP: tuple[type[click.UsageError], ...] = tuple(
    getattr(click.exceptions, name)
    for name in ("NoArgsIsHelpError",)
    if hasattr(click.exceptions, name)
)


class CommandGroup(click.Group):
    """A click group that reports every expected error as one line on stderr."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)

        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except _NO_ARGS_IS_HELP as error:
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            fail(_usage_message(error), USAGE_ERROR_STATUS)
        except click.ClickException as error:
            fail(error.format_message(), error.exit_code)
        except click.Abort:
            fail("interrupted; nothing more was done", INTERRUPTED_STATUS)
        except OwttError as error:
            fail(str(error), ERROR_STATUS)
        sys.exit(status if isinstance(status, int) else 0)


def fail(message: str, status: int) -> NoReturn:
    """Print ``message`` as one ``owtt-async: error:`` line on stderr and exit."""
    one_line = mask_passwords(" ".join(message.split()))
    click.echo(f"{PROGRAM}: error: {one_line}", err=True)
    sys.exit(status)


def mask_passwords(text: str) -> str:
    """Return ``text`` with the password of every URL in it replaced by ``***``.

    click quotes stray arguments in its messages, and a database URL typed in the
    wrong place may carry a password.
    """
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _QUERY_PASSWORD.sub(r"\1***", text)


def _usage_message(error: click.UsageError) -> str:
    message = error.format_message().rstrip(".")
    if error.ctx is None:
        return message
    return f"{message} (see '{error.ctx.command_path} --help')"
