"""The owtt-async command line, run in-process with click's CliRunner on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from owtt_async._pricing_json import DEFAULT_PRICING_FILE
from owtt_async.cli import cli

PASSWORD = "Sekrit-pw-4711"
DEFAULT_MODELS = [
    model["id"]
    for model in json.loads(DEFAULT_PRICING_FILE.read_text(encoding="utf-8"))["models"]
]


def make_runner() -> CliRunner:
    # click 8.1 mixes stderr into stdout unless mix_stderr=False; click 8.2 always keeps
    # them apart and removed the argument.
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return make_runner().invoke(cli, list(args), env=env or {"DATABASE_URL": ""})


def succeed(url: str, *args: str) -> Result:
    result = run(*args, "--database-url", url)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result


def fail(url: str, *args: str, status: int = 1) -> str:
    """Run a command that must fail; return its one stderr line."""
    result = run(*args, "--database-url", url)
    assert result.exit_code == status, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("owtt-async: error: ")
    return lines[0]


def create_two(url: str) -> None:
    succeed(
        url, "sponsored", "create", "--sponsor-id", "it-dept", "--name", "AI Department",
        "-m", DEFAULT_MODELS[0], "-m", DEFAULT_MODELS[1], "-t", "100000", "-d", "2000",
    )  # fmt: skip
    succeed(
        url, "sponsored", "create", "--sponsor-id", "library", "--name", "Reading Room",
        "--model", DEFAULT_MODELS[2], "--total-limit", "5000",
    )  # fmt: skip


@pytest.fixture
def url(empty_url: str) -> str:
    """An empty database set up with ``owtt-async init`` and the default pricing."""
    succeed(empty_url, "init")
    return empty_url


def test_init_loads_default_pricing(empty_url: str) -> None:
    result = succeed(empty_url, "init", "--json")

    document = json.loads(result.stdout)
    assert document["written"] == DEFAULT_MODELS
    assert document["kept"] == []
    listed = json.loads(succeed(empty_url, "pricing", "list", "--json").stdout)
    assert sorted(row["id"] for row in listed) == sorted(DEFAULT_MODELS)


def test_init_twice_keeps_one_row_each(url: str) -> None:
    second = json.loads(succeed(url, "init", "--json").stdout)

    listed = json.loads(succeed(url, "pricing", "list", "--json").stdout)
    assert len(listed) == len(DEFAULT_MODELS)
    assert second["written"] == []
    assert second["kept"] == DEFAULT_MODELS


def test_init_keeps_prices_already_set(original_url: str) -> None:
    before = json.loads(succeed(original_url, "pricing", "list", "--json").stdout)
    allowances_before = succeed(original_url, "sponsored", "list", "--json").stdout

    result = succeed(original_url, "init")

    after = {row["id"]: row for row in json.loads(
        succeed(original_url, "pricing", "list", "--json").stdout
    )}  # fmt: skip
    for row in before:
        assert after[row["id"]] == row
    shared = [model for model in DEFAULT_MODELS if model in {row["id"] for row in before}]
    assert shared, "the original database should price some of the shipped models"
    assert set(after) == {row["id"] for row in before} | set(DEFAULT_MODELS)
    assert f"Kept the existing pricing of {len(shared)} models" in result.stdout
    assert succeed(original_url, "sponsored", "list", "--json").stdout == allowances_before


def test_init_model_json_replaces_prices(url: str, tmp_path: Path) -> None:
    shipped = json.loads(succeed(url, "pricing", "get", "--id", DEFAULT_MODELS[0], "--json").stdout)
    changed = {**shipped, "input_cost_credits": shipped["input_cost_credits"] + 1}
    path = tmp_path / "pricing.json"
    path.write_text(json.dumps([changed]), encoding="utf-8")

    document = json.loads(succeed(url, "init", "--model-json", str(path), "--json").stdout)

    stored = json.loads(succeed(url, "pricing", "get", "--id", DEFAULT_MODELS[0], "--json").stdout)
    assert document["written"] == [DEFAULT_MODELS[0]]
    assert stored == changed


def test_init_with_model_json(empty_url: str, tmp_path: Path) -> None:
    pricing = [
        {
            "provider": "example",
            "id": "example-1",
            "name": "Example One",
            "input_cost_credits": 10,
            "per_input_tokens": 1000,
            "output_cost_credits": 20,
            "per_output_tokens": 1000,
        }
    ]
    path = tmp_path / "pricing.json"
    path.write_text(json.dumps(pricing), encoding="utf-8")

    succeed(empty_url, "init", "--model-json", str(path))

    listed = json.loads(succeed(empty_url, "pricing", "list", "--json").stdout)
    assert listed == pricing


def test_invalid_model_json_writes_nothing(empty_url: str, tmp_path: Path) -> None:
    path = tmp_path / "pricing.json"
    path.write_text('[{"id": "x"}]', encoding="utf-8")

    line = fail(empty_url, "init", "--model-json", str(path))

    assert "models[0] (id 'x') is missing the field(s) 'provider'" in line
    assert "db migrate" in fail(empty_url, "pricing", "list")


def test_list_as_table(url: str) -> None:
    create_two(url)

    lines = succeed(url, "sponsored", "list").stdout.splitlines()

    assert len(lines) == 3
    assert lines[0].split()[:3] == ["ID", "NAME", "SPONSOR"]
    name_column = lines[0].index("NAME")
    sponsor_column = lines[0].index("SPONSOR")
    assert lines[1][name_column:sponsor_column].strip() == "AI Department"
    assert lines[2][name_column:sponsor_column].strip() == "Reading Room"
    assert f"{DEFAULT_MODELS[0]}, {DEFAULT_MODELS[1]}" in lines[1] or (
        f"{DEFAULT_MODELS[1]}, {DEFAULT_MODELS[0]}" in lines[1]
    )


def test_list_as_json(url: str) -> None:
    create_two(url)

    listed = json.loads(succeed(url, "sponsored", "list", "--json").stdout)

    assert [allowance["name"] for allowance in listed] == ["AI Department", "Reading Room"]
    assert listed[0]["daily_credit_limit"] == 2000
    assert listed[1]["daily_credit_limit"] is None
    assert listed[0]["base_models"] == sorted(DEFAULT_MODELS[:2])
    assert listed[1]["creation_date"].endswith("+00:00")


def test_list_filters_by_sponsor(url: str) -> None:
    create_two(url)

    listed = json.loads(
        succeed(url, "sponsored", "list", "--sponsor-id", "library", "--json").stdout
    )

    assert [allowance["name"] for allowance in listed] == ["Reading Room"]


def test_list_empty_says_so(url: str) -> None:
    assert succeed(url, "sponsored", "list").stdout == "No sponsored allowances found.\n"
    assert json.loads(succeed(url, "sponsored", "list", "--json").stdout) == []


def test_get_by_name_and_id(url: str) -> None:
    create_two(url)
    shown_json = succeed(url, "sponsored", "get", "--name", "Reading Room", "--json").stdout
    by_name = json.loads(shown_json)

    by_id = json.loads(succeed(url, "sponsored", "get", "--id", by_name["id"], "--json").stdout)
    shown = succeed(url, "sponsored", "get", "--id", by_name["id"]).stdout

    assert by_id == by_name
    assert "NAME           Reading Room\n" in shown
    assert "DAILY LIMIT    -\n" in shown


def test_update_and_remove_daily_limit(url: str) -> None:
    create_two(url)

    updated = json.loads(
        succeed(
            url, "sponsored", "update", "--name", "AI Department", "--new-name", "AI Dept",
            "-t", "200000", "-m", DEFAULT_MODELS[3], "--json",
        ).stdout
    )  # fmt: skip
    cleared = json.loads(
        succeed(
            url, "sponsored", "update", "--name", "AI Dept", "--no-daily-limit", "--json"
        ).stdout
    )

    assert updated["name"] == "AI Dept"
    assert updated["total_credit_limit"] == 200000
    assert updated["daily_credit_limit"] == 2000
    assert updated["base_models"] == [DEFAULT_MODELS[3]]
    assert cleared["daily_credit_limit"] is None
    stored = json.loads(succeed(url, "sponsored", "get", "--name", "AI Dept", "--json").stdout)
    assert stored == cleared


def test_delete_then_get_fails(url: str) -> None:
    create_two(url)

    result = succeed(url, "sponsored", "delete", "--name", "Reading Room", "--json")

    assert json.loads(result.stdout)["deleted"]["name"] == "Reading Room"
    assert "no sponsored allowance named 'Reading Room'" in fail(
        url, "sponsored", "get", "--name", "Reading Room"
    )


def test_pricing_set_get_delete(url: str) -> None:
    succeed(
        url, "pricing", "set", "--id", "custom-1", "--provider", "example", "--name", "Custom",
        "--input-cost-credits", "7", "--output-cost-credits", "9", "--per-output-tokens", "1000",
    )  # fmt: skip

    row = json.loads(succeed(url, "pricing", "get", "--id", "custom-1", "--json").stdout)
    table = succeed(url, "pricing", "list", "--provider", "example").stdout.splitlines()
    succeed(url, "pricing", "delete", "--id", "custom-1")

    assert row == {
        "id": "custom-1",
        "provider": "example",
        "name": "Custom",
        "input_cost_credits": 7,
        "per_input_tokens": 1_000_000,
        "output_cost_credits": 9,
        "per_output_tokens": 1000,
    }
    assert len(table) == 2
    assert table[1].startswith("custom-1  example   Custom")
    assert "no pricing for model id 'custom-1'" in fail(url, "pricing", "get", "--id", "custom-1")


def test_pricing_load_file(url: str, tmp_path: Path) -> None:
    document = {"as_of": "2025-07-01", "models": json.loads(
        succeed(url, "pricing", "list", "--json").stdout
    )[:2]}  # fmt: skip
    document["models"][0]["output_cost_credits"] = 1
    path = tmp_path / "pricing.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    loaded = json.loads(succeed(url, "pricing", "load", str(path), "--json").stdout)

    assert loaded == document["models"]
    stored = json.loads(succeed(url, "pricing", "list", "--json").stdout)
    assert len(stored) == len(DEFAULT_MODELS)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["sponsored", "create", "--sponsor-id", "x", "--name", "AI Department",
             "-m", DEFAULT_MODELS[0], "-t", "5"],
            "a sponsored allowance named 'AI Department' already exists",
            id="duplicate-name",
        ),
        pytest.param(
            ["sponsored", "create", "--sponsor-id", "x", "--name", "New", "-m", "no-such-model",
             "-t", "5"],
            "unknown base model id(s): 'no-such-model'",
            id="unknown-model",
        ),
        pytest.param(
            ["sponsored", "update", "--name", "Nobody", "-t", "5"],
            "no sponsored allowance named 'Nobody'",
            id="update-missing",
        ),
        pytest.param(
            ["sponsored", "get", "--id", "not-a-uuid"],
            "id 'not-a-uuid' is not a valid UUID",
            id="invalid-id",
        ),
        pytest.param(
            ["sponsored", "create", "--sponsor-id", "x", "--name", " ", "-m", DEFAULT_MODELS[0],
             "-t", "5"],
            "name must not be empty",
            id="blank-name",
        ),
        pytest.param(
            ["pricing", "delete", "--id", DEFAULT_MODELS[0]],
            "remove it from them first",
            id="pricing-in-use",
        ),
    ],
)  # fmt: skip
def test_error_exits_1_and_writes_nothing(url: str, args: list[str], expected: str) -> None:
    create_two(url)
    before = succeed(url, "sponsored", "list", "--json").stdout
    pricing_before = succeed(url, "pricing", "list", "--json").stdout

    line = fail(url, *args)

    assert expected in line
    assert succeed(url, "sponsored", "list", "--json").stdout == before
    assert succeed(url, "pricing", "list", "--json").stdout == pricing_before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["sponsored", "create", "--name", "A", "-m", "x", "-t", "5"],
                     "Missing option '--sponsor-id'", id="missing-option"),
        pytest.param(["sponsored", "create", "--sponsor-id", "s", "--name", "A", "-m", "x",
                      "-t", "many"], "'many' is not a valid integer", id="not-integer"),
        pytest.param(["sponsored", "create", "--sponsor-id", "s", "--name", "A", "-m", "x",
                      "-t", "-1"], "-1 is not in the range", id="negative-limit"),
        pytest.param(["sponsored", "get"], "give the allowance's --id or --name", id="no-key"),
        pytest.param(["sponsored", "update", "--name", "A", "-d", "1", "--no-daily-limit"],
                     "not both", id="both-daily-flags"),
        pytest.param(["sponsored", "lst"], "No such command 'lst'", id="unknown-command"),
        pytest.param(["pricing", "load", "absent.json"], "does not exist", id="missing-file"),
    ],
)  # fmt: skip
def test_usage_error_exits_2(url: str, args: list[str], expected: str) -> None:
    line = fail(url, *args, status=2)

    assert expected in line
    assert "--help'" in line


def test_missing_url_is_clear() -> None:
    result = run("sponsored", "list")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no database URL given; pass --database-url or set DATABASE_URL" in result.stderr


def test_database_url_from_environment(url: str) -> None:
    create_two(url)

    result = run("sponsored", "list", "--json", env={"DATABASE_URL": url})

    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2


def with_password(url: str) -> str:
    if url.startswith("sqlite"):
        # SQLite URLs carry no credentials: an SQLite user who pastes a server URL
        # with a password into the wrong place must not see it echoed either.
        return f"sqlite://admin:{PASSWORD}@127.0.0.1/webui.db"
    scheme, _, rest = url.partition("://")
    user, _, location = rest.partition("@")
    return f"{scheme}://{user}:{PASSWORD}@{location}"


def test_password_never_echoed(url: str, backend: str) -> None:
    secret_url = with_password(url)
    outputs: list[str] = []

    for args in (
        ["sponsored", "list", "-v"],
        ["sponsored", "get", "--name", "Nobody", "-v"],
        ["init", "--json", "-v"],
        ["db", "migrate"],
    ):
        result = run(*args, "--database-url", secret_url)
        outputs.append(result.stdout + result.stderr)
        if backend == "sqlite":
            assert result.exit_code == 1
            assert "admin:***@" in result.stderr

    unreachable = run("sponsored", "list", "--database-url",
                      f"postgresql://admin:{PASSWORD}@127.0.0.1:1/webui")  # fmt: skip
    outputs.append(unreachable.stdout + unreachable.stderr)
    query_option = run("sponsored", "list", "--database-url",
                       f"postgresql://admin@127.0.0.1:1/webui?password={PASSWORD}")  # fmt: skip
    outputs.append(query_option.stdout + query_option.stderr)

    stray = run("sponsored", "list", f"postgresql://admin:{PASSWORD}@127.0.0.1/webui")
    outputs.append(stray.stdout + stray.stderr)

    assert unreachable.exit_code == 1
    assert stray.exit_code == 2
    assert "Got unexpected extra argument (postgresql://admin:***@127.0.0.1/webui)" in (
        stray.stderr
    )
    for output in outputs:
        assert PASSWORD not in output
    if backend == "postgresql":
        assert "connected to postgresql://" in outputs[0]
        assert ":***@" in outputs[0]


def test_verbose_logs_statements_not_values(url: str) -> None:
    secret_sponsor = "sponsor-value-1234"
    result = run(
        "sponsored", "create", "--sponsor-id", secret_sponsor, "--name", "Logged",
        "-m", DEFAULT_MODELS[0], "-t", "77", "-v", "--database-url", url,
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert "owtt-async: DEBUG: running allowance/insert on " in result.stderr
    assert secret_sponsor not in result.stderr
    assert "Logged" not in result.stderr
    assert secret_sponsor in result.stdout


def walk_commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub_command in command.commands.items():
            yield from walk_commands(sub_command, (*path, name))


COMMAND_PATHS = [path for path, _ in walk_commands(cli)]


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(path) or "owtt-async")
def test_help_on_every_command(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "Example" in result.stdout
    command = dict(walk_commands(cli))[path]
    if not isinstance(command, click.Group):
        assert "--database-url URL" in result.stdout
        assert "--json" in result.stdout
        assert "-v, --verbose" in result.stdout


def test_every_leaf_command_is_covered() -> None:
    leaves = {
        " ".join(path)
        for path, command in walk_commands(cli)
        if not isinstance(command, click.Group)
    }

    assert leaves == {
        "init", "db migrate",
        "sponsored create", "sponsored get", "sponsored list", "sponsored update",
        "sponsored delete",
        "pricing list", "pricing get", "pricing set", "pricing delete", "pricing load",
    }  # fmt: skip


def test_version_option() -> None:
    result = run("--version")

    assert result.exit_code == 0
    assert result.stdout.startswith("owtt-async, version ")
