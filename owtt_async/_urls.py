"""Database URLs as Open WebUI users write them, checked and normalised.

Open WebUI and the original package take SQLAlchemy URLs, so the driver-qualified
forms (``postgresql+psycopg2://``, ``sqlite+aiosqlite://``) are common in real
configurations. All of them map to the two async drivers owtt_async runs on: asyncpg
and aiosqlite. A password never leaves this module except inside the URL handed to
the driver: every message uses ``DatabaseTarget.display``, which masks it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from ._errors import ConfigurationError, InvalidTypeError

ENVIRONMENT_VARIABLE = "DATABASE_URL"

Dialect = Literal["postgresql", "sqlite"]

_SQLITE_DRIVERS = {"", "aiosqlite", "pysqlite"}
_POSTGRESQL_DRIVERS = {"", "asyncpg", "psycopg2", "psycopg", "psycopg2cffi", "pg8000"}
_POSTGRESQL_SCHEMES = {"postgresql", "postgres"}

# Query options that reach asyncpg. psycopg spells TLS as sslmode and the connect
# timeout as connect_timeout; both are translated so that a URL copied from an
# Open WebUI configuration keeps its meaning instead of silently losing TLS.
_POSTGRESQL_OPTIONS = {"ssl", "sslmode", "min_size", "max_size", "connect_timeout"}

# asyncpg's ssl modes (libpq's sslmode values), plus the booleans databases accepts.
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full", "true", "false"}

# "password=secret" in libpq's key/value connection strings, which some users pass
# where a URL belongs.
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|[^\s&]+)", re.IGNORECASE)

SUPPORTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory:, "
    "postgresql://user:password@host:port/database (also postgres://, and the "
    "+asyncpg, +psycopg2, +psycopg, +pg8000, +aiosqlite, +pysqlite driver forms)"
)


@dataclass(frozen=True)
class DatabaseTarget:
    """A checked database URL.

    ``url`` is what ``databases`` connects to (it contains the password);
    ``display`` is the same URL with the password masked, for messages and logs.
    """

    dialect: Dialect
    url: str
    display: str
    host: str | None = None
    port: int | None = None
    sqlite_path: str | None = None
    connect_timeout: float | None = None
    min_size: int | None = None
    max_size: int | None = None

    @property
    def is_memory(self) -> bool:
        return self.dialect == "sqlite" and self.sqlite_path == ":memory:"


def resolve_database_url(database_url: str | None) -> str:
    """Return ``database_url``, or the ``DATABASE_URL`` environment variable if it is None."""
    if database_url is None:
        database_url = os.environ.get(ENVIRONMENT_VARIABLE)
        if not database_url:
            raise ConfigurationError(
                "no database URL given: pass database_url or set the "
                f"{ENVIRONMENT_VARIABLE} environment variable (for example "
                f"{ENVIRONMENT_VARIABLE}=sqlite:///data/webui.db)"
            )
    if not isinstance(database_url, str):
        raise InvalidTypeError(
            f"database_url must be a string, not {type(database_url).__name__}"
        )
    return database_url


def parse_database_url(database_url: str | None) -> DatabaseTarget:
    """Check a database URL and normalise it for ``databases``.

    None means the ``DATABASE_URL`` environment variable. Raises ConfigurationError,
    with the password masked, for anything owtt_async cannot connect to.
    """
    raw = resolve_database_url(database_url).strip()

    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as error:
        raise ConfigurationError(
            f"invalid database URL {_mask(raw)}: {error}; expected one of: {SUPPORTED_FORMS}"
        ) from None

    scheme = parts.scheme.lower()
    dialect, _, driver = scheme.partition("+")

    if dialect == "sqlite" and driver in _SQLITE_DRIVERS:
        return _sqlite_target(raw, parts.netloc, parts.path, parts.query)
    if dialect in _POSTGRESQL_SCHEMES and driver in _POSTGRESQL_DRIVERS:
        return _postgresql_target(raw, parts.netloc, parts.path, parts.query, parts.hostname, port)

    raise ConfigurationError(
        f"unsupported database URL {_mask(raw)}: owtt_async supports {SUPPORTED_FORMS}"
    )


def _sqlite_target(raw: str, netloc: str, path: str, query: str) -> DatabaseTarget:
    if "://" not in raw:
        # "sqlite:/x.db" would otherwise be read as a relative file, silently.
        raise ConfigurationError(
            f"invalid SQLite URL {_mask(raw)}: write sqlite:///relative.db "
            "or sqlite:////absolute/path.db, with three or four slashes"
        )
    if netloc:
        raise ConfigurationError(
            f"invalid SQLite URL {_mask(raw)}: a host is not allowed; write sqlite:///relative.db "
            "or sqlite:////absolute/path.db"
        )
    if query:
        raise ConfigurationError(
            f"invalid SQLite URL {_mask(raw)}: query options are not supported; pass the busy "
            "timeout and pool size to owtt_async.Database instead"
        )

    # "sqlite:///x.db" has the path "/x.db" for the relative file x.db;
    # "sqlite:////x.db" has "//x.db" for the absolute /x.db.
    sqlite_path = path[1:] if path.startswith("/") else path
    if sqlite_path in ("", ":memory:"):
        sqlite_path = ":memory:"

    return DatabaseTarget(
        dialect="sqlite",
        url=f"sqlite:///{sqlite_path}",
        display=f"sqlite:///{sqlite_path}",
        sqlite_path=sqlite_path,
    )


def _postgresql_target(
    raw: str,
    netloc: str,
    path: str,
    query: str,
    host: str | None,
    port: int | None,
) -> DatabaseTarget:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - _POSTGRESQL_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"unsupported option(s) {', '.join(unknown)} in database URL {_mask(raw)}; "
            f"supported: {', '.join(sorted(_POSTGRESQL_OPTIONS))}"
        )

    if "sslmode" in options:
        options["ssl"] = options.pop("sslmode")

    connect_timeout = None
    if "connect_timeout" in options:
        text = options.pop("connect_timeout")
        try:
            connect_timeout = float(text)
        except ValueError:
            connect_timeout = 0.0
        if not connect_timeout > 0:
            raise ConfigurationError(
                f"invalid connect_timeout {text!r} in database URL {_mask(raw)}: "
                "expected a positive number of seconds"
            )

    for name, minimum in (("min_size", 0), ("max_size", 1)):
        if name in options and not (options[name].isdigit() and int(options[name]) >= minimum):
            raise ConfigurationError(
                f"invalid {name} {options[name]!r} in database URL {_mask(raw)}: "
                f"expected a whole number of at least {minimum}"
            )
    # Pool sizes travel to owtt_async.Database, which merges them with its arguments.
    min_size = int(options.pop("min_size")) if "min_size" in options else None
    max_size = int(options.pop("max_size")) if "max_size" in options else None

    ssl = options.get("ssl")
    if ssl is not None and ssl.lower() not in _SSL_MODES:
        raise ConfigurationError(
            f"invalid ssl mode {ssl!r} in database URL {_mask(raw)}: "
            f"expected one of {', '.join(sorted(_SSL_MODES))}"
        )

    database_path = path or "/"
    url = f"postgresql://{netloc}{database_path}"
    if options:
        url += "?" + urlencode(options)

    return DatabaseTarget(
        dialect="postgresql",
        url=url,
        display=_mask(url),
        host=host,
        port=port,
        connect_timeout=connect_timeout,
        min_size=min_size,
        max_size=max_size,
    )


def _mask(url: str) -> str:
    """Return ``url`` with every secret it may hold replaced by ``***``.

    Works on text that is not a valid URL too, because it also serves the messages
    that reject such text. Masked are the password of ``user:password@``, the value
    of every query option other than the supported ones (``?password=`` is one that
    asyncpg would read), and ``password=`` in a libpq key/value string.
    """
    location, question_mark, query = url.partition("?")

    scheme, separator, rest = location.partition("://")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if separator and at and ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        location = f"{scheme}://{user}:***@{host}{slash}{path}"

    if question_mark:
        options = [option.partition("=") for option in query.split("&")]
        query = "&".join(
            f"{key}{equals}{value if key in _POSTGRESQL_OPTIONS else '***'}"
            for key, equals, value in options
        )
    return _KEYWORD_PASSWORD.sub(r"\1***", location + question_mark + query)

