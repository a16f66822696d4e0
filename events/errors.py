"""Errors as values. Bad input is collected, never raised one at a time to the user.

An :class:`InputError` names where (``line`` of a file, or ``None`` for a typed
command), which field, and what is wrong, e.g. ``line 3: rate: must be >= 0``.
"""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """Base of every failure the ledger reports to a user without a traceback."""


@dataclass(frozen=True)
class InputError:
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class BadInput(LedgerError):
    """One or more input errors.

    ``nothing_written`` is set where a write was refused whole (an append): the CLI
    then says so, so a user knows the ledger did not change. ``stopped_after`` is the
    last line checked when checking stopped early (too many errors): the lines after
    it were not read, so ``errors`` is not all there is.
    """

    def __init__(self, errors: list[InputError], nothing_written: bool = False, stopped_after: int | None = None):
        self.errors = errors
        self.nothing_written = nothing_written
        self.stopped_after = stopped_after
        super().__init__(str(errors[0]) if errors else "bad input")
