"""The write side's reads: subject loaders, the index as recorded, meta values (SQLAlchemy connections).

The writer refolds subjects (:func:`load_subjects`), ``verify`` and ``rebuild`` stream the
index (:func:`records`), and corrections follow their targets (:func:`base_target`). They run
inside the writer's SQLAlchemy transaction. The queries that answer read commands live in
:mod:`projections.readmodel.reads` as SQL text over a DB-API connection; where both sides ask
the same question (a subject's live events), the SQL is written there once and run here on the
SQLAlchemy connection's own driver (:class:`OnConnection`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Connection, select

from events.codes import Subject
from projections.readmodel.reads import IN_LIST, in_chunks, live_event_rows  # noqa: F401  (names the writer imports)
from projections.readmodel.tables import ledger_index, ledger_meta

if TYPE_CHECKING:
    from projections.recorded import Recorded


class OnConnection:
    """A SQLAlchemy connection as a :class:`~projections.readmodel.reads.Db`: the SQL of ``reads`` runs on
    its driver connection, inside the transaction the connection is in."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.placeholder = "%s" if conn.dialect.name == "postgresql" else "?"

    def execute(self, sql: str, args: Sequence[Any]) -> Any:
        return self.conn.exec_driver_sql(sql, tuple(args)).cursor


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()  # type: ignore[no-any-return]


# -- events and subjects ------------------------------------------------------------------------


def record_from_row(row: Any, column: str = "current") -> Recorded:
    """An index row (``payload`` as recorded, or ``current`` as corrected) as a :class:`Recorded`."""
    from events.registry import EVENT_TYPES
    from projections.recorded import Recorded

    # pydantic parses the JSON text itself (in Rust): no json.loads, no intermediate dict.
    return Recorded(
        position=row.position,
        recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        recorded_by=row.recorded_by,
        event=EVENT_TYPES[row.type].model_validate_json(getattr(row, column)),
    )


def subject_records(conn: Connection, kind: str, slug: str) -> list[Recorded]:
    """A subject's live events (corrections applied, retracted ones left out), in record order."""
    return load_subjects(conn, kind, [slug]).get(slug, [])


def load_subjects(
    conn: Connection, kind: str, slugs: Sequence[str], fresh: dict[int, Recorded] | None = None
) -> dict[str, list[Recorded]]:
    """Live events of many subjects of one kind, a few queries for all of them.

    ``fresh`` holds events of the batch being written (uncorrected), keyed by position,
    so they are not decoded again from the rows just inserted.
    """
    fresh = fresh or {}
    out: dict[str, list[Recorded]] = {}
    db = OnConnection(conn)
    for part in in_chunks(slugs):
        for row in live_event_rows(db, kind, part):
            rec = fresh.get(row.position)
            out.setdefault(row.subject, []).append(rec if rec is not None else record_from_row(row))
    return out


def base_target(conn: Connection, event_id: str) -> str:
    """The non-correction event a correction (or a retraction of one) is ultimately about.

    Only corrections have a ``target`` in the index, so following targets ends at the event.
    """
    target = conn.execute(select(ledger_index.c.target).where(ledger_index.c.event_id == event_id)).scalar()
    return base_target(conn, target) if target is not None else event_id


def event_subject(conn: Connection, event_id: UUID | str) -> Subject | None:
    row = conn.execute(
        select(ledger_index.c.subject_kind, ledger_index.c.subject).where(ledger_index.c.event_id == str(event_id))
    ).first()
    return (row.subject_kind, row.subject) if row is not None else None


def records(conn: Connection, known_at: str | None = None) -> Iterator[Recorded]:
    """Every stored event as recorded (no corrections applied), in record order, up to ``known_at``."""
    query = select(ledger_index).order_by(ledger_index.c.position)
    if known_at is not None:
        query = query.where(ledger_index.c.recorded_at <= known_at)
    for row in conn.execution_options(yield_per=2000).execute(query):
        yield record_from_row(row, "payload")


