"""``SponsoredAllowances``: the async repository of sponsored allowances.

Each method takes one connection from the application's pool for the whole call,
and each write runs in one transaction, so an allowance and its base model rows
change together or not at all, also when the calling task is cancelled half-way.
Limits and uniqueness are left to the database (row locks, a unique index), never to
state in this process, so any number of processes can share one database.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Final, TypeVar

import databases

from ._errors import (
    AllowanceNotFoundError,
    DuplicateNameError,
    IntegrityError,
    InUseError,
    InvalidInputError,
    UnknownModelError,
)
from ._records import (
    Allowance,
    allowances_from_grouped_rows,
    allowances_from_rows,
    canonical_id,
    utc_datetime,
)
from ._schema import ensure_name_index
from ._session import (
    Row,
    Session,
    read_with_retry,
    target_of,
    write_with_retry,
)
from ._validation import (
    check_credits,
    check_models,
    check_optional_allowance_id,
    check_optional_credits,
    check_optional_text,
    check_text,
    require_identifier,
)

T = TypeVar("T")

# Text that SQLite converts to a number in a column of NUMERIC affinity, among
# strings of lowercase hex digits.
_NUMERIC_TEXT = re.compile(r"[0-9]+(e[0-9]+)?")


class _NoDailyLimit:
    def __repr__(self) -> str:
        return "owtt_async.NO_DAILY_LIMIT"


NO_DAILY_LIMIT: Final = _NoDailyLimit()
"""Pass as ``daily_credit_limit`` to ``update`` to remove an allowance's daily limit.

``None`` there means "leave unchanged", as in the original package's API.
"""


class SponsoredAllowances:
    """Create, read, update and delete sponsored allowances on a connected ``Database``.

    ``database`` is usually an ``owtt_async.Database`` that the application connects
    at startup; a plain ``databases.Database`` works as well. Calls made inside a
    transaction the task opened with ``database.transaction()`` join it.
    """

    def __init__(self, database: databases.Database) -> None:
        self._database = database
        self._target = target_of(database)

    async def create(
        self,
        *,
        sponsor_id: str,
        name: str,
        models: Iterable[str],
        total_credit_limit: int,
        daily_credit_limit: int | None = None,
    ) -> Allowance:
        """Create an allowance and return it.

        Raises DuplicateNameError when the name is taken, UnknownModelError when a
        model has no pricing row, and InvalidInputError for any other bad argument.
        """
        sponsor_id = check_text("sponsor_id", sponsor_id)
        name = check_text("name", name)
        model_ids = check_models(models)
        total_credit_limit = check_credits("total_credit_limit", total_credit_limit)
        daily_credit_limit = check_optional_credits("daily_credit_limit", daily_credit_limit)

        await ensure_name_index(self._database)
        allowance_id = new_allowance_id()

        async def write(session: Session) -> Row | None:
            await _check_models_exist(session, model_ids)
            try:
                row = await session.fetch_one(
                    "allowance/insert",
                    id=session.uuid_value(allowance_id),
                    name=name,
                    sponsor_id=sponsor_id,
                    total_credit_limit=total_credit_limit,
                    daily_credit_limit=daily_credit_limit,
                )
                await _insert_models(session, allowance_id, model_ids)
            except IntegrityError as error:
                raise _integrity_error(error, name) from error
            return row

        row = await self._write(write)
        assert row is not None  # INSERT ... RETURNING always returns the new row
        return {
            "id": str(allowance_id),
            "name": name,
            "sponsor_id": sponsor_id,
            "total_credit_limit": total_credit_limit,
            "daily_credit_limit": daily_credit_limit,
            "base_models": sorted(model_ids),
            "creation_date": utc_datetime(row["creation_date"]),
        }

    # ``id`` shadows the built-in because the original API names the parameter so.
    async def get(self, *, name: str | None = None, id: str | None = None) -> Allowance:
        """Return the allowance with this id or name (both: it must match both).

        Raises AllowanceNotFoundError, a KeyError, when there is none.
        """
        require_identifier("get", id, name)
        allowance_id = check_optional_allowance_id("id", id)
        name = check_optional_text("name", name)

        async def read(session: Session) -> Allowance:
            return _single(await _select(session, allowance_id, name), allowance_id, name)

        return await self._read(read)

    async def list(self, *, sponsor_id: str | None = None) -> list[Allowance]:
        """Return every allowance, or a sponsor's, ordered by name."""
        sponsor_id = check_optional_text("sponsor_id", sponsor_id)

        async def read(session: Session) -> list[Allowance]:
            if sponsor_id is None:
                rows = await session.fetch_all("allowance/list")
            else:
                rows = await session.fetch_all("allowance/list_by_sponsor", sponsor_id=sponsor_id)
            return allowances_from_grouped_rows(rows)

        return await self._read(read)

    async def update(
        self,
        *,
        allowance_id: str | None = None,
        name: str | None = None,
        new_name: str | None = None,
        sponsor_id: str | None = None,
        models: Iterable[str] | None = None,
        total_credit_limit: int | None = None,
        daily_credit_limit: int | _NoDailyLimit | None = None,
    ) -> Allowance:
        """Change the given fields of the allowance with this id or name; return it.

        Arguments left None stay unchanged; ``daily_credit_limit=NO_DAILY_LIMIT``
        removes the daily limit. Raises AllowanceNotFoundError (a ValueError) when
        there is no such allowance, and DuplicateNameError when ``new_name`` is taken.
        """
        require_identifier("update", allowance_id, name)
        key_id = check_optional_allowance_id("allowance_id", allowance_id)
        key_name = check_optional_text("name", name)
        new_name = check_optional_text("new_name", new_name)
        sponsor_id = check_optional_text("sponsor_id", sponsor_id)
        model_ids = None if models is None else check_models(models)
        total_credit_limit = check_optional_credits("total_credit_limit", total_credit_limit)
        clear_daily_limit = daily_credit_limit is NO_DAILY_LIMIT
        if not clear_daily_limit:
            daily_credit_limit = check_optional_credits("daily_credit_limit", daily_credit_limit)

        if new_name is not None:
            # Names shared before owtt_async arrived block the unique index.
            # Renaming is how an admin fixes them, so it must still work; the
            # check in the transaction below keeps the new name unused.
            with contextlib.suppress(DuplicateNameError):
                await ensure_name_index(self._database)

        async def write(session: Session) -> Allowance:
            target_id = await _lock(session, key_id, key_name)
            if new_name is not None:
                await _check_name_free(session, new_name, target_id)
            current = _single(await _select(session, target_id, None), target_id, None)

            if model_ids is not None:
                await _check_models_exist(session, model_ids)
                await session.execute(
                    "allowance/delete_base_models", allowance_id=session.uuid_value(target_id)
                )
                await _insert_models(session, target_id, model_ids)
                current["base_models"] = sorted(model_ids)

            if new_name is not None:
                current["name"] = new_name
            if sponsor_id is not None:
                current["sponsor_id"] = sponsor_id
            if total_credit_limit is not None:
                current["total_credit_limit"] = total_credit_limit
            if clear_daily_limit:
                current["daily_credit_limit"] = None
            elif daily_credit_limit is not None:
                current["daily_credit_limit"] = daily_credit_limit

            try:
                await session.execute(
                    "allowance/update",
                    id=session.uuid_value(target_id),
                    name=current["name"],
                    sponsor_id=current["sponsor_id"],
                    total_credit_limit=current["total_credit_limit"],
                    daily_credit_limit=current["daily_credit_limit"],
                )
            except IntegrityError as error:
                raise _integrity_error(error, current["name"]) from error

            return current

        return await self._write(write)

    async def delete(self, *, allowance_id: str | None = None, name: str | None = None) -> None:
        """Delete the allowance with this id or name, with its base model rows.

        Raises AllowanceNotFoundError (a ValueError) when there is none, and InUseError
        when usage was recorded against it: its history is kept and nothing is deleted.
        """
        require_identifier("delete", allowance_id, name)
        key_id = check_optional_allowance_id("allowance_id", allowance_id)
        key_name = check_optional_text("name", name)

        async def write(session: Session) -> None:
            target_id = await _lock(session, key_id, key_name)
            stored_id = session.uuid_value(target_id)

            row = await session.fetch_one("allowance/count_usage", allowance_id=stored_id)
            usage_rows = int(row["usage_rows"]) if row else 0
            if usage_rows:
                raise _in_use_error(key_name or str(target_id), usage_rows)

            try:
                await session.execute("allowance/delete_base_models", allowance_id=stored_id)
                await session.execute("allowance/delete", id=stored_id)
            except IntegrityError as error:
                # Usage recorded by another process after the count above.
                raise _in_use_error(key_name or str(target_id), None) from error

        await self._write(write)

    async def _write(self, write: Callable[[Session], Awaitable[T]]) -> T:
        return await write_with_retry(self._database, self._target, write)

    async def _read(self, read: Callable[[Session], Awaitable[T]]) -> T:
        return await read_with_retry(self._database, self._target, read)

async def _select(
    session: Session, allowance_id: uuid.UUID | None, name: str | None
) -> list[Allowance]:
    if allowance_id is not None:
        rows = await session.fetch_all(
            "allowance/select_by_id", id=session.uuid_value(allowance_id)
        )
        allowances = allowances_from_rows(rows)
        if name is not None:
            allowances = [allowance for allowance in allowances if allowance["name"] == name]
        return allowances
    rows = await session.fetch_all("allowance/select_by_name", name=name)
    return allowances_from_rows(rows)


def new_allowance_id() -> uuid.UUID:
    """Return a random id whose 32 hex digits SQLite keeps as text.

    The original schema declares the SQLite id column as UUID, which gives it NUMERIC
    affinity: hex digits that read as a number (only digits, or digits around one
    "e") would be stored as a lossy REAL. By the digits' frequencies, about one
    uuid4 in 700,000 reads so.
    """
    while True:
        value = uuid.uuid4()
        if not _NUMERIC_TEXT.fullmatch(value.hex):
            return value


def _single(
    allowances: list[Allowance], allowance_id: uuid.UUID | None, name: str | None
) -> Allowance:
    if not allowances:
        raise AllowanceNotFoundError(f"no sponsored allowance {_describe(allowance_id, name)}")
    if len(allowances) > 1:
        raise _shared_name_error(name, [allowance["id"] for allowance in allowances])
    return allowances[0]


async def _lock(session: Session, allowance_id: uuid.UUID | None, name: str | None) -> uuid.UUID:
    """Lock the allowance's row for this transaction and return its id."""
    if allowance_id is not None:
        rows: Sequence[Row] = await session.fetch_all(
            "allowance/lock_by_id", id=session.uuid_value(allowance_id)
        )
        if name is not None:
            rows = [row for row in rows if row["name"] == name]
    else:
        rows = await session.fetch_all("allowance/lock_by_name", name=name)

    if not rows:
        raise AllowanceNotFoundError(f"no sponsored allowance {_describe(allowance_id, name)}")
    if len(rows) > 1:
        raise _shared_name_error(name, [canonical_id(row["id"]) for row in rows])
    return uuid.UUID(canonical_id(rows[0]["id"]))


async def _check_name_free(session: Session, name: str, allowance_id: uuid.UUID) -> None:
    rows = await session.fetch_all("allowance/lock_by_name", name=name)
    if any(canonical_id(row["id"]) != str(allowance_id) for row in rows):
        raise DuplicateNameError(
            f"a sponsored allowance named {name!r} already exists; choose another name"
        )


async def _check_models_exist(session: Session, model_ids: list[str]) -> None:
    rows = await session.fetch_all(
        "allowance/find_unknown_models", model_ids=session.string_list_value(model_ids)
    )
    if rows:
        raise UnknownModelError([row["model_id"] for row in rows])


async def _insert_models(session: Session, allowance_id: uuid.UUID, model_ids: list[str]) -> None:
    await session.execute(
        "allowance/insert_base_models",
        allowance_id=session.uuid_value(allowance_id),
        model_ids=session.string_list_value(model_ids),
    )


def _shared_name_error(name: str | None, ids: list[str]) -> DuplicateNameError:
    # Only possible on a database where the original package stored shared names.
    return DuplicateNameError(
        f"{len(ids)} sponsored allowances are named {name!r} (ids {', '.join(ids)}); "
        "pass the id instead, and rename the others"
    )


def _integrity_error(error: IntegrityError, name: str) -> Exception:
    if error.kind == "unique":
        return DuplicateNameError(
            f"a sponsored allowance named {name!r} already exists; choose another name"
        )
    return InvalidInputError(
        "a base model's pricing row was deleted while this call ran; check the models "
        "with 'owtt-async pricing list' and try again"
    )


def _in_use_error(label: str, usage_rows: int | None) -> InUseError:
    counted = "usage was" if usage_rows is None else f"{usage_rows} usage row(s) were"
    return InUseError(
        f"sponsored allowance {label!r} cannot be deleted: {counted} recorded against it, "
        "and deleting it would orphan that history. Nothing was deleted; to stop further "
        "use, set its total_credit_limit to 0"
    )


def _describe(allowance_id: uuid.UUID | None, name: str | None) -> str:
    parts = []
    if allowance_id is not None:
        parts.append(f"with id {str(allowance_id)!r}")
    if name is not None:
        parts.append(f"named {name!r}")
    return " and ".join(parts)

