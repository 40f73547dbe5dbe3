"""Bad and awkward input for every public function, on both backends.

Each case either raises the expected error, with a message naming what was wrong,
and leaves every table unchanged, or stores the value verbatim and reads it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

import owtt_async
import owtt_async.model_pricing as mp
import owtt_async.sponsored as sp

from .conftest import table_snapshot
from .consistency import run_on

Call = Callable[[str], Any]
NO_SUCH_ID = "2f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
UNKNOWN_MODELS = [f"unknown-{index}" for index in range(1000)]
TOO_MANY_MODELS = [f"model-{index}" for index in range(5000)]
LONG = "x" * 10_000


def create(**overrides: Any) -> Call:
    arguments: dict[str, Any] = {
        "sponsor_id": "sponsor",
        "name": "fresh",
        "models": ["gpt-4o"],
        "total_credit_limit": 10,
        "daily_credit_limit": None,
    }
    arguments.update(overrides)
    return lambda url: sp.create_sponsored_allowance(url, **arguments)


def upsert(**overrides: Any) -> Call:
    arguments: dict[str, Any] = {
        "model_id": "new-model",
        "provider": "openai",
        "name": "New",
        "input_cost_credits": 1,
        "per_input_tokens": 1000,
        "output_cost_credits": 2,
        "per_output_tokens": 1000,
    }
    arguments.update(overrides)
    return lambda url: mp.upsert_model_pricing(url, **arguments)


def call(function: Callable[..., Any], **arguments: Any) -> Call:
    return lambda url: function(url, **arguments)


E = owtt_async
# (case id, call, expected error class, text the message must contain)
ERRORS: list[tuple[str, Call, type[Exception], str]] = [
    ("create name None", create(name=None), E.InvalidTypeError, "name must be a string"),
    ("create name int", create(name=123), E.InvalidTypeError, "not int"),
    ("create name bytes", create(name=b"team"), E.InvalidTypeError, "not bytes"),
    ("create name empty", create(name=""), E.InvalidInputError, "name must not be empty"),
    ("create name blank", create(name=" \t\n"), E.InvalidInputError, "whitespace"),
    ("create name 256", create(name="x" * 256), E.InvalidInputError, "256 characters"),
    ("create name 10000", create(name=LONG), E.InvalidInputError, "10000 characters"),
    ("create name NUL", create(name="a\x00b"), E.InvalidInputError, "NUL"),
    ("create name surrogate", create(name="a\ud800"), E.InvalidInputError, "surrogate"),
    ("create sponsor None", create(sponsor_id=None), E.InvalidTypeError, "sponsor_id"),
    ("create sponsor NUL", create(sponsor_id="s\x00"), E.InvalidInputError, "sponsor_id"),
    ("create models None", create(models=None), E.InvalidTypeError, "models must be a list"),
    ("create models str", create(models="gpt-4o"), E.InvalidTypeError, "models=['gpt-4o']"),
    ("create models dict", create(models={"gpt-4o": 1}), E.InvalidTypeError, "not dict"),
    ("create models empty", create(models=[]), E.InvalidInputError, "at least one"),
    (
        "create models repeated",
        create(models=["gpt-4o", "gpt-4o"]),
        E.InvalidInputError,
        "more than once",
    ),
    ("create models [None]", create(models=[None]), E.InvalidTypeError, "models[0]"),
    ("create models [int]", create(models=[1]), E.InvalidTypeError, "models[0]"),
    ("create models 5000", create(models=TOO_MANY_MODELS), E.InvalidInputError, "5000"),
    (
        "create models 1000 unknown",
        create(models=UNKNOWN_MODELS),
        E.UnknownModelError,
        "'unknown-999'",
    ),
    ("create model unknown", create(models=["gpt-4o", "nope"]), E.UnknownModelError, "'nope'"),
    (
        "create total None",
        create(total_credit_limit=None),
        E.InvalidTypeError,
        "total_credit_limit",
    ),
    ("create total negative", create(total_credit_limit=-1), E.InvalidInputError, "not -1"),
    ("create total 2**31", create(total_credit_limit=2**31), E.InvalidInputError, "2147483647"),
    ("create total float", create(total_credit_limit=1.5), E.InvalidTypeError, "float"),
    ("create total bool", create(total_credit_limit=True), E.InvalidTypeError, "bool"),
    ("create total str", create(total_credit_limit="10"), E.InvalidTypeError, "str"),
    (
        "create daily negative",
        create(daily_credit_limit=-5),
        E.InvalidInputError,
        "daily_credit_limit",
    ),
    (
        "create daily huge",
        create(daily_credit_limit=10**30),
        E.InvalidInputError,
        "daily_credit_limit",
    ),
    ("create name taken", create(name="existing"), E.DuplicateNameError, "'existing'"),
    ("get neither", call(sp.get_sponsored_allowance), E.InvalidInputError, "neither"),
    (
        "get id empty",
        call(sp.get_sponsored_allowance, id=""),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    (
        "get id word",
        call(sp.get_sponsored_allowance, id="not-a-uuid"),
        E.InvalidInputError,
        "'not-a-uuid'",
    ),
    ("get id int", call(sp.get_sponsored_allowance, id=123), E.InvalidTypeError, "not int"),
    (
        "get id list",
        call(sp.get_sponsored_allowance, id=[NO_SUCH_ID]),
        E.InvalidTypeError,
        "not list",
    ),
    (
        "get id 31 hex",
        call(sp.get_sponsored_allowance, id="a" * 31),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    (
        "get id 33 hex",
        call(sp.get_sponsored_allowance, id="a" * 33),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    (
        "get id not hex",
        call(sp.get_sponsored_allowance, id="g" * 32),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    ("get id 10000", call(sp.get_sponsored_allowance, id=LONG), E.InvalidInputError, "..."),
    (
        "get id NUL",
        call(sp.get_sponsored_allowance, id=NO_SUCH_ID[:-1] + "\x00"),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    (
        "get id SQL",
        call(sp.get_sponsored_allowance, id="' OR '1'='1"),
        E.InvalidInputError,
        "not a valid UUID",
    ),
    (
        "get id missing",
        call(sp.get_sponsored_allowance, id=NO_SUCH_ID),
        E.AllowanceNotFoundError,
        NO_SUCH_ID,
    ),
    (
        "get name SQL missing",
        call(sp.get_sponsored_allowance, name="x' OR 1=1; --"),
        E.AllowanceNotFoundError,
        "x' OR 1=1; --",
    ),
    (
        "list sponsor int",
        call(sp.get_sponsored_allowances, sponsor_id=5),
        E.InvalidTypeError,
        "sponsor_id",
    ),
    (
        "list sponsor 10000",
        call(sp.get_sponsored_allowances, sponsor_id=LONG),
        E.InvalidInputError,
        "sponsor_id",
    ),
    (
        "update neither",
        call(sp.update_sponsored_allowance, total_credit_limit=1),
        E.InvalidInputError,
        "neither",
    ),
    (
        "update new name empty",
        call(sp.update_sponsored_allowance, name="existing", new_name=""),
        E.InvalidInputError,
        "new_name",
    ),
    (
        "update new name taken",
        call(sp.update_sponsored_allowance, name="existing", new_name="other", models=["gpt-4o"]),
        E.DuplicateNameError,
        "'other'",
    ),
    (
        "update models empty",
        call(sp.update_sponsored_allowance, name="existing", models=[]),
        E.InvalidInputError,
        "at least one",
    ),
    (
        "update models unknown",
        call(sp.update_sponsored_allowance, name="existing", models=["nope"], total_credit_limit=1),
        E.UnknownModelError,
        "'nope'",
    ),
    (
        "update daily str",
        call(sp.update_sponsored_allowance, name="existing", daily_credit_limit="none"),
        E.InvalidTypeError,
        "daily_credit_limit",
    ),
    (
        "update id malformed",
        call(sp.update_sponsored_allowance, allowance_id="123", total_credit_limit=1),
        E.InvalidInputError,
        "allowance_id",
    ),
    (
        "update missing",
        call(sp.update_sponsored_allowance, name="nobody", total_credit_limit=1),
        E.AllowanceNotFoundError,
        "'nobody'",
    ),
    ("delete neither", call(sp.delete_sponsored_allowance), E.InvalidInputError, "neither"),
    (
        "delete id SQL",
        call(sp.delete_sponsored_allowance, allowance_id="1; DROP TABLE x"),
        E.InvalidInputError,
        "allowance_id",
    ),
    (
        "delete id int",
        call(sp.delete_sponsored_allowance, allowance_id=7),
        E.InvalidTypeError,
        "allowance_id",
    ),
    (
        "delete missing",
        call(sp.delete_sponsored_allowance, name="nobody"),
        E.AllowanceNotFoundError,
        "'nobody'",
    ),
    ("pricing upsert id None", upsert(model_id=None), E.InvalidTypeError, "model_id"),
    ("pricing upsert per 0", upsert(per_input_tokens=0), E.InvalidInputError, "per_input_tokens"),
    (
        "pricing upsert cost negative",
        upsert(input_cost_credits=-1),
        E.InvalidInputError,
        "input_cost_credits",
    ),
    ("pricing upsert provider 10000", upsert(provider=LONG), E.InvalidInputError, "provider"),
    ("pricing upsert name NUL", upsert(name="a\x00"), E.InvalidInputError, "NUL"),
    ("pricing get None", call(mp.get_model_pricing), E.InvalidTypeError, "model_id"),
    (
        "pricing get missing",
        call(mp.get_model_pricing, model_id="nope"),
        E.ModelPricingNotFoundError,
        "'nope'",
    ),
    (
        "pricing delete in use",
        call(mp.delete_model_pricing, model_id="gpt-4o"),
        E.InUseError,
        "'existing'",
    ),
    (
        "pricing delete missing",
        call(mp.delete_model_pricing, model_id="nope"),
        E.ModelPricingNotFoundError,
        "'nope'",
    ),
    (
        "pricing list provider int",
        call(mp.list_model_pricing, provider=5),
        E.InvalidTypeError,
        "provider",
    ),
]

URL_ERRORS: list[tuple[str, Any, type[Exception], str]] = [
    ("url int", 5, E.InvalidTypeError, "database_url must be a string"),
    ("url empty", "", E.ConfigurationError, "unsupported database URL"),
    ("url mysql", "mysql://user:pw-secret@127.0.0.1/db", E.ConfigurationError, "user:***@"),
    (
        "url sqlite host",
        "sqlite://user:pw-secret@127.0.0.1/x.db",
        E.ConfigurationError,
        "a host is not allowed",
    ),
    (
        "url password option",
        "postgresql://user@127.0.0.1/db?password=pw-secret",
        E.ConfigurationError,
        "password=***",
    ),
    ("url libpq string", "host=127.0.0.1 password=pw-secret", E.ConfigurationError, "password=***"),
    (
        "url bad port",
        "postgresql://user:pw-secret@127.0.0.1:99999/db",
        E.ConfigurationError,
        "Port out of range",
    ),
]

STORED_NAMES = [
    "O'Brien's \"team\"",
    "x; DROP TABLE token_tracking_sponsored_allowance; --",
    "/* comment */ -- comment",
    ":name :id ::text $1 %s %(name)s ? {name}",
    "Zürich 東京 🚀 \u202eRTL e\u0301",
    "é" * 255,
    "  padded  ",
    "\\ backslash \\' \\x00",
]
METACHARACTER_MODEL = "model'); DELETE FROM token_tracking_model_pricing; --"


def snapshot_at(url: str) -> dict[str, Any]:
    return run_on(url, table_snapshot)


@pytest.fixture
def seeded_url(database_url: str) -> str:
    sp.create_sponsored_allowance(database_url, "sponsor", "existing", ["gpt-4o"], 10, None)
    sp.create_sponsored_allowance(database_url, "sponsor", "other", ["gpt-4o-mini"], 10, None)
    return database_url


def test_bad_input_raises_and_changes_nothing(seeded_url: str) -> None:
    failures: list[str] = []
    for case, run, expected, text in ERRORS:
        before = snapshot_at(seeded_url)
        try:
            run(seeded_url)
        except Exception as error:
            if not isinstance(error, expected):
                failures.append(
                    f"{case}: {type(error).__name__} ({error}), not {expected.__name__}"
                )
            elif text not in str(error):
                failures.append(f"{case}: message {str(error)[:200]!r} lacks {text!r}")
        else:
            failures.append(f"{case}: no error")
        if snapshot_at(seeded_url) != before:
            failures.append(f"{case}: the database changed")

    assert len(ERRORS) >= 40
    assert failures == []


@pytest.mark.parametrize(
    ("url", "expected", "text"),
    [pytest.param(url, expected, text, id=case) for case, url, expected, text in URL_ERRORS],
)
def test_bad_url_is_clear_and_masked(url: Any, expected: type[Exception], text: str) -> None:
    for function in (sp.get_sponsored_allowances, owtt_async.migrate_database, owtt_async.Database):
        with pytest.raises(expected) as raised:
            function(url)
        assert text in str(raised.value)
        assert "pw-secret" not in str(raised.value)


def test_awkward_text_stored_verbatim(seeded_url: str) -> None:
    mp.upsert_model_pricing(seeded_url, METACHARACTER_MODEL, "p'; --", ":name", 1, 1, 1, 1)
    assert mp.get_model_pricing(seeded_url, METACHARACTER_MODEL)["provider"] == "p'; --"

    for index, name in enumerate(STORED_NAMES):
        sponsor = f"{name} sponsor"[:255]
        created = sp.create_sponsored_allowance(
            seeded_url, sponsor, name, [METACHARACTER_MODEL, "gpt-4o"], index, None
        )
        assert created["name"] == name
        assert sp.get_sponsored_allowance(seeded_url, name=name) == created
        assert sp.get_sponsored_allowance(seeded_url, id=created["id"]) == created
        assert sp.get_sponsored_allowances(seeded_url, sponsor_id=sponsor) == [created]

    renamed = sp.update_sponsored_allowance(
        seeded_url, name=STORED_NAMES[0], new_name=STORED_NAMES[0] + " -- renamed ;"
    )
    assert sp.get_sponsored_allowance(seeded_url, name=renamed["name"]) == renamed
    assert len(mp.list_model_pricing(seeded_url)) == 5


def test_id_forms_accepted(seeded_url: str) -> None:
    existing = sp.get_sponsored_allowance(seeded_url, name="existing")
    value = uuid.UUID(existing["id"])

    for form in (
        value.hex,
        value.hex.upper(),
        f"{{{value}}}",
        f"urn:uuid:{value}",
        f"  {value}  ",
        value,
    ):
        assert sp.get_sponsored_allowance(seeded_url, id=form) == existing


async def test_thousand_models_stored(database: owtt_async.Database) -> None:
    model_ids = [f"bulk-{index:04d}" for index in range(1000)]
    pricing = owtt_async.ModelPricing(database)
    async with database.transaction():
        for model_id in model_ids:
            await pricing.upsert(
                model_id=model_id,
                provider="bulk",
                name=model_id,
                input_cost_credits=1,
                per_input_tokens=1,
                output_cost_credits=1,
                per_output_tokens=1,
            )
    allowances = owtt_async.SponsoredAllowances(database)

    created = await allowances.create(
        sponsor_id="s",
        name="bulk",
        models=(model for model in reversed(model_ids)),
        total_credit_limit=1,
    )
    updated = await allowances.update(name="bulk", models=model_ids[:500])

    assert created["base_models"] == model_ids
    assert (await allowances.get(name="bulk"))["base_models"] == model_ids[:500]
    assert updated["base_models"] == model_ids[:500]
