"""The ledger's exceptions. Only the CLI maps them to exit codes (2 for bad input, 1 otherwise)."""

from __future__ import annotations

from events.errors import BadInput, InputError, LedgerError


class NoLedger(LedgerError):
    """There is no ledger at the configured location."""

    def __init__(self, where: str):
        super().__init__(f"no ledger at {where}: create one with `ledger init` (or point --db / $LEDGER_DB at one)")


class StorageError(LedgerError):
    """The database refused or failed an operation."""


class IntegrityFailure(LedgerError):
    """``verify`` found the log or the read models inconsistent."""

    def __init__(self, position: int | None, message: str):
        self.position = position
        where = f"position {position}: " if position is not None else ""
        super().__init__(f"{where}{message}")


__all__ = ["BadInput", "InputError", "IntegrityFailure", "LedgerError", "NoLedger", "StorageError"]
