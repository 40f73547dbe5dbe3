"""The exceptions owtt_async raises.

Every error is a subclass of ``OwttError``. Where the documented API of the original
package promises a built-in type, the class inherits it too, so existing
``except KeyError`` and ``except ValueError`` clauses keep working::

    OwttError
    ├── ConfigurationError (ValueError)        no or unsupported database URL
    ├── InvalidInputError (ValueError)         a value failed validation
    │   ├── InvalidTypeError (TypeError)       a value of the wrong type
    │   └── UnknownModelError                  model ids missing from the pricing table
    ├── AllowanceNotFoundError (KeyError, ValueError)
    ├── ModelPricingNotFoundError (KeyError, ValueError)
    ├── DuplicateNameError (ValueError)        an allowance with that name exists
    ├── InUseError (ValueError)                referenced rows forbid the delete
    ├── SqlFileError                           a statement file is missing or malformed
    └── DatabaseError                          the database failed; ``sqlstate`` if known
        ├── SchemaError                        tables missing: run the migration
        ├── IntegrityError                     a constraint refused the write
        ├── DatabaseUnavailableError (ConnectionError)
        │   └── ConnectionLostError            the connection broke during the call
        └── DatabaseTimeoutError (TimeoutError)

Driver exceptions never reach a caller: ``owtt_async._translate`` maps them to the
classes above and chains the original as ``__cause__``.
"""

from __future__ import annotations


class OwttError(Exception):
    """Base class of every error owtt_async raises."""


class ConfigurationError(OwttError, ValueError):
    """The database URL is missing or not supported."""


class InvalidInputError(OwttError, ValueError):
    """An argument failed validation; nothing was written."""


class InvalidTypeError(InvalidInputError, TypeError):
    """An argument has the wrong type; nothing was written."""


class UnknownModelError(InvalidInputError):
    """Base model ids are missing from ``token_tracking_model_pricing``.

    ``model_ids`` lists the missing ids, sorted.
    """

    def __init__(self, model_ids: list[str]) -> None:
        self.model_ids = model_ids
        listed = ", ".join(repr(model_id) for model_id in model_ids)
        super().__init__(
            f"unknown base model id(s): {listed}; add their pricing first "
            "(owtt_async.model_pricing.upsert_model_pricing or 'owtt-async pricing set')"
        )


class _NotFoundError(OwttError, KeyError, ValueError):
    # KeyError.__str__ quotes its argument like a dict key; a message reads better plain.
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AllowanceNotFoundError(_NotFoundError):
    """No sponsored allowance has the given id or name.

    A ``KeyError`` for ``get`` and a ``ValueError`` for ``update`` and ``delete``, as the
    original package documents.
    """


class ModelPricingNotFoundError(_NotFoundError):
    """No row of ``token_tracking_model_pricing`` has the given model id."""


class DuplicateNameError(OwttError, ValueError):
    """Another sponsored allowance already has this name."""


class InUseError(OwttError, ValueError):
    """Other rows still refer to the row to be deleted, so nothing was deleted."""


class SqlFileError(OwttError):
    """A statement file under ``sql/`` is missing or malformed."""


class DatabaseError(OwttError):
    """The database reported an error that is not the caller's input.

    ``sqlstate`` is PostgreSQL's five-character error code, or SQLite's error name
    (``SQLITE_BUSY``), when the driver gave one.
    """

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class SchemaError(DatabaseError):
    """The token tracking tables are missing or lack what owtt_async needs."""


class IntegrityError(DatabaseError):
    """A unique or foreign key constraint refused a write.

    ``kind`` is ``"unique"`` or ``"foreign_key"``; ``constraint`` names the constraint
    or index when the driver reports it (PostgreSQL does, SQLite does not). The
    repositories turn these into DuplicateNameError, UnknownModelError or InUseError.
    """

    def __init__(
        self, message: str, kind: str, constraint: str | None, sqlstate: str | None
    ) -> None:
        super().__init__(message, sqlstate)
        self.kind = kind
        self.constraint = constraint


class DatabaseUnavailableError(DatabaseError, ConnectionError):
    """The database cannot be reached, or refused the connection."""


class ConnectionLostError(DatabaseUnavailableError):
    """The connection broke during the call.

    A write in flight was not committed, unless the break came while the commit
    itself was under way. The pool replaces the broken connection, so the next call
    can succeed.
    """


class DatabaseTimeoutError(DatabaseError, TimeoutError):
    """The database did not answer, or stayed locked, for longer than the timeout."""
