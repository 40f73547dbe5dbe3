"""Check arguments before anything reaches the database.

Every check raises InvalidInputError or InvalidTypeError naming the argument, the
value (shortened) and what is accepted, so a call that fails here writes nothing.
The limits follow the columns: names are VARCHAR(255), credits are 32-bit INTEGER.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ._errors import InvalidInputError, InvalidTypeError

MAX_TEXT_LENGTH = 255
MAX_INTEGER = 2**31 - 1
MAX_MODELS = 1000


def check_text(argument: str, value: Any) -> str:
    """Return ``value`` if a VARCHAR(255) column of either database can store it.

    That is a non-blank string of at most 255 characters, with no NUL character and
    no lone surrogate.
    """
    if not isinstance(value, str):
        raise InvalidTypeError(f"{argument} must be a string, not {_type_name(value)}")
    if not value.strip():
        raise InvalidInputError(f"{argument} must not be empty or only whitespace")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInputError(
            f"{argument} is {len(value)} characters long; the maximum is {MAX_TEXT_LENGTH}"
        )
    if "\x00" in value:
        # PostgreSQL cannot store NUL in text; SQLite would, so refuse it on both.
        raise InvalidInputError(f"{argument} must not contain a NUL character (\\x00)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        # A lone surrogate (from a bad decode) has no UTF-8 form, so neither driver
        # can send it and neither database could store it.
        raise InvalidInputError(
            f"{argument} contains {value[error.start]!r} at position {error.start}, "
            "which is not valid Unicode text (a lone surrogate)"
        ) from None
    return value


def check_optional_text(argument: str, value: Any) -> str | None:
    return None if value is None else check_text(argument, value)


def check_credits(argument: str, value: Any, *, minimum: int = 0) -> int:
    """Return ``value`` if it is a whole number of credits that fits a 32-bit column."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(
            f"{argument} must be a whole number (int), not {_type_name(value)} {_short(value)}"
        )
    if value < minimum or value > MAX_INTEGER:
        raise InvalidInputError(
            f"{argument} must be between {minimum} and {MAX_INTEGER}, not {value}"
        )
    return value


def check_optional_credits(argument: str, value: Any) -> int | None:
    return None if value is None else check_credits(argument, value)


def check_models(value: Any) -> list[str]:
    """Return the base model ids as a list: an iterable of distinct model id strings."""
    if isinstance(value, (str, bytes)):
        raise InvalidTypeError(
            f"models must be a list of model ids, not a single string {_short(value)}; "
            f"write models=[{value!r}]"
        )
    if isinstance(value, dict) or not isinstance(value, Iterable):
        raise InvalidTypeError(
            f"models must be a list of model ids, not {_type_name(value)}"
        )

    models = list(value)
    if not models:
        raise InvalidInputError("models must name at least one base model")
    if len(models) > MAX_MODELS:
        raise InvalidInputError(
            f"models lists {len(models)} ids; the maximum is {MAX_MODELS}"
        )

    seen: set[str] = set()
    for position, model in enumerate(models):
        check_text(f"models[{position}]", model)
        if model in seen:
            raise InvalidInputError(f"models lists {model!r} more than once")
        seen.add(model)
    return models


def check_allowance_id(argument: str, value: Any) -> uuid.UUID:
    """Return the allowance id as a UUID; hyphenated and 32-hex-digit forms are accepted."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise InvalidTypeError(
            f"{argument} must be a UUID string, not {_type_name(value)}"
        )
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"{argument} {_short(value)} is not a valid UUID; expected a form such as "
            "'4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'"
        ) from None


def check_optional_allowance_id(argument: str, value: Any) -> uuid.UUID | None:
    return None if value is None else check_allowance_id(argument, value)


def require_identifier(operation: str, allowance_id: Any, name: Any) -> None:
    if allowance_id is None and name is None:
        raise InvalidInputError(
            f"{operation} needs an allowance id or a name; neither was given"
        )


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
