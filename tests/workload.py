"""A random mix of create, update, delete and get calls on a few allowance names.

Few names make calls collide: creates race for a name, renames take a name another
call is about to create or delete, deletes remove what an update is changing. The
load, process and caller tests run this mix. Run as a module, it is one worker
process of the process test and prints its ``OutcomeLog`` as JSON::

    python -m tests.workload DATABASE_URL SEED CALLS
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import owtt_async
import owtt_async.sponsored as sp

from .consistency import OutcomeLog

NAMES = [f"load {index}" for index in range(5)]
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "mistral-small"]


def random_call(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Return an operation name and its keyword arguments, valid for both APIs."""
    operation = rng.choice(["create", "create", "update", "update", "delete", "get"])
    name = rng.choice(NAMES)

    if operation == "create":
        return operation, {
            "sponsor_id": f"sponsor {rng.randrange(3)}",
            "name": name,
            "models": rng.sample(MODELS, rng.randint(1, len(MODELS))),
            "total_credit_limit": rng.randrange(1_000_000),
            "daily_credit_limit": rng.choice([None, rng.randrange(1000)]),
        }
    if operation == "update":
        changes: dict[str, Any] = {"name": name}
        if rng.random() < 0.3:
            changes["new_name"] = rng.choice(NAMES)
        if rng.random() < 0.5:
            changes["models"] = rng.sample(MODELS, rng.randint(1, len(MODELS)))
        if rng.random() < 0.5:
            changes["total_credit_limit"] = rng.randrange(1_000_000)
        if rng.random() < 0.3:
            changes["daily_credit_limit"] = rng.choice([owtt_async.NO_DAILY_LIMIT, 5])
        return operation, changes
    return operation, {"name": name}


BLOCKING_FUNCTIONS = {
    "create": sp.create_sponsored_allowance,
    "update": sp.update_sponsored_allowance,
    "delete": sp.delete_sponsored_allowance,
    "get": sp.get_sponsored_allowance,
}


def run_blocking(url: str, seed: int, calls: int) -> OutcomeLog:
    """Make ``calls`` random blocking calls on ``url`` and log their outcomes."""
    rng = random.Random(seed)
    log = OutcomeLog()
    for _ in range(calls):
        operation, arguments = random_call(rng)
        try:
            result = BLOCKING_FUNCTIONS[operation](url, **arguments)
        except Exception as error:
            log.record(operation, None, error)
        else:
            log.record(operation, result, None)
    return log


if __name__ == "__main__":
    database_url, seed_text, calls_text = sys.argv[1:4]
    outcome = run_blocking(database_url, int(seed_text), int(calls_text))
    print(json.dumps(outcome.as_dict()))
