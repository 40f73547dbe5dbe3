"""Blocking functions for model pricing, for scripts and the command line.

Sponsored allowances may only name models that have a row here. ``database_url=None``
means the ``DATABASE_URL`` environment variable.
"""

from __future__ import annotations

import os

from ._pricing import ModelPricing
from ._pricing_json import DEFAULT_PRICING_FILE, read_pricing_file
from ._records import ModelPricing as ModelPricingRow
from ._runner import run

__all__ = [
    "DEFAULT_PRICING_FILE",
    "delete_model_pricing",
    "get_model_pricing",
    "list_model_pricing",
    "load_model_pricing",
    "upsert_model_pricing",
]


def list_model_pricing(
    database_url: str | None = None, provider: str | None = None
) -> list[ModelPricingRow]:
    """Return every model's pricing, or one provider's, ordered by model id."""
    return run(database_url, lambda database: ModelPricing(database).list(provider=provider))


def get_model_pricing(
    database_url: str | None = None, model_id: str | None = None
) -> ModelPricingRow:
    """Return one model's pricing; raises KeyError when the model has none."""
    return run(
        database_url,
        lambda database: ModelPricing(database).get(model_id=model_id),  # type: ignore[arg-type]
    )


def upsert_model_pricing(
    database_url: str | None,
    model_id: str,
    provider: str,
    name: str,
    input_cost_credits: int,
    per_input_tokens: int,
    output_cost_credits: int,
    per_output_tokens: int,
) -> ModelPricingRow:
    """Add a model's pricing, or replace it when the model id exists; return the row.

    ``input_cost_credits`` are charged per ``per_input_tokens`` prompt tokens, and
    ``output_cost_credits`` per ``per_output_tokens`` response tokens.
    """
    return run(
        database_url,
        lambda database: ModelPricing(database).upsert(
            model_id=model_id,
            provider=provider,
            name=name,
            input_cost_credits=input_cost_credits,
            per_input_tokens=per_input_tokens,
            output_cost_credits=output_cost_credits,
            per_output_tokens=per_output_tokens,
        ),
    )


def delete_model_pricing(database_url: str | None = None, model_id: str | None = None) -> None:
    """Delete a model's pricing.

    Raises KeyError when the model has none, and InUseError (a ValueError) when a
    sponsored allowance still lists it.
    """
    run(
        database_url,
        lambda database: ModelPricing(database).delete(model_id=model_id),  # type: ignore[arg-type]
    )


def load_model_pricing(
    database_url: str | None = None,
    path: str | os.PathLike[str] | None = None,
    replace: bool = True,
) -> list[ModelPricingRow]:
    """Add or update the pricing of every model in a JSON file; return the rows written.

    ``path=None`` loads ``DEFAULT_PRICING_FILE``, the pricing shipped in the package.
    ``replace=False`` adds only the models that have no pricing yet and keeps the
    prices already set. The file is checked whole before anything is written, and all
    rows are written in one transaction: an invalid entry raises InvalidInputError
    naming it, and nothing changes. Loading the same file again updates the rows
    instead of adding new ones.
    """
    rows = read_pricing_file(path)
    return run(
        database_url, lambda database: ModelPricing(database).load(rows, replace=replace)
    )
