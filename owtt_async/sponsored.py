"""Blocking functions for sponsored allowances, for scripts.

The names, parameters, order and defaults are those the original package,
``openwebui_token_tracking.sponsored``, documents, so that::

    import owtt_async.sponsored as sp

replaces ``import openwebui_token_tracking.sponsored as sp`` with no other change.
``database_url=None`` means the ``DATABASE_URL`` environment variable. Each call
borrows a connection from a pool kept per URL for the life of the process.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._allowances import NO_DAILY_LIMIT, SponsoredAllowances, _NoDailyLimit
from ._records import Allowance
from ._runner import run

__all__ = [
    "NO_DAILY_LIMIT",
    "create_sponsored_allowance",
    "delete_sponsored_allowance",
    "get_sponsored_allowance",
    "get_sponsored_allowances",
    "update_sponsored_allowance",
]


def create_sponsored_allowance(
    database_url: str | None,
    sponsor_id: str,
    name: str,
    models: Iterable[str],
    total_credit_limit: int,
    daily_credit_limit: int | None,
) -> Allowance:
    """Create a sponsored allowance for ``models`` and return it as a dict.

    ``daily_credit_limit=None`` means no daily limit. Raises DuplicateNameError when
    the name is taken and UnknownModelError when a model has no pricing row (both
    ValueErrors), and InvalidInputError or InvalidTypeError for other bad arguments.
    """
    models = _materialise(models)
    return run(
        database_url,
        lambda database: SponsoredAllowances(database).create(
            sponsor_id=sponsor_id,
            name=name,
            models=models,
            total_credit_limit=total_credit_limit,
            daily_credit_limit=daily_credit_limit,
        ),
    )


def delete_sponsored_allowance(
    database_url: str | None = None,
    allowance_id: str | None = None,
    name: str | None = None,
) -> None:
    """Delete a sponsored allowance by id or name.

    Raises ValueError when neither is given or no allowance matches, and InUseError
    (a ValueError) when usage was recorded against it.
    """
    run(
        database_url,
        lambda database: SponsoredAllowances(database).delete(
            allowance_id=allowance_id, name=name
        ),
    )


def get_sponsored_allowance(
    database_url: str | None = None,
    name: str | None = None,
    id: str | None = None,  # the original API's parameter name
) -> Allowance:
    """Return one sponsored allowance, by name or id, as a dict.

    Raises KeyError when no allowance matches, and ValueError when neither is given.
    """
    return run(
        database_url,
        lambda database: SponsoredAllowances(database).get(name=name, id=id),
    )


def get_sponsored_allowances(
    database_url: str | None = None,
    sponsor_id: str | None = None,
) -> list[Allowance]:
    """Return all sponsored allowances, or one sponsor's, ordered by name."""
    return run(
        database_url,
        lambda database: SponsoredAllowances(database).list(sponsor_id=sponsor_id),
    )


def update_sponsored_allowance(
    database_url: str | None = None,
    allowance_id: str | None = None,
    name: str | None = None,
    new_name: str | None = None,
    sponsor_id: str | None = None,
    models: Iterable[str] | None = None,
    total_credit_limit: int | None = None,
    daily_credit_limit: int | _NoDailyLimit | None = None,
) -> Allowance:
    """Update a sponsored allowance, found by id or name, and return it.

    Arguments left None stay unchanged; ``daily_credit_limit=NO_DAILY_LIMIT`` removes
    the daily limit. Raises ValueError when neither id nor name is given or no
    allowance matches, and DuplicateNameError (a ValueError) when ``new_name`` is taken.
    """
    if models is not None:
        models = _materialise(models)
    return run(
        database_url,
        lambda database: SponsoredAllowances(database).update(
            allowance_id=allowance_id,
            name=name,
            new_name=new_name,
            sponsor_id=sponsor_id,
            models=models,
            total_credit_limit=total_credit_limit,
            daily_credit_limit=daily_credit_limit,
        ),
    )


def _materialise(models: Iterable[str]) -> Iterable[str]:
    # A generator is consumed here, in the caller's thread, rather than on the loop.
    if isinstance(models, (str, bytes)):
        return models
    try:
        return list(models)
    except TypeError:
        # Not iterable: let the repository's check raise its usual message.
        return models
