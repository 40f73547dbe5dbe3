"""Loading the statement files: conversion per dialect, and clear errors naming the file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from owtt_async import SqlFileError
from owtt_async._sql import DIALECTS, get_query, load_queries, queries, sql_directory

PACKAGE = Path(__file__).resolve().parent.parent / "owtt_async"


def write(directory: Path, relative: str, text: str) -> Path:
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_parameters_converted_per_dialect(tmp_path: Path) -> None:
    write(tmp_path, "a/select.sql", "SELECT x FROM t WHERE a = :first AND b = :second OR c = :first")

    loaded = load_queries(tmp_path)

    postgresql = loaded["postgresql"]["a/select"]
    sqlite = loaded["sqlite"]["a/select"]
    assert postgresql.text == "SELECT x FROM t WHERE a = $1 AND b = $2 OR c = $1"
    assert postgresql.parameters == ("first", "second")
    assert sqlite.text == "SELECT x FROM t WHERE a = :first AND b = :second OR c = :first"
    assert sqlite.parameters == ("first", "second")


def test_quotes_comments_and_casts_untouched(tmp_path: Path) -> None:
    source = (
        "-- a comment with :not_a_parameter\n"
        "SELECT ':literal', \"col:umn\", x::text, /* :hidden */ :real\n"
        "FROM t WHERE y = 'it''s :here';\n"
    )
    write(tmp_path, "q.sql", source)

    query = load_queries(tmp_path)["postgresql"]["q"]

    assert query.parameters == ("real",)
    assert "':literal'" in query.text
    assert "x::text" in query.text
    assert "$1" in query.text
    assert "'it''s :here'" in query.text
    assert not query.text.endswith(";")


def test_dialect_variant_replaces_common_file(tmp_path: Path) -> None:
    write(tmp_path, "q.sql", "SELECT 1")
    write(tmp_path, "q.sqlite.sql", "SELECT 2")

    loaded = load_queries(tmp_path)

    assert loaded["postgresql"]["q"].text == "SELECT 1"
    assert loaded["sqlite"]["q"].text == "SELECT 2"


def test_dialect_only_statement_missing_elsewhere(tmp_path: Path) -> None:
    write(tmp_path, "lock.postgresql.sql", "SELECT pg_advisory_xact_lock(:key)")

    loaded = load_queries(tmp_path)

    assert "lock" in loaded["postgresql"]
    assert "lock" not in loaded["sqlite"]


@pytest.mark.parametrize(
    ("relative", "text", "message"),
    [
        ("empty.sql", "  \n-- only a comment\n", "contains no statement"),
        ("two.sql", "SELECT 1; SELECT 2", "more than one statement"),
        ("quote.sql", "SELECT 'open", "quote is never closed"),
        ("identifier.sql", 'SELECT "open', "quote is never closed"),
        ("comment.sql", "SELECT 1 /* open", "comment is never closed"),
        ("bad.mysql.sql", "SELECT 1", "unknown dialect 'mysql'"),
    ],
)
def test_malformed_file_named_in_error(
    tmp_path: Path, relative: str, text: str, message: str
) -> None:
    path = write(tmp_path, relative, text)

    with pytest.raises(SqlFileError, match=message) as raised:
        load_queries(tmp_path)

    assert str(path) in str(raised.value)


def test_undecodable_file_named_in_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.sql"
    path.write_bytes(b"SELECT '\xff'")

    with pytest.raises(SqlFileError, match="cannot be read") as raised:
        load_queries(tmp_path)

    assert str(path) in str(raised.value)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SqlFileError, match="no .sql files"):
        load_queries(tmp_path)


def test_unknown_statement_names_expected_files() -> None:
    with pytest.raises(SqlFileError, match="sql/nothing/here.sql or sql/nothing/here.sqlite.sql"):
        get_query("sqlite", "nothing/here")


def test_shipped_statements_all_load() -> None:
    for dialect in DIALECTS:
        assert queries(dialect), dialect
    assert sql_directory().name == "sql"


def statement_names_used_by_package() -> set[str]:
    """Every string literal shaped like a statement name ('dir/name') in the package."""
    names: set[str] = set()
    known_folders = {path.name for path in sql_directory().iterdir() if path.is_dir()}
    for source in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                folder, slash, rest = node.value.partition("/")
                if slash and folder in known_folders and rest and " " not in rest:
                    names.add(node.value)
    return names


def test_every_statement_the_package_names_exists() -> None:
    used = statement_names_used_by_package()
    loaded = set(queries("postgresql")) | set(queries("sqlite"))

    assert len(used) > 20
    assert sorted(used - loaded) == []


def test_single_dialect_statements_are_deliberate() -> None:
    # A statement that exists for one dialect only must be named so on disk
    # (NAME.<dialect>.sql with no NAME.sql), never by a forgotten common file.
    postgresql, sqlite = set(queries("postgresql")), set(queries("sqlite"))

    for name in postgresql ^ sqlite:
        dialect = "postgresql" if name in postgresql else "sqlite"
        assert (sql_directory() / f"{name}.{dialect}.sql").is_file(), name
        assert not (sql_directory() / f"{name}.sql").exists(), name
