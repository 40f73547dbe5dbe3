"""Set up sponsored allowances on an embedded SQLite database, no server needed.

Run from the repository's top folder:

    python examples/quickstart.py

It creates ``quickstart.db`` next to where it runs (or uses the DATABASE_URL
environment variable), adds the pricing of two models, and walks one allowance
through create, get, list, update and delete with the blocking API.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import owtt_async
import owtt_async.model_pricing as pricing
import owtt_async.sponsored as sp

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///quickstart.db")


def show(label: str, allowance: dict[str, Any]) -> None:
    daily = allowance["daily_credit_limit"]
    print(
        f"{label:<9} {allowance['name']!r}: {allowance['total_credit_limit']} credits in total, "
        f"{'no daily limit' if daily is None else f'{daily} a day per user'}, "
        f"models {', '.join(allowance['base_models'])}"
    )


def main() -> None:
    owtt_async.migrate_database(DATABASE_URL)

    # Allowances may only name models that have a price: credits per million tokens.
    pricing.upsert_model_pricing(
        DATABASE_URL, "gpt-4o", "openai", "GPT-4o", 3750, 1_000_000, 15_000, 1_000_000
    )
    pricing.upsert_model_pricing(
        DATABASE_URL,
        "claude-3-5-sonnet",
        "anthropic",
        "Claude 3.5 Sonnet",
        3000,
        1_000_000,
        15_000,
        1_000_000,
    )

    # On a first run there is nothing to delete yet.
    with contextlib.suppress(ValueError):
        sp.delete_sponsored_allowance(DATABASE_URL, name="Research Lab")

    created = sp.create_sponsored_allowance(
        DATABASE_URL, "sponsor-research", "Research Lab", ["gpt-4o"], 100_000, 500
    )
    show("created", created)
    print(f"          id {created['id']}, created {created['creation_date']:%Y-%m-%d %H:%M:%S %Z}")

    show("got", sp.get_sponsored_allowance(DATABASE_URL, name="Research Lab"))

    updated = sp.update_sponsored_allowance(
        DATABASE_URL,
        name="Research Lab",
        models=["gpt-4o", "claude-3-5-sonnet"],
        daily_credit_limit=owtt_async.NO_DAILY_LIMIT,
    )
    show("updated", updated)

    for allowance in sp.get_sponsored_allowances(DATABASE_URL, sponsor_id="sponsor-research"):
        show("listed", allowance)

    try:
        sp.create_sponsored_allowance(DATABASE_URL, "someone", "Research Lab", ["gpt-4o"], 1, None)
    except owtt_async.DuplicateNameError as error:
        print(f"refused   {error}")

    sp.delete_sponsored_allowance(DATABASE_URL, name="Research Lab")
    print(f"deleted   {len(sp.get_sponsored_allowances(DATABASE_URL))} allowances left")


if __name__ == "__main__":
    main()
