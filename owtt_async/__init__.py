"""owtt_async: sponsored allowances for Open WebUI token tracking, async first.

Async code (FastAPI, Starlette) uses ``Database`` and the repositories
``SponsoredAllowances`` and ``ModelPricing``; scripts use the blocking functions in
``owtt_async.sponsored`` and ``owtt_async.model_pricing``, which keep the names and
signatures of the original ``openwebui_token_tracking`` package. ``SponsoredUsage``
(blocking: ``owtt_async.usage``) charges usage to allowances and enforces their limits.
"""

from __future__ import annotations

import databases

from . import _schema
from ._allowances import NO_DAILY_LIMIT, SponsoredAllowances
from ._database import Database
from ._errors import (
    AllowanceNotFoundError,
    ConfigurationError,
    ConnectionLostError,
    DatabaseError,
    DatabaseTimeoutError,
    DatabaseUnavailableError,
    DuplicateNameError,
    IntegrityError,
    InUseError,
    InvalidInputError,
    InvalidTypeError,
    ModelPricingNotFoundError,
    OwttError,
    SchemaError,
    SqlFileError,
    UnknownModelError,
)
from ._pricing import ModelPricing
from ._runner import close_pools
from ._runner import run as _run
from ._usage import SponsoredUsage
from ._usage_errors import (
    DailyTokenLimitExceededError,
    HoldNotFoundError,
    ModelNotAllowedError,
    ModelPriceError,
    TokenLimitExceededError,
    TotalTokenLimitExceededError,
)
from ._usage_records import Charge, CreditBalance, Hold

__all__ = [
    "NO_DAILY_LIMIT",
    "AllowanceNotFoundError",
    "Charge",
    "ConfigurationError",
    "ConnectionLostError",
    "CreditBalance",
    "DailyTokenLimitExceededError",
    "Database",
    "DatabaseError",
    "DatabaseTimeoutError",
    "DatabaseUnavailableError",
    "DuplicateNameError",
    "Hold",
    "HoldNotFoundError",
    "InUseError",
    "IntegrityError",
    "InvalidInputError",
    "InvalidTypeError",
    "ModelNotAllowedError",
    "ModelPriceError",
    "ModelPricing",
    "ModelPricingNotFoundError",
    "OwttError",
    "SchemaError",
    "SponsoredAllowances",
    "SponsoredUsage",
    "SqlFileError",
    "TokenLimitExceededError",
    "TotalTokenLimitExceededError",
    "UnknownModelError",
    "close_pools",
    "migrate",
    "migrate_database",
]

__version__ = "0.1.0"


async def migrate(database: databases.Database) -> list[str]:
    """Create the token tracking tables and owtt_async's indexes where missing.

    Idempotent, and never changes existing rows. Returns the allowance names that
    several allowances share (empty normally): until they are renamed, the unique
    name index cannot be built and creating allowances raises DuplicateNameError.
    """
    return await _schema.migrate(database)


def migrate_database(database_url: str | None = None) -> list[str]:
    """Blocking form of ``migrate``; ``None`` means the ``DATABASE_URL`` variable."""
    return _run(database_url, _schema.migrate)
