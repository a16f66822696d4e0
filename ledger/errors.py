"""The ledger's exceptions. Only the CLI maps them to exit codes (2 for bad input, 1 otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.errors import BadInput, InputError, LedgerError

if TYPE_CHECKING:
    from projections.integrity import Verification


class NoLedger(LedgerError):
    """There is no ledger at the configured location."""

    def __init__(self, where: str):
        super().__init__(f"no ledger at {where}: create one with `ledger init` (or point --db / $LEDGER_DB at one)")


class StorageError(LedgerError):
    """The database refused or failed an operation."""


class IntegrityFailure(LedgerError):
    """``verify`` found the log, the read models or the triggers inconsistent.

    ``position``: the first bad position of the log, when the failure has one; ``table``: the
    table found wrong; ``append_only``: whether the append-only triggers were in place (None
    when not checked).
    """

    def __init__(self, position: int | None, message: str, table: str | None = None):
        self.position = position
        self.table = table
        self.message = message
        self.append_only: bool | None = None
        where = f"position {position}: " if position is not None else ""
        super().__init__(f"{where}{message}")

    def result(self) -> Verification:
        """The failure as ``verify``'s result: what ``verify --format json`` prints (``"ok": false``)."""
        from projections.integrity import Verification

        return Verification(False, None, None, self.append_only, self.position, self.table, self.message)


__all__ = ["BadInput", "InputError", "IntegrityFailure", "LedgerError", "NoLedger", "StorageError"]
