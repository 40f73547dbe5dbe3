"""Load the statements owtt_async runs from the ``sql/`` folder.

Each ``.sql`` file contains one statement, named by its path below ``sql/`` without the
suffix (``allowance/select_by_id``). ``NAME.postgresql.sql`` or ``NAME.sqlite.sql``
replaces ``NAME.sql`` for that dialect only. Parameters are written ``:name``.
A ``;`` ends the statement, except inside a PostgreSQL dollar-quoted body
(``$$ ... $$``) and inside the ``BEGIN ... END`` body of a ``CREATE TRIGGER``.

The loader turns parameters into each driver's own style once, at load time:
``$1, $2, ...`` for asyncpg and ``:name`` kept for sqlite3. So no statement text is
rendered per call, and values always travel separately from the SQL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ._errors import SqlFileError
from ._urls import Dialect

DIALECTS: tuple[Dialect, ...] = ("postgresql", "sqlite")

_IDENTIFIER_START = re.compile(r"[A-Za-z_]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The opening tag of a PostgreSQL dollar-quoted string: $$ or $tag$.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
# SQLite trigger bodies hold several statements, each ended by a semicolon.
_CREATE_TRIGGER = re.compile(r"\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    """One loaded statement, ready for one dialect's driver.

    ``text`` is in the driver's parameter style; ``parameters`` lists the ``:name``
    parameters in the order asyncpg expects them as ``$1, $2, ...``.
    """

    name: str
    dialect: Dialect
    text: str
    parameters: tuple[str, ...]
    path: Path


def sql_directory() -> Path:
    """Return the folder of statement files: inside the installed package, or the checkout's."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "sql", package.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise SqlFileError(
        f"the sql/ folder was not found beside {package}; reinstall owtt-async, "
        "whose wheel carries it as owtt_async/sql"
    )


@functools.cache
def queries(dialect: Dialect) -> dict[str, Query]:
    """Return every statement for ``dialect``, by name, loading the folder on first use."""
    return load_queries(sql_directory())[dialect]


def load_queries(directory: Path) -> dict[Dialect, dict[str, Query]]:
    """Parse every ``.sql`` file below ``directory`` for both dialects.

    Raises SqlFileError naming the file when one is empty, contains more than one
    statement, leaves a quote or comment open, or names an unknown dialect. A name
    with only ``NAME.sqlite.sql`` exists for SQLite alone, and likewise for PostgreSQL.
    """
    sources: dict[str, dict[str, Path]] = {}
    for path in sorted(directory.rglob("*.sql")):
        relative = path.relative_to(directory).as_posix()[: -len(".sql")]
        name, _, variant = relative.partition(".")
        if variant and variant not in DIALECTS:
            raise SqlFileError(
                f"{path}: unknown dialect {variant!r} in the file name; "
                f"use NAME.sql, or NAME.<dialect>.sql with one of {', '.join(DIALECTS)}"
            )
        sources.setdefault(name, {})[variant or "any"] = path

    if not sources:
        raise SqlFileError(f"{directory}: no .sql files found")

    loaded: dict[Dialect, dict[str, Query]] = {dialect: {} for dialect in DIALECTS}
    for name, variants in sources.items():
        for dialect in DIALECTS:
            source = variants.get(dialect) or variants.get("any")
            if source is not None:
                loaded[dialect][name] = parse_query(name, dialect, source)
    return loaded


def get_query(dialect: Dialect, name: str) -> Query:
    """Return the statement ``name`` for ``dialect``; SqlFileError names the file expected."""
    try:
        return queries(dialect)[name]
    except KeyError:
        raise SqlFileError(
            f"no {dialect} statement {name!r}: expected sql/{name}.sql or "
            f"sql/{name}.{dialect}.sql"
        ) from None


def parse_query(name: str, dialect: Dialect, path: Path) -> Query:
    """Read one statement file and convert its ``:name`` parameters for ``dialect``."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SqlFileError(f"{path}: cannot be read: {error}") from error

    text, parameters = _convert_parameters(source, dialect, path)
    if not text:
        raise SqlFileError(f"{path}: the file contains no statement, only comments or blank lines")
    return Query(name=name, dialect=dialect, text=text, parameters=parameters, path=path)


def _convert_parameters(source: str, dialect: Dialect, path: Path) -> tuple[str, tuple[str, ...]]:
    """Rewrite ``:name`` parameters outside quotes and comments into the driver's style.

    ``::`` stays as PostgreSQL's cast operator. A ``;`` may only end the statement,
    unless it sits in a dollar-quoted body or the statement creates a trigger.
    Comments are dropped, so the text is empty when the file contains no statement.
    """
    output: list[str] = []
    parameters: list[str] = []
    index = 0
    length = len(source)
    statement_ended_at: int | None = None
    creates_trigger = _CREATE_TRIGGER.match(_without_comments(source)) is not None

    while index < length:
        char = source[index]
        pair = source[index : index + 2]

        if pair == "--":
            end = source.find("\n", index)
            index = length if end == -1 else end
            continue

        if pair == "/*":
            end = source.find("*/", index + 2)
            if end == -1:
                raise SqlFileError(f"{path}: a /* comment is never closed")
            output.append(" ")
            index = end + 2
            continue

        if statement_ended_at is not None and not char.isspace():
            line = source.count("\n", 0, statement_ended_at) + 1
            raise SqlFileError(
                f"{path}:{line}: more than one statement; each file must contain exactly one"
            )

        if char in ("'", '"'):
            end = _closing_quote(source, index, char)
            if end == -1:
                line = source.count("\n", 0, index) + 1
                raise SqlFileError(f"{path}:{line}: a {char} quote is never closed")
            output.append(source[index : end + 1])
            index = end + 1
            continue

        if char == "$" and (tag := _DOLLAR_TAG.match(source, index)) is not None:
            end = source.find(tag.group(), tag.end())
            if end == -1:
                line = source.count("\n", 0, index) + 1
                raise SqlFileError(f"{path}:{line}: a {tag.group()} quote is never closed")
            end += len(tag.group())
            output.append(source[index:end])
            index = end
            continue

        if pair == "::":
            output.append(pair)
            index += 2
            continue

        if char == ":" and _IDENTIFIER_START.match(source, index + 1):
            match = _IDENTIFIER.match(source, index + 1)
            assert match is not None  # guaranteed by the identifier-start check above
            parameter = match.group()
            if parameter not in parameters:
                parameters.append(parameter)
            if dialect == "postgresql":
                output.append(f"${parameters.index(parameter) + 1}")
            else:
                output.append(f":{parameter}")
            index = match.end()
            continue

        if char == ";" and creates_trigger and source[index + 1 :].strip():
            output.append(char)
            index += 1
            continue

        if char == ";":
            statement_ended_at = index
            index += 1
            continue

        output.append(char)
        index += 1

    return "".join(output).strip(), tuple(parameters)


def _without_comments(source: str) -> str:
    """Return ``source`` with leading ``--`` comment lines removed."""
    lines = source.lstrip().splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines)


def _closing_quote(source: str, start: int, quote: str) -> int:
    """Return the index of the quote that closes the one at ``start``, or -1.

    A doubled quote inside the literal stands for the quote character itself.
    """
    index = start + 1
    while True:
        index = source.find(quote, index)
        if index == -1:
            return -1
        if source[index + 1 : index + 2] == quote:
            index += 2
            continue
        return index
