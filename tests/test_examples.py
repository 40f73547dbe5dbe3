"""The README's quickstart keeps working, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_runs(empty_url: str, tmp_path: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": empty_url}

    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0].startswith("created   'Research Lab': 100000 credits in total")
    assert "no daily limit, models claude-3-5-sonnet, gpt-4o" in lines[3]
    assert lines[-1] == "deleted   0 allowances left"


def test_quickstart_default_is_sqlite_file(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}

    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "quickstart.db").is_file()
