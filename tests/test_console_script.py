"""The installed ``owtt-async`` script and ``python -m owtt_async``, run as a shell runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import owtt_async

SCRIPT = Path(sys.executable).parent / "owtt-async"


def run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_console_script_sets_up_allowance(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"{SCRIPT} is missing; install the package with pip install -e ."
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'webui.db'}"}

    init = run(str(SCRIPT), "init", env=env)
    create = run(
        str(SCRIPT), "sponsored", "create", "--sponsor-id", "it", "--name", "Shell",
        "-m", "gpt-4o-2024-08-06", "-t", "1000", env=env,
    )  # fmt: skip
    listed = run(str(SCRIPT), "sponsored", "list", "--json", env=env)
    duplicate = run(
        str(SCRIPT), "sponsored", "create", "--sponsor-id", "it", "--name", "Shell",
        "-m", "gpt-4o-2024-08-06", "-t", "1000", env=env,
    )  # fmt: skip

    assert init.returncode == 0, init.stderr
    assert create.returncode == 0, create.stderr
    assert listed.returncode == 0, listed.stderr
    assert [allowance["name"] for allowance in json.loads(listed.stdout)] == ["Shell"]
    assert duplicate.returncode == 1
    assert duplicate.stdout == ""
    assert duplicate.stderr == (
        "owtt-async: error: a sponsored allowance named 'Shell' already exists; "
        "choose another name\n"
    )


def test_python_dash_m_runs_the_same_cli() -> None:
    result = run(sys.executable, "-m", "owtt_async", "--version", env=dict(os.environ))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"owtt-async, version {owtt_async.__version__}"
