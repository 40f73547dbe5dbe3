"""Create owtt_async's usage counters, hold table and counting trigger.

The counters (``owtt_usage_total`` per allowance, ``owtt_usage_quarter_hour`` per
allowance, user and quarter hour) are kept by a trigger on the original package's
``token_tracking_usage_log``, so rows that either library writes count alike and the
log's shape stays as it is. When the trigger is missing, the counters are filled
from the log and the trigger is created in the same transaction. Meanwhile
PostgreSQL holds back inserts into the log, and SQLite's write lock does the same.
"""

from __future__ import annotations

from ._session import Session

TABLE_STATEMENTS = (
    "schema/create_usage_total",
    "schema/create_usage_quarter_hour",
    "schema/create_usage_hold",
    "schema/create_usage_hold_index",
    "schema/create_usage_hold_expiry_index",
)
POSTGRESQL_FUNCTIONS = (
    "schema/create_usage_cost_function",
    "schema/create_usage_count_function",
)
SQLITE_VIEWS = ("schema/create_usage_cost_view",)


async def migrate_usage(session: Session) -> None:
    """Create what charging needs, inside the migration's transaction; idempotent."""
    for name in TABLE_STATEMENTS:
        await session.execute(name)
    functions = POSTGRESQL_FUNCTIONS if session.dialect == "postgresql" else SQLITE_VIEWS
    for name in functions:
        await session.execute(name)

    row = await session.fetch_one("schema/usage_trigger_exists")
    if row and row["present"]:
        return

    if session.dialect == "postgresql":
        await session.execute("schema/lock_usage_log")
    await session.execute("schema/clear_usage_total")
    await session.execute("schema/clear_usage_quarter_hour")
    await session.execute("schema/fill_usage_total")
    await session.execute("schema/fill_usage_quarter_hour")
    await session.execute("schema/create_usage_count_trigger")
    if session.dialect == "postgresql":
        await session.execute("schema/analyze_usage_counters")
