"""Many concurrent calls on a few names, and a model-based test, on both backends."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import owtt_async
import owtt_async.sponsored as sp
from owtt_async import SponsoredAllowances

from .consistency import OutcomeLog, check_outcomes, violations, violations_at
from .workload import MODELS, NAMES, random_call

COROUTINES = 500


async def test_concurrent_mix_stays_consistent(
    allowances: SponsoredAllowances, database: owtt_async.Database
) -> None:
    rng = random.Random(20261204)
    calls = [random_call(rng) for _ in range(COROUTINES)]
    log = OutcomeLog()

    async def run(operation: str, arguments: dict[str, Any], start_delay: float) -> None:
        # Staggered starts interleave the calls; started all at once, the reads and
        # deletes would all run before the first create took its connection.
        await asyncio.sleep(start_delay)
        try:
            result = await getattr(allowances, operation)(**arguments)
        except Exception as error:
            log.record(operation, None, error)
        else:
            log.record(operation, result, None)

    await asyncio.gather(
        *(run(operation, arguments, rng.random()) for operation, arguments in calls)
    )

    assert log.operations == COROUTINES
    assert await violations(database) == []
    check_outcomes(log, await allowances.list())


# Hypothesis drives the blocking API, so the rules stay plain functions; the state
# machine's model is a dict from name to the allowance's fields.
model_lists = st.lists(st.sampled_from(MODELS), min_size=1, max_size=len(MODELS), unique=True)
credits = st.integers(min_value=0, max_value=2**31 - 1)
names = st.sampled_from(NAMES)


def allowance_machine(url: str) -> type[RuleBasedStateMachine]:
    class AllowanceMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, dict[str, Any]] = {}

        @initialize()
        def empty_database(self) -> None:
            for allowance in sp.get_sponsored_allowances(url):
                sp.delete_sponsored_allowance(url, allowance_id=allowance["id"])

        @rule(
            name=names,
            sponsor=st.sampled_from(["s1", "s2"]),
            models=model_lists,
            total=credits,
            daily=st.none() | credits,
        )
        def create(
            self, name: str, sponsor: str, models: list[str], total: int, daily: int | None
        ) -> None:
            if name in self.model:
                with pytest.raises(owtt_async.DuplicateNameError):
                    sp.create_sponsored_allowance(url, sponsor, name, models, total, daily)
                return
            created = sp.create_sponsored_allowance(url, sponsor, name, models, total, daily)
            expected = {
                "name": name,
                "sponsor_id": sponsor,
                "base_models": sorted(models),
                "total_credit_limit": total,
                "daily_credit_limit": daily,
            }
            assert _fields(created) == expected
            self.model[name] = {**expected, "id": created["id"]}

        @rule(
            name=names,
            new_name=st.none() | names,
            models=st.none() | model_lists,
            total=st.none() | credits,
            daily=st.none() | st.just(owtt_async.NO_DAILY_LIMIT) | credits,
        )
        def update(
            self,
            name: str,
            new_name: str | None,
            models: list[str] | None,
            total: int | None,
            daily: Any,
        ) -> None:
            arguments = {
                "name": name,
                "new_name": new_name,
                "models": models,
                "total_credit_limit": total,
                "daily_credit_limit": daily,
            }
            if name not in self.model:
                with pytest.raises(owtt_async.AllowanceNotFoundError):
                    sp.update_sponsored_allowance(url, **arguments)
                return
            if new_name is not None and new_name != name and new_name in self.model:
                with pytest.raises(owtt_async.DuplicateNameError):
                    sp.update_sponsored_allowance(url, **arguments)
                return

            expected = dict(self.model.pop(name))
            if new_name is not None:
                expected["name"] = new_name
            if models is not None:
                expected["base_models"] = sorted(models)
            if total is not None:
                expected["total_credit_limit"] = total
            if daily is owtt_async.NO_DAILY_LIMIT:
                expected["daily_credit_limit"] = None
            elif daily is not None:
                expected["daily_credit_limit"] = daily
            self.model[expected["name"]] = expected

            updated = sp.update_sponsored_allowance(url, **arguments)
            assert {**_fields(updated), "id": updated["id"]} == expected

        @rule(name=names)
        def delete(self, name: str) -> None:
            if name not in self.model:
                with pytest.raises(owtt_async.AllowanceNotFoundError):
                    sp.delete_sponsored_allowance(url, name=name)
                return
            sp.delete_sponsored_allowance(url, name=name)
            del self.model[name]

        @rule(name=names)
        def get(self, name: str) -> None:
            if name not in self.model:
                with pytest.raises(KeyError):
                    sp.get_sponsored_allowance(url, name=name)
                return
            found = sp.get_sponsored_allowance(url, name=name)
            assert {**_fields(found), "id": found["id"]} == self.model[name]

        @invariant()
        def listing_matches_model(self) -> None:
            listed = {
                allowance["name"]: {**_fields(allowance), "id": allowance["id"]}
                for allowance in sp.get_sponsored_allowances(url)
            }
            assert listed == self.model

    return AllowanceMachine


def _fields(allowance: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "sponsor_id", "base_models", "total_credit_limit", "daily_credit_limit")
    return {key: allowance[key] for key in keys}


@pytest.mark.timeout(300)
def test_allowances_follow_model(database_url: str) -> None:
    run_state_machine_as_test(
        allowance_machine(database_url),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert violations_at(database_url) == []


async def test_crossed_renames_do_not_deadlock(
    allowances: SponsoredAllowances,
    database: owtt_async.Database,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await allowances.create(sponsor_id="s", name="A", models=["gpt-4o"], total_credit_limit=1)
    await allowances.create(sponsor_id="s", name="B", models=["gpt-4o"], total_credit_limit=1)
    before = await allowances.list()

    if backend == "postgresql":
        # Hold each rename after it locked its own allowance until the other did too,
        # so that both then wait for each other's row: a deadlock every time.
        from owtt_async import _allowances

        check_name_free = _allowances._check_name_free
        both_locked = asyncio.Barrier(2)
        first_attempts: list[str] = []

        async def check_after_both_locked(session: Any, name: str, allowance_id: Any) -> None:
            if len(first_attempts) < 2:
                first_attempts.append(name)
                await both_locked.wait()
            await check_name_free(session, name, allowance_id)

        monkeypatch.setattr(_allowances, "_check_name_free", check_after_both_locked)

    results = await asyncio.gather(
        allowances.update(name="A", new_name="B"),
        allowances.update(name="B", new_name="A"),
        return_exceptions=True,
    )

    assert [type(result) for result in results] == [owtt_async.DuplicateNameError] * 2
    assert await allowances.list() == before
