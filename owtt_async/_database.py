"""``owtt_async.Database``: a ``databases.Database`` configured for owtt_async.

It accepts every URL form Open WebUI users write, pools SQLite connections, bounds
the time spent connecting and disconnecting, and raises owtt_async's errors instead
of the drivers'. An application can run its own queries on it too: it is a
``databases.Database`` in every other respect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import databases

from ._errors import ConfigurationError
from ._sqlite_pool import DEFAULT_BUSY_TIMEOUT, DEFAULT_POOL_SIZE
from ._translate import translate
from ._urls import DatabaseTarget, parse_database_url

logger = logging.getLogger("owtt_async")

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_POSTGRESQL_POOL_SIZE = 10
DEFAULT_DISCONNECT_TIMEOUT = 10.0


class Database(databases.Database):
    """A connection pool for one database URL.

    ``url`` may be None to read the ``DATABASE_URL`` environment variable.
    ``max_size`` is the number of pooled connections (PostgreSQL default 10, SQLite
    default 4, and always 1 for ``sqlite:///:memory:``); PostgreSQL keeps at least
    ``min_size`` (default 1) open. Both may come from the URL's query instead.
    ``busy_timeout`` is how many seconds an SQLite writer waits for another writer's
    lock before the call fails.
    ``connect_timeout`` bounds each attempt to open a PostgreSQL connection, and
    ``command_timeout`` (None for no limit) each PostgreSQL statement, in seconds.
    ``server_settings`` are PostgreSQL run-time parameters set on every connection,
    such as ``{"application_name": "billing"}``. Invalid options raise
    ConfigurationError here, before anything connects.
    """

    # Not a ClassVar: mypy takes the unannotated base attribute for an instance one.
    SUPPORTED_BACKENDS = {  # noqa: RUF012
        **databases.Database.SUPPORTED_BACKENDS,
        "sqlite": "owtt_async._sqlite_pool:PooledSQLiteBackend",
    }

    # Statements and sessions check this to skip the per-call set-up that a plain
    # databases SQLite connection needs.
    pooled = True

    def __init__(
        self,
        url: str | None = None,
        *,
        max_size: int | None = None,
        min_size: int | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        connect_timeout: float | None = None,
        command_timeout: float | None = None,
        server_settings: Mapping[str, str] | None = None,
    ) -> None:
        target = parse_database_url(url)

        # Every value is checked whatever the backend, so a configuration shared by
        # SQLite and PostgreSQL deployments fails the same way on both; each backend
        # then takes the options that apply to it.
        busy_timeout = _seconds("busy_timeout", busy_timeout)
        connect_timeout = _optional_seconds("connect_timeout", connect_timeout)
        command_timeout = _optional_seconds("command_timeout", command_timeout)
        min_size = _pool_size("min_size", _first(min_size, target.min_size, 1), 0)
        max_size = _pool_size("max_size", _first(max_size, target.max_size), 1)

        options: dict[str, Any] = {}
        if target.dialect == "sqlite":
            options["busy_timeout"] = busy_timeout
            options["max_size"] = max_size or DEFAULT_POOL_SIZE
            if server_settings:
                raise ConfigurationError("server_settings apply to PostgreSQL only, not SQLite")
        else:
            maximum = max_size or DEFAULT_POSTGRESQL_POOL_SIZE
            if min_size > maximum:
                raise ConfigurationError(f"min_size {min_size} is larger than max_size {maximum}")
            options["min_size"] = min_size
            options["max_size"] = maximum
            options["timeout"] = (
                connect_timeout or target.connect_timeout or DEFAULT_CONNECT_TIMEOUT
            )
            if command_timeout is not None:
                options["command_timeout"] = command_timeout
            if server_settings:
                options["server_settings"] = dict(server_settings)

        super().__init__(target.url, **options)
        self.target: DatabaseTarget = target

    def __repr__(self) -> str:
        return f"owtt_async.Database({self.target.display!r})"

    async def connect(self) -> None:
        """Open the pool; raises DatabaseUnavailableError naming host and port on failure."""
        try:
            await super().connect()
        except Exception as error:
            translated = translate(error, self.target)
            if translated is error:
                raise
            raise translated from error
        logger.info("connected to %s", self.target.display)

    async def disconnect(self, timeout: float = DEFAULT_DISCONNECT_TIMEOUT) -> None:
        """Close the pool, waiting at most ``timeout`` seconds for connections in use.

        asyncpg's graceful close waits for every connection to come back; one held by
        a task that was cancelled mid-statement can keep it waiting for good. Past the
        timeout the pool is terminated instead.
        """
        if not self.is_connected:
            return
        try:
            await asyncio.wait_for(super().disconnect(), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            logger.warning(
                "closing %s took longer than %.1f s; terminating its connections",
                self.target.display,
                timeout,
            )
            self._terminate()
        logger.info("disconnected from %s", self.target.display)

    def _terminate(self) -> None:
        # Reaches into databases 0.9.0's PostgresBackend, whose only pool handle is
        # the private attribute _pool; the version is pinned in pyproject.toml.
        pool = getattr(self._backend, "_pool", None)
        terminate = getattr(pool, "terminate", None)
        if callable(terminate):
            terminate()
            self._backend._pool = None
        self.is_connected = False


def _seconds(option: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{option} must be a positive number of seconds, not {value!r}")
    return float(value)


def _optional_seconds(option: str, value: Any) -> float | None:
    return None if value is None else _seconds(option, value)


def _pool_size(option: str, value: Any, minimum: int) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(
            f"{option} must be a whole number of connections of at least {minimum}, not {value!r}"
        )
    return value


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)
