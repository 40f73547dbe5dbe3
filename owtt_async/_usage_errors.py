"""The exceptions of charging, under ``owtt_async._errors.OwttError``::

    OwttError
    ├── TokenLimitExceededError                a limit refused the request
    │   ├── DailyTokenLimitExceededError       the user's daily limit
    │   └── TotalTokenLimitExceededError       the allowance's total limit
    ├── InvalidInputError (ValueError)
    │   ├── ModelNotAllowedError               not a base model of the allowance
    │   └── ModelPriceError                    no complete price for the model
    └── HoldNotFoundError (KeyError, ValueError)

The limit errors keep the names the original package gives them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ._errors import InvalidInputError, OwttError, _NotFoundError


class TokenLimitExceededError(OwttError):
    """A request would take a limit past its value; nothing was charged or held.

    ``limit`` is ``"daily"`` or ``"total"``, ``limit_credits`` its value,
    ``remaining`` the credits left before the request (negative when usage logged by
    other programs overshot it), ``requested`` the request's cost, and ``resets_at``
    the UTC instant at which the user's day resets. Credits are ``Decimal``.
    """

    limit = ""

    def __init__(
        self,
        *,
        allowance: str,
        user_id: str,
        limit_credits: int,
        remaining: Decimal,
        requested: Decimal,
        resets_at: datetime,
    ) -> None:
        self.allowance = allowance
        self.user_id = user_id
        self.limit_credits = limit_credits
        self.remaining = remaining
        self.requested = requested
        self.resets_at = resets_at
        super().__init__(self._message())

    def _message(self) -> str:
        raise NotImplementedError


class DailyTokenLimitExceededError(TokenLimitExceededError):
    """The request would take the user past the allowance's daily limit."""

    limit = "daily"

    def _message(self) -> str:
        return (
            f"daily limit of sponsored allowance {self.allowance} reached for user "
            f"{self.user_id!r}: the request costs {_figure(self.requested)} credits and "
            f"{_figure(self.remaining)} of the {self.limit_credits} daily credits are left; "
            f"the day resets at {self.resets_at.isoformat()}"
        )


class TotalTokenLimitExceededError(TokenLimitExceededError):
    """The request would take the allowance past its total limit."""

    limit = "total"

    def _message(self) -> str:
        return (
            f"total limit of sponsored allowance {self.allowance} reached: the request "
            f"costs {_figure(self.requested)} credits and {_figure(self.remaining)} of the "
            f"{self.limit_credits} total credits are left. The total does not reset "
            f"(the user's day resets at {self.resets_at.isoformat()}); raise "
            "total_credit_limit to allow more"
        )


class ModelNotAllowedError(InvalidInputError):
    """The model is not among the allowance's base models; nothing was charged."""


class ModelPriceError(InvalidInputError):
    """The model has no complete row in ``token_tracking_model_pricing``."""


class HoldNotFoundError(_NotFoundError):
    """No hold has this id: it was settled, released, or never existed."""


def _figure(credits: Decimal) -> str:
    """Return credits without trailing zeros: 3.75, not 3.750000."""
    text = format(credits.normalize(), "f")
    return text
