"""The FastAPI example in examples/fastapi_app.py, driven through its lifespan.

Requests go to the application in-process, through httpx's ASGI transport.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from .conftest import MODEL_IDS

EXAMPLE = Path(__file__).parent.parent / "examples" / "fastapi_app.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_app_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # pydantic resolves the models' annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = load_example().create_app(database_url)
    transport = httpx.ASGITransport(app=app)

    # The lifespan connects the database on entry and disconnects it on exit, as an
    # ASGI server would run it.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://example.test") as http_client,
    ):
        assert app.state.database.is_connected
        yield http_client
    assert not app.state.database.is_connected


def body(name: str = "Team A", **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "sponsor_id": "sponsor-1",
        "name": name,
        "models": [MODEL_IDS[0], MODEL_IDS[1]],
        "total_credit_limit": 1000,
        "daily_credit_limit": 50,
    }
    values.update(overrides)
    return values


async def test_create_then_get_and_list(client: httpx.AsyncClient) -> None:
    created = await client.post("/allowances", json=body())
    assert created.status_code == 201, created.text
    allowance = created.json()

    fetched = await client.get(f"/allowances/{allowance['id']}")
    listed = await client.get("/allowances")

    assert allowance["name"] == "Team A"
    assert allowance["base_models"] == sorted(MODEL_IDS[:2])
    assert fetched.status_code == 200
    assert fetched.json() == allowance
    assert listed.json() == [allowance]


async def test_list_filters_by_sponsor(client: httpx.AsyncClient) -> None:
    await client.post("/allowances", json=body("Team A"))
    await client.post("/allowances", json=body("Team B", sponsor_id="sponsor-2"))

    listed = await client.get("/allowances", params={"sponsor_id": "sponsor-2"})

    assert [allowance["name"] for allowance in listed.json()] == ["Team B"]


async def test_unknown_allowance_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/allowances/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "no sponsored allowance with id" in response.json()["detail"]


async def test_duplicate_name_is_409(client: httpx.AsyncClient) -> None:
    await client.post("/allowances", json=body())

    response = await client.post("/allowances", json=body())

    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert len((await client.get("/allowances")).json()) == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"models": ["no-such-model"]}, "unknown base model id", id="unknown-model"),
        pytest.param({"total_credit_limit": -1}, "total_credit_limit must be", id="negative"),
        pytest.param({"models": []}, "at least one base model", id="no-models"),
    ],
)
async def test_invalid_input_is_422(
    client: httpx.AsyncClient, overrides: dict[str, object], expected: str
) -> None:
    response = await client.post("/allowances", json=body(**overrides))

    assert response.status_code == 422
    assert expected in response.json()["detail"]
    assert (await client.get("/allowances")).json() == []


async def test_invalid_id_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/allowances/not-a-uuid")

    assert response.status_code == 422
    assert "is not a valid UUID" in response.json()["detail"]
