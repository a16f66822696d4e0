"""The write side's reads: subject loaders, the index as recorded, meta values.

The writer runs on a DB-API connection (:class:`WriteDb`): an append opens one with the driver
itself (``ledger.storage.connect``), without SQLAlchemy; ``rebuild``, ``restore`` and ``init``
hand it their SQLAlchemy connection's own driver connection (:class:`OnConnection`), inside the
transaction that connection is in. Corrections follow their targets (:func:`base_target`) in SQL
text. The queries that answer read commands live in :mod:`projections.readmodel.reads`; where both
sides ask the same question (a subject's live events), the SQL is written there once.
The ``--known-at`` replays stream the index (:func:`records`) on the reader's connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from events.codes import Subject
from projections.readmodel.driver import DriverDb, OnConnection  # noqa: F401  (the writer's connections)
from projections.readmodel.reads import (  # noqa: F401
    IN_LIST,
    INDEX_COLUMNS,
    Db,
    column,
    in_chunks,
    index_rows_sql,
    pages,
    postgres,
    rows,
)

if TYPE_CHECKING:
    from projections.recorded import Recorded


class WriteDb(Db, Protocol):
    """What the writer runs on: a DB-API connection in a write transaction (by its dialect, bulk rows go by
    ``executemany`` or ``COPY``)."""


def get_meta(db: Db, key: str) -> str | None:
    found = column(db, "SELECT value FROM ledger_meta WHERE key = :key", key=key)
    return found[0] if found else None


# -- events and subjects ------------------------------------------------------------------------


def record_from_row(row: Any) -> Recorded:
    """An index row as a :class:`Recorded`: the event as recorded (``payload``, :func:`index_rows_sql`)."""
    from events.registry import EVENT_TYPES
    from projections.recorded import Recorded

    # pydantic parses the JSON text itself (in Rust): no json.loads, no intermediate dict.
    return Recorded(
        position=row.position,
        recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        recorded_by=row.recorded_by,
        event=EVENT_TYPES[row.type].model_validate_json(row.payload),
    )


def base_target(db: Db, event_id: str) -> str:
    """The non-correction event a correction (or a retraction of one) is ultimately about.

    Only corrections have a ``target`` in the index, so following targets ends at the event.
    """
    found = column(db, "SELECT target FROM ledger_index WHERE event_id = :id", id=event_id)
    target = found[0] if found else None
    return base_target(db, target) if target is not None else event_id


class TargetSubjects:
    """Where the corrections on one page of the log are filed, for ``rebuild`` and ``restore``: under their
    targets' subjects.

    A target is on the page itself, before its correction (:meth:`file` each event's subject as it is
    indexed), or in the index written pages before, asked once for all of the page's ``targets``: a page
    with a dozen corrections asks once, and need not be written first. A target found nowhere (a log
    ``verify`` refuses) files the correction under ``("event", target)``.
    """

    def __init__(self, db: Db, targets: Iterable[str]):
        self.on_page: dict[str, Subject] = {}
        self.indexed: dict[str, Subject] = {}
        for part in in_chunks(sorted(set(targets))):
            for event_id, kind, slug in rows(db, "SELECT event_id, subject_kind, subject FROM ledger_index "
                                                 "WHERE event_id IN (:ids)", ids=part):
                self.indexed[event_id] = (kind, slug)

    def of(self, target: str) -> Subject:
        return self.on_page.get(target) or self.indexed.get(target) or ("event", target)

    def file(self, event_id: str, subject: Subject) -> None:
        self.on_page[event_id] = subject


def records(db: WriteDb, known_at: str | None = None, page: int = 2000) -> Iterator[Recorded]:
    """Every stored event as recorded (no corrections applied), in record order, up to ``known_at``.

    Streamed a page at a time (:func:`~projections.readmodel.reads.pages`).
    """
    where = " WHERE recorded_at <= :known_at" if known_at is not None else ""
    for chunk in pages(db, f"{index_rows_sql(db)}{where} ORDER BY position", page, known_at=known_at):
        for row in chunk:
            yield record_from_row(row)
