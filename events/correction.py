"""Corrections: the only way to change what the ledger says about an earlier event.

Nothing is edited in place. ``ledger.corrected`` gives replacement values for
some of the target's fields (its ``date`` included); ``ledger.retracted`` says
the target should be read as if it had never been recorded. Projections honour
both, except when asked what was known before the correction was recorded.

    {"type": "ledger.corrected", "target": "5f0c…", "fields": {"rate": 15},
     "reason": "EO 14345 made the rate all-in", "source": "Federal Register"}
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import model_validator

from events.common import Envelope, IsoDate, Text


class CorrectionEvent(Envelope):
    subject = "target"

    # Optional for corrections: the service fills in the day it is recorded.
    date: IsoDate | None = None  # type: ignore[assignment]
    target: UUID
    reason: Text


class Corrected(CorrectionEvent):
    """Replacement values for some of the target event's fields."""

    type: Literal["ledger.corrected"]
    fields: dict[str, Any]

    @model_validator(mode="after")
    def _replaces_something(self) -> Corrected:
        # Like an amendment with no change, a correction that replaces nothing is a mistake, not a no-op.
        if not self.fields:
            raise ValueError("fields: a correction needs at least one replacement value")
        return self


class Retracted(CorrectionEvent):
    """The target event is withdrawn: read the ledger as if it had never been recorded."""

    type: Literal["ledger.retracted"]
