"""A small FastAPI backend serving sponsored allowances through owtt_async's async API.

The application opens one ``owtt_async.Database`` pool at startup and closes it at
shutdown (FastAPI's lifespan), and every request borrows a connection from it. Run
it with any ASGI server, for example::

    pip install owtt-async fastapi uvicorn
    DATABASE_URL=sqlite:///webui.db uvicorn examples.fastapi_app:app

owtt_async's errors become HTTP statuses: 404 for an unknown allowance, 409 for a
name already taken, 422 for invalid input (unknown models included), and 503 when
the database cannot be reached or stays locked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import owtt_async

ERROR_STATUSES: dict[type[owtt_async.OwttError], int] = {
    owtt_async.AllowanceNotFoundError: HTTPStatus.NOT_FOUND,
    owtt_async.DuplicateNameError: HTTPStatus.CONFLICT,
    owtt_async.InvalidInputError: HTTPStatus.UNPROCESSABLE_ENTITY,
    owtt_async.DatabaseUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
    owtt_async.DatabaseTimeoutError: HTTPStatus.SERVICE_UNAVAILABLE,
}


class AllowanceIn(BaseModel):
    """The request body that creates an allowance."""

    sponsor_id: str
    name: str
    models: list[str]
    total_credit_limit: int
    daily_credit_limit: int | None = None


class Allowance(BaseModel):
    """A sponsored allowance as the API returns it."""

    id: str
    name: str | None
    sponsor_id: str | None
    total_credit_limit: int
    daily_credit_limit: int | None
    base_models: list[str]
    creation_date: datetime


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the application; ``database_url=None`` reads ``DATABASE_URL`` at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = owtt_async.Database(database_url)
        await database.connect()
        app.state.database = database
        app.state.allowances = owtt_async.SponsoredAllowances(database)
        try:
            yield
        finally:
            await database.disconnect()

    app = FastAPI(title="Sponsored allowances", lifespan=lifespan)
    for error_class, status_code in ERROR_STATUSES.items():
        app.add_exception_handler(error_class, _error_response(status_code))

    @app.get("/allowances")
    async def list_allowances(request: Request, sponsor_id: str | None = None) -> list[Allowance]:
        allowances = await _repository(request).list(sponsor_id=sponsor_id)
        return [Allowance(**allowance) for allowance in allowances]

    @app.get("/allowances/{allowance_id}")
    async def get_allowance(request: Request, allowance_id: str) -> Allowance:
        return Allowance(**await _repository(request).get(id=allowance_id))

    @app.post("/allowances", status_code=HTTPStatus.CREATED)
    async def create_allowance(request: Request, body: AllowanceIn) -> Allowance:
        created = await _repository(request).create(**body.model_dump())
        return Allowance(**created)

    return app


def _repository(request: Request) -> owtt_async.SponsoredAllowances:
    allowances: owtt_async.SponsoredAllowances = request.app.state.allowances
    return allowances


def _error_response(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def respond(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status_code)

    return respond


app = create_app()
