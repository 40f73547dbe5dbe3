"""Database URLs as Open WebUI users write them."""

from __future__ import annotations

import pytest

import owtt_async
from owtt_async._urls import parse_database_url


@pytest.mark.parametrize(
    ("url", "normalised", "path"),
    [
        ("sqlite:///relative.db", "sqlite:///relative.db", "relative.db"),
        ("sqlite:///data/webui.db", "sqlite:///data/webui.db", "data/webui.db"),
        ("sqlite:////absolute/webui.db", "sqlite:////absolute/webui.db", "/absolute/webui.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db", "x.db"),
        ("sqlite+pysqlite:///x.db", "sqlite:///x.db", "x.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:", ":memory:"),
        ("sqlite://", "sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_forms(url: str, normalised: str, path: str) -> None:
    target = parse_database_url(url)

    assert target.dialect == "sqlite"
    assert target.url == normalised
    assert target.sqlite_path == path


@pytest.mark.parametrize(
    "scheme",
    [
        "postgresql",
        "postgres",
        "postgresql+asyncpg",
        "postgresql+psycopg2",
        "postgresql+psycopg",
        "postgres+psycopg2",
        "POSTGRESQL",
    ],
)
def test_postgresql_forms(scheme: str) -> None:
    target = parse_database_url(f"{scheme}://owner:pa%40ss@127.0.0.1:5433/webui")

    assert target.dialect == "postgresql"
    assert target.url == "postgresql://owner:pa%40ss@127.0.0.1:5433/webui"
    assert target.host == "127.0.0.1"
    assert target.port == 5433
    assert "pa%40ss" not in target.display
    assert target.display == "postgresql://owner:***@127.0.0.1:5433/webui"


def test_sslmode_becomes_ssl() -> None:
    target = parse_database_url("postgresql://u@127.0.0.1/db?sslmode=require&max_size=4")

    assert target.url == "postgresql://u@127.0.0.1/db?ssl=require"
    assert target.max_size == 4


def test_connect_timeout_read() -> None:
    target = parse_database_url("postgresql://u@127.0.0.1/db?connect_timeout=3")

    assert target.connect_timeout == 3.0
    assert "connect_timeout" not in target.url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root:hunter2@127.0.0.1/db", "unsupported database URL"),
        ("postgresql+aiopg://u:hunter2@127.0.0.1/db", "unsupported database URL"),
        ("webui.db", "unsupported database URL"),
        ("", "unsupported database URL"),
        ("sqlite://host/x.db", "a host is not allowed"),
        ("sqlite:///x.db?mode=ro", "query options are not supported"),
        ("postgresql://u:hunter2@127.0.0.1:notaport/db", "invalid database URL"),
        ("postgresql://u:hunter2@127.0.0.1/db?application_name=x", "unsupported option"),
        ("postgresql://u:hunter2@127.0.0.1/db?max_size=many", "invalid max_size"),
        ("postgresql://u:hunter2@127.0.0.1/db?max_size=0", "invalid max_size"),
        ("postgresql://u:hunter2@127.0.0.1/db?sslmode=sometimes", "invalid ssl mode"),
        ("postgresql://u:hunter2@127.0.0.1/db?connect_timeout=-5", "invalid connect_timeout"),
        ("postgresql://u:hunter2@127.0.0.1/db?connect_timeout=soon", "invalid connect_timeout"),
    ],
)
def test_bad_urls_rejected_without_password(url: str, message: str) -> None:
    with pytest.raises(owtt_async.ConfigurationError, match=message) as raised:
        parse_database_url(url)

    assert "hunter2" not in str(raised.value)


def test_unsupported_url_lists_supported_forms() -> None:
    with pytest.raises(owtt_async.ConfigurationError) as raised:
        parse_database_url("oracle://x")

    assert "sqlite:///" in str(raised.value)
    assert "postgresql://" in str(raised.value)


def test_none_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")

    assert parse_database_url(None).sqlite_path == "from-env.db"


def test_none_without_environment_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(owtt_async.ConfigurationError, match="DATABASE_URL"):
        parse_database_url(None)


def test_non_string_url_is_type_error() -> None:
    with pytest.raises(TypeError, match="database_url must be a string"):
        parse_database_url(42)  # type: ignore[arg-type]


def test_database_repr_masks_password() -> None:
    database = owtt_async.Database("postgresql://u:hunter2@127.0.0.1/db")

    assert "hunter2" not in repr(database)
    assert repr(database) == "owtt_async.Database('postgresql://u:***@127.0.0.1/db')"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_size": 0}, "max_size must be a whole number of connections of at least 1"),
        ({"max_size": "4"}, "max_size must be a whole number"),
        ({"min_size": -1}, "min_size must be a whole number"),
        ({"min_size": 5, "max_size": 2}, "min_size 5 is larger than max_size 2"),
        ({"busy_timeout": -1}, "busy_timeout must be a positive number of seconds"),
        ({"connect_timeout": 0}, "connect_timeout must be a positive number"),
        ({"command_timeout": "x"}, "command_timeout must be a positive number"),
    ],
)
def test_bad_database_options_rejected(options: dict, message: str) -> None:
    with pytest.raises(owtt_async.ConfigurationError, match=message):
        owtt_async.Database("postgresql://u:hunter2@127.0.0.1/db", **options)


def test_server_settings_only_for_postgresql() -> None:
    with pytest.raises(owtt_async.ConfigurationError, match="PostgreSQL only"):
        owtt_async.Database("sqlite:///x.db", server_settings={"application_name": "x"})
