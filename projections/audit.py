"""The audit trail: stored events as the history shows them, with their corrections linked.

Pure functions over index rows (anything with the ``ledger_index`` columns as
attributes), and the answer they make (:class:`History`, what ``ledger history`` prints).
The one place that says how an event stands after corrections::

    position 1  measure.announced  rate 25      -> status "corrected", corrected_by [7]
    position 7  ledger.corrected   target=1     -> status "recorded"
    position 9  talks.statement    (retracted)  -> status "retracted"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from projections.readmodel.layout import RETRACTED

# Fields of an event that the history entry carries in its own columns.
ENVELOPE_KEYS = ("type", "date", "id", "recorded_by", "source")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded event as the audit trail shows it.

    ``status`` is ``recorded``, ``corrected`` (a correction changed how it reads) or
    ``retracted``; ``corrected_by`` lists the positions of the corrections that target it;
    ``fields`` are the event's own fields as recorded (``measure``, ``rate``, ``note`` …).
    ``recorded_by`` is the author declared; ``recorded_by_role`` the database role that inserted
    the row, where the database stamps one (PostgreSQL; None on SQLite).
    """

    position: int
    id: str
    type: str
    date: str
    recorded_at: str
    recorded_by: str
    source: Mapping[str, Any]
    subject: str
    status: str
    corrected_by: tuple[int, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)
    recorded_by_role: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"position": self.position, "id": self.id, "type": self.type, "date": self.date,
                               "recorded_at": self.recorded_at, "recorded_by": self.recorded_by,
                               "recorded_by_role": self.recorded_by_role, "source": dict(self.source)}
        out.update(self.fields)
        out.update(subject=self.subject, corrected_by=list(self.corrected_by), status=self.status)
        return out


@dataclass(frozen=True, slots=True)
class History:
    entries: tuple[HistoryEntry, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries]

    def rows(self) -> list[dict[str, Any]]:
        return self.to_json()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


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


def flat_rows(entries: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Each entry's JSON (a history or timeline entry) with its source in one line: the rows of a table or
    a CSV file, one at a time."""
    for entry in entries:
        row = entry.to_json()
        row["source"] = source_text(row["source"])
        yield row


def history_entries(rows: Iterable[Any], corrections: Mapping[str, Sequence[int]]) -> Iterator[HistoryEntry]:
    """History entries for index ``rows`` (:func:`projections.readmodel.reads.history_pages`, each with the
    database ``role`` that inserted it, where the database said), one at a time; ``corrections`` maps event
    ids to the positions correcting them."""
    for row in rows:
        payload = orjson.loads(row.payload)
        yield HistoryEntry(
            position=row.position,
            id=row.event_id,
            type=row.type,
            date=row.date,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            recorded_by_role=row.role,
            source=payload["source"],
            subject=f"{row.subject_kind}:{row.subject}",
            status=record_status(row),
            corrected_by=tuple(corrections.get(row.event_id, ())),
            fields={k: v for k, v in payload.items() if k not in ENVELOPE_KEYS},
        )
