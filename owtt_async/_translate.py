"""Map driver exceptions to owtt_async's own, in one place.

PostgreSQL errors are classified by SQLSTATE, SQLite errors by their extended error
name (``sqlite3.Error.sqlite_errorname``). Only SQLite's "no such table" and "no such
column" need the message text, because SQLite reports them under the generic
SQLITE_ERROR code. Messages name the database by its masked URL, never with a password.
"""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg

from ._errors import (
    ConnectionLostError,
    DatabaseError,
    DatabaseTimeoutError,
    DatabaseUnavailableError,
    IntegrityError,
    OwttError,
    SchemaError,
)
from ._urls import DatabaseTarget

_MIGRATE_HINT = (
    "create the tables with owtt_async.migrate_database() or 'owtt-async db migrate'"
)
_AIOSQLITE_CLOSED_MESSAGES = ("Connection closed", "no active connection")

# SQLSTATE classes and codes that mean the server cannot serve this connection.
_UNAVAILABLE_CLASSES = ("08", "57", "53")
_AUTHENTICATION_CODES = {"28000", "28P01"}
_LOST_CODES = {"57P01", "57P02", "57P03", "08003", "08006"}


def translate(error: BaseException, target: DatabaseTarget) -> BaseException:
    """Return the owtt_async exception for a driver error, or ``error`` itself.

    OwttError instances and errors no driver raised come back unchanged; the caller
    re-raises whatever this returns ``from error``.
    """
    if isinstance(error, OwttError):
        return error
    if isinstance(error, asyncpg.PostgresError):
        return _from_postgres(error, target)
    if isinstance(error, asyncpg.InterfaceError):
        return _from_asyncpg_interface(error, target)
    if isinstance(error, sqlite3.Error):
        return _from_sqlite(error, target)
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
        return DatabaseTimeoutError(
            f"{_where(target)} did not answer in time; connecting is bounded by "
            "connect_timeout and each statement by command_timeout (owtt_async.Database options)"
        )
    if isinstance(error, OSError):
        return DatabaseUnavailableError(f"cannot reach {_where(target)}: {_os_reason(error)}")
    # aiosqlite raises these plain ValueErrors once its connection is closed.
    if isinstance(error, ValueError) and str(error) in _AIOSQLITE_CLOSED_MESSAGES:
        return ConnectionLostError(f"the connection to {_where(target)} is closed")
    return error


def translate_statement_error(
    error: Exception, target: DatabaseTarget, *, connection_closed: bool
) -> OwttError:
    """Return the owtt_async exception for an error raised while a statement ran.

    Unlike ``translate`` this never returns the driver's exception. A connection
    that is closed after the error was lost during the statement, whatever class the
    driver chose to report it with: asyncpg, for one, raises InternalClientError when
    a query meets the server's notice of termination on a pooled connection.
    """
    translated = translate(error, target)
    if connection_closed and not isinstance(translated, ConnectionLostError):
        return ConnectionLostError(
            f"the connection to {_where(target)} was lost: {_first_line(error)}",
            getattr(translated, "sqlstate", None),
        )
    if isinstance(translated, OwttError):
        return translated
    return DatabaseError(
        f"the {target.dialect} driver failed on {_where(target)}: "
        f"{type(error).__name__}: {_first_line(error)}"
    )


def _from_postgres(error: asyncpg.PostgresError, target: DatabaseTarget) -> BaseException:
    sqlstate: str = getattr(error, "sqlstate", "") or ""
    reason = _first_line(error)

    if sqlstate == "23505":
        return IntegrityError(
            f"duplicate value rejected by {_where(target)}: {reason}",
            kind="unique",
            constraint=getattr(error, "constraint_name", None),
            sqlstate=sqlstate,
        )
    if sqlstate == "23503":
        return IntegrityError(
            f"reference rejected by {_where(target)}: {reason}",
            kind="foreign_key",
            constraint=getattr(error, "constraint_name", None),
            sqlstate=sqlstate,
        )
    if sqlstate in ("42P01", "42703"):
        return SchemaError(f"{reason} in {target.display}; {_MIGRATE_HINT}", sqlstate)
    if sqlstate == "57014":
        return DatabaseTimeoutError(
            f"{_where(target)} cancelled the statement: {reason}", sqlstate
        )
    if sqlstate in ("40001", "40P01", "55P03"):
        return DatabaseTimeoutError(
            f"{_where(target)} aborted the transaction ({reason}); try the call again",
            sqlstate,
        )
    if sqlstate in _AUTHENTICATION_CODES:
        return DatabaseUnavailableError(
            f"{_where(target)} refused the login: {reason}; check the user and password "
            "in the database URL",
            sqlstate,
        )
    if sqlstate == "3D000":
        return DatabaseUnavailableError(
            f"{_where(target)}: {reason}; create it or fix the database name in the URL",
            sqlstate,
        )
    if sqlstate in _LOST_CODES or isinstance(error, asyncpg.PostgresConnectionError):
        return ConnectionLostError(
            f"the connection to {_where(target)} was lost: {reason}", sqlstate
        )
    if sqlstate[:2] in _UNAVAILABLE_CLASSES:
        return DatabaseUnavailableError(f"{_where(target)} is unavailable: {reason}", sqlstate)
    return DatabaseError(f"{_where(target)} failed: {reason} (SQLSTATE {sqlstate})", sqlstate)


def _from_asyncpg_interface(error: asyncpg.InterfaceError, target: DatabaseTarget) -> BaseException:
    reason = _first_line(error)
    if isinstance(error, asyncpg.exceptions.ConnectionDoesNotExistError) or "closed" in reason:
        return ConnectionLostError(f"the connection to {_where(target)} was lost: {reason}")
    return DatabaseError(f"the PostgreSQL driver failed on {_where(target)}: {reason}")


def _from_sqlite(error: sqlite3.Error, target: DatabaseTarget) -> BaseException:
    name: str = getattr(error, "sqlite_errorname", "") or ""
    reason = _first_line(error)

    if name.startswith("SQLITE_CONSTRAINT_UNIQUE") or name == "SQLITE_CONSTRAINT_PRIMARYKEY":
        return IntegrityError(
            f"duplicate value rejected by {_where(target)}: {reason}",
            kind="unique",
            constraint=None,
            sqlstate=name,
        )
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY":
        return IntegrityError(
            f"reference rejected by {_where(target)}: {reason}",
            kind="foreign_key",
            constraint=None,
            sqlstate=name,
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseTimeoutError(
            f"{_where(target)} stayed locked by another writer past the busy timeout; "
            "retry, or raise busy_timeout on owtt_async.Database",
            name,
        )
    if reason.startswith(("no such table", "no such column")):
        return SchemaError(f"{reason} in {target.display}; {_MIGRATE_HINT}", name or None)
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_AUTH")):
        return DatabaseUnavailableError(
            f"cannot open {_where(target)}: {reason}; check that its folder exists and "
            "that this process may read and write there",
            name,
        )
    if name.startswith("SQLITE_READONLY"):
        return DatabaseError(
            f"{_where(target)} is read-only: {reason}; check the file's permissions", name
        )
    if isinstance(error, sqlite3.ProgrammingError) and "closed" in reason:
        return ConnectionLostError(f"the connection to {_where(target)} is closed", name or None)
    return DatabaseError(f"{_where(target)} failed: {reason}", name or None)


def _where(target: DatabaseTarget) -> str:
    if target.dialect == "sqlite":
        return f"the SQLite database {target.sqlite_path}"
    host = target.host or "the local socket"
    port = f":{target.port}" if target.port else ""
    return f"the PostgreSQL server at {host}{port}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _os_reason(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused; is the server running and listening there?"
    return error.strerror or _first_line(error)
