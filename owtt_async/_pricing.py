"""``ModelPricing``: the async repository of ``token_tracking_model_pricing`` rows.

Allowances may only name models that have a pricing row, so a fresh database needs
these before its first allowance. A row sets how many credits a number of prompt
tokens (``input_cost_credits`` per ``per_input_tokens``) and of response tokens
(``output_cost_credits`` per ``per_output_tokens``) cost.
"""

from __future__ import annotations

import builtins
from typing import Any

import databases

from ._errors import IntegrityError, InUseError, ModelPricingNotFoundError
from ._pricing_json import parse_pricing
from ._records import ModelPricing as ModelPricingRow
from ._records import pricing_from_row
from ._session import Row, Session, open_session, read_with_retry, target_of
from ._validation import check_credits, check_optional_text, check_text


class ModelPricing:
    """List, read, add or update, and delete model pricing on a connected ``Database``."""

    def __init__(self, database: databases.Database) -> None:
        self._database = database
        self._target = target_of(database)

    async def list(self, *, provider: str | None = None) -> list[ModelPricingRow]:
        """Return every model's pricing, or one provider's, ordered by model id."""
        provider = check_optional_text("provider", provider)

        async def read(session: Session) -> list[ModelPricingRow]:
            if provider is None:
                rows = await session.fetch_all("model_pricing/list")
            else:
                rows = await session.fetch_all("model_pricing/list_by_provider", provider=provider)
            return [pricing_from_row(row) for row in rows]

        return await read_with_retry(self._database, self._target, read)

    async def get(self, *, model_id: str) -> ModelPricingRow:
        """Return one model's pricing; ModelPricingNotFoundError (a KeyError) if it has none."""
        model_id = check_text("model_id", model_id)

        async def read(session: Session) -> Row | None:
            return await session.fetch_one("model_pricing/select", id=model_id)

        row = await read_with_retry(self._database, self._target, read)
        if row is None:
            raise ModelPricingNotFoundError(f"no pricing for model id {model_id!r}")
        return pricing_from_row(row)

    async def upsert(
        self,
        *,
        model_id: str,
        provider: str,
        name: str,
        input_cost_credits: int,
        per_input_tokens: int,
        output_cost_credits: int,
        per_output_tokens: int,
    ) -> ModelPricingRow:
        """Add a model's pricing, or replace it if the model id exists; return the row."""
        values: dict[str, Any] = {
            "id": check_text("model_id", model_id),
            "provider": check_text("provider", provider),
            "name": check_text("name", name),
            "input_cost_credits": check_credits("input_cost_credits", input_cost_credits),
            "per_input_tokens": check_credits("per_input_tokens", per_input_tokens, minimum=1),
            "output_cost_credits": check_credits("output_cost_credits", output_cost_credits),
            "per_output_tokens": check_credits("per_output_tokens", per_output_tokens, minimum=1),
        }
        async with open_session(self._database, self._target) as session:
            await session.execute("model_pricing/upsert", **values)
        return values

    async def load(self, models: Any, *, replace: bool = True) -> builtins.list[ModelPricingRow]:
        """Add or update the pricing of every model in a parsed pricing JSON document.

        ``models`` is the list of entries, or an object with a ``"models"`` list, as
        ``json.load`` returns it (see ``owtt_async._pricing_json`` for the fields).
        ``replace=False`` adds only the models that have no pricing yet and keeps the
        prices already set. Every entry is checked first, and all are written in one
        transaction, so an invalid entry raises InvalidInputError naming it and
        nothing changes. Returns the rows written, in the document's order.
        """
        rows = parse_pricing(models)
        written: builtins.list[ModelPricingRow] = []
        async with (
            open_session(self._database, self._target) as session,
            session.transaction(),
        ):
            for row in rows:
                if replace:
                    await session.execute("model_pricing/upsert", **row)
                    written.append(row)
                elif await session.fetch_one("model_pricing/insert_missing", **row):
                    written.append(row)
        return written

    async def delete(self, *, model_id: str) -> None:
        """Delete a model's pricing.

        Raises ModelPricingNotFoundError (a ValueError too) when there is none, and
        InUseError when sponsored allowances still list the model.
        """
        model_id = check_text("model_id", model_id)
        async with (
            open_session(self._database, self._target) as session,
            session.transaction(),
        ):
            rows = await session.fetch_all("model_pricing/allowances_using", model_id=model_id)
            if rows:
                raise _in_use_error(model_id, [row["name"] for row in rows])
            try:
                deleted = await session.fetch_one("model_pricing/delete", id=model_id)
            except IntegrityError as error:
                raise _in_use_error(model_id, []) from error
        if deleted is None:
            raise ModelPricingNotFoundError(f"no pricing for model id {model_id!r}")


def _in_use_error(model_id: str, allowance_names: list[str | None]) -> InUseError:
    listed = ", ".join(repr(name) for name in allowance_names) or "another allowance"
    return InUseError(
        f"model {model_id!r} is a base model of the sponsored allowance(s) {listed}; "
        "remove it from them first. Nothing was deleted"
    )
