"""The blocking API called from threads, from an event loop, after fork and at exit."""

from __future__ import annotations

import concurrent.futures
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import owtt_async.sponsored as sp

from .consistency import OutcomeLog, check_outcomes, violations_at
from .workload import run_blocking

THREADS = 8
CALLS_PER_THREAD = 40
ROOT = Path(__file__).resolve().parent.parent


def test_eight_threads_at_once(database_url: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        logs = list(
            pool.map(
                lambda seed: run_blocking(database_url, seed, CALLS_PER_THREAD), range(THREADS)
            )
        )

    log = OutcomeLog()
    for thread_log in logs:
        log.merge(thread_log)
    assert log.operations == THREADS * CALLS_PER_THREAD
    assert violations_at(database_url) == []
    check_outcomes(log, sp.get_sponsored_allowances(database_url))


async def test_called_inside_running_loop(database_url: str) -> None:
    # A sync helper called from async code blocks this loop for the call. The call
    # itself runs on the library's own loop, so it cannot deadlock on this one.
    created = sp.create_sponsored_allowance(database_url, "s", "from a loop", ["gpt-4o"], 1, None)

    assert sp.get_sponsored_allowance(database_url, name="from a loop") == created
    assert sp.get_sponsored_allowances(database_url) == [created]


# asyncio's debug mode, which -X dev turns on, reports every loop step that took
# over 0.1 s. That happens on a busy machine, and such a report is not a warning.
SLOW_STEP = re.compile(r"^Executing <.*> took \d+\.\d+ seconds$")


def run_script(source: str, *arguments: str) -> tuple[int, str, str]:
    """Run ``source`` in a fresh interpreter that turns every warning into an error.

    Return the exit status, the output, and stderr without slow-step reports.
    """
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", textwrap.dedent(source), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    errors = [line for line in result.stderr.splitlines() if not SLOW_STEP.match(line)]
    return result.returncode, result.stdout, "\n".join(errors)


FORK_SCRIPT = """
    import os
    import sys
    import warnings

    import owtt_async.sponsored as sp

    # Python 3.12 warns about fork() in any process with threads, the library's loop
    # thread included. This script checks that the child works and exits cleanly.
    warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)

    url = sys.argv[1]
    sp.create_sponsored_allowance(url, "s", "parent before", ["gpt-4o"], 1, None)

    pid = os.fork()
    if pid == 0:
        sp.create_sponsored_allowance(url, "s", "child", ["gpt-4o"], 1, None)
        sp.get_sponsored_allowance(url, name="parent before")
        sys.exit(0)

    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    # The parent's pooled connections must have survived the child's exit.
    sp.update_sponsored_allowance(url, name="parent before", total_credit_limit=2)
    sp.create_sponsored_allowance(url, "s", "parent after", ["gpt-4o"], 1, None)
    print(",".join(allowance["name"] for allowance in sp.get_sponsored_allowances(url)))
"""


def test_fork_child_and_parent_both_work(database_url: str) -> None:
    status, output, errors = run_script(FORK_SCRIPT, database_url)

    assert status == 0, errors
    assert errors == ""
    assert output.strip() == "child,parent after,parent before"
    assert sp.get_sponsored_allowance(database_url, name="parent before")["total_credit_limit"] == 2
    assert violations_at(database_url) == []


def test_fork_in_test_process(database_url: str) -> None:
    import os

    sp.create_sponsored_allowance(database_url, "s", "before fork", ["gpt-4o"], 1, None)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            sp.create_sponsored_allowance(database_url, "s", "in child", ["gpt-4o"], 1, None)
            code = 0
        finally:
            os._exit(code)

    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    sp.update_sponsored_allowance(database_url, name="before fork", total_credit_limit=3)
    names = [allowance["name"] for allowance in sp.get_sponsored_allowances(database_url)]
    assert names == ["before fork", "in child"]


EXIT_SCRIPT = """
    import sys

    import owtt_async.sponsored as sp

    print(len(sp.get_sponsored_allowances(sys.argv[1])))
"""


def test_one_call_script_exits_cleanly(database_url: str) -> None:
    sp.create_sponsored_allowance(database_url, "s", "one", ["gpt-4o"], 1, None)

    # The subprocess timeout bounds the run: a hang at exit fails the test there.
    status, output, errors = run_script(EXIT_SCRIPT, database_url)

    assert status == 0, errors
    assert errors == ""
    assert output == "1\n"
