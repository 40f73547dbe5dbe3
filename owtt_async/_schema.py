"""Create the token tracking tables and owtt_async's indexes where they are missing.

Tables get the original package's exact definitions, so that it keeps working on a
database owtt_async set up. Existing tables and rows are never altered: owtt_async
only adds indexes, tables of its own, and a trigger that counts usage as it is
logged (``owtt_async._usage_schema``). The unique index on allowance names cannot be
built while two allowances share a name, which the original allowed; the names to
rename are then reported.
"""

from __future__ import annotations

import logging
import weakref

import databases

from ._errors import DuplicateNameError
from ._session import Session, open_session, target_of
from ._usage_schema import migrate_usage

logger = logging.getLogger("owtt_async")

TABLE_STATEMENTS = (
    "schema/create_model_pricing",
    "schema/create_sponsored_allowance",
    "schema/create_base_models",
    "schema/create_usage_log",
)
INDEX_STATEMENTS = (
    "schema/create_allowance_sponsor_index",
    "schema/create_base_models_allowance_index",
    "schema/create_usage_log_allowance_index",
)
NAME_INDEX = "ix_owtt_sponsored_allowance_name"

# Any fixed 64-bit number works as long as nothing else in the database uses it
# for pg_advisory_xact_lock; this one reads "owtt" in ASCII.
_MIGRATION_LOCK_KEY = 0x6F777474

# Databases whose unique name index is known to exist, so that create and rename
# check for it once per pool rather than on every call.
_name_index_ready: weakref.WeakKeyDictionary[databases.Database, bool] = (
    weakref.WeakKeyDictionary()
)


async def migrate(database: databases.Database) -> list[str]:
    """Create the missing tables and indexes in one transaction; safe to run again.

    Returns the allowance names that several allowances share, because those keep
    the unique name index from being built. The list is empty when the index is in
    place. Shared names are logged as a warning rather than raised, so that an
    application can still start. Only creating allowances waits until they are renamed.
    """
    target = target_of(database)
    async with open_session(database, target) as session:
        shared = await _create(session, TABLE_STATEMENTS + INDEX_STATEMENTS, with_usage=True)

    if shared:
        logger.warning("%s", _shared_names_message(shared))
        return [name for name, _ in shared]
    _name_index_ready[database] = True
    return []


async def ensure_name_index(database: databases.Database) -> None:
    """Make sure the unique name index exists before a create or a rename.

    A database the original package set up lacks it. Only indexes are created here.
    When the tables themselves are missing, the statement fails with SchemaError,
    whose message asks the caller to run the migration.
    """
    if _name_index_ready.get(database):
        return

    target = target_of(database)
    async with open_session(database, target) as session:
        row = await session.fetch_one("schema/name_index_exists", index_name=NAME_INDEX)
        if not (row and row["present"]):
            shared = await _create(session, INDEX_STATEMENTS)
            if shared:
                raise DuplicateNameError(_shared_names_message(shared))
    _name_index_ready[database] = True


async def _create(
    session: Session, statements: tuple[str, ...], *, with_usage: bool = False
) -> list[tuple[str, int]]:
    """Run the CREATE statements, then the unique name index, in one transaction.

    ``with_usage`` adds the usage counters and their trigger after the statements.
    Returns the shared names and their counts when the name index could not be built.
    """
    async with session.transaction():
        if session.dialect == "postgresql":
            await session.execute("schema/lock", key=_MIGRATION_LOCK_KEY)
        for name in statements:
            await session.execute(name)
        if with_usage:
            await migrate_usage(session)

        rows = await session.fetch_all("schema/find_duplicate_names")
        shared = [(row["name"], row["allowances"]) for row in rows]
        if not shared:
            await session.execute("schema/create_allowance_name_index")
    return shared


def _shared_names_message(shared: list[tuple[str, int]]) -> str:
    listed = ", ".join(f"{name!r} ({count} allowances)" for name, count in shared)
    return (
        "allowance names must be unique before allowances can be created, but these "
        f"names are shared: {listed}. Give each a distinct name with "
        "update_sponsored_allowance(allowance_id=..., new_name=...), then run the "
        "migration again"
    )
