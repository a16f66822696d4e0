"""The audit trail: stored events as the history shows them, with their corrections linked.

Pure functions over index rows (anything with the ``ledger_index`` columns as
attributes). The one place that says how an event stands after corrections::

    position 1  measure.announced  rate 25      -> status "corrected", corrected_by [7]
    position 7  ledger.corrected   target=1     -> status "recorded"
    position 9  talks.statement    (retracted)  -> status "retracted"
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from projections.readmodel.layout import RETRACTED
from projections.results import History, HistoryEntry

# Fields of an event that the history entry carries in its own columns.
ENVELOPE_KEYS = ("type", "date", "id", "recorded_by", "source")


def record_status(row: Any) -> str:
    """``recorded``, ``corrected`` or ``retracted``: how the event reads now.

    Only corrections have a ``target``, and they stand as recorded. Another event has a
    ``current`` only where corrections changed it: JSON ``null`` once retracted, else its
    corrected form (``projections.readmodel.layout``).
    """
    if row.target is not None or row.current is None:
        return "recorded"
    return "retracted" if row.current == RETRACTED else "corrected"


def source_text(source: Mapping[str, Any]) -> str:
    """A source in one line: ``publisher — title``."""
    return " — ".join(str(source[k]) for k in ("publisher", "title") if source.get(k))


def history(rows: Sequence[Any], corrections: Mapping[str, Sequence[int]],
            roles: Mapping[int, str] | None = None) -> History:
    """History entries for index ``rows``; ``corrections`` maps event ids to the positions correcting them,
    ``roles`` positions to the database role that inserted the event (where the database said)."""
    roles = roles or {}
    entries = []
    for row in rows:
        payload = json.loads(row.payload)
        entries.append(HistoryEntry(
            position=row.position,
            id=row.event_id,
            type=row.type,
            date=row.date,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            recorded_by_role=roles.get(row.position),
            source=payload["source"],
            subject=f"{row.subject_kind}:{row.subject}",
            status=record_status(row),
            corrected_by=tuple(corrections.get(row.event_id, ())),
            fields={k: v for k, v in payload.items() if k not in ENVELOPE_KEYS},
        ))
    return History(tuple(entries))
