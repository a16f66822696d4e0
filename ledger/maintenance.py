"""Rebuilding the read models from the log (``ledger rebuild``).

Every read model is dropped and written again from the log, in one transaction,
by the same code an append uses: the index straight from the stored payloads,
then each subject refolded once. Which tables that is comes from the one list of
read models (:data:`projections.readmodel.registry.READ_MODELS`), so a new read
model is rebuilt without touching this module. Checking the log and the read
models is :mod:`ledger.verify`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from events.registry import CORRECTION_TYPES, EVENT_TYPES
from ledger.append import lock
from ledger.workers import process_pool, workers_for
from projections.readmodel.layout import ledger_index
from projections.readmodel.queries import OnConnection, TargetSubjects
from projections.readmodel.registry import READ_MODELS, Subject, introduction
from projections.readmodel.writer import DeferredIndexes, execute, finish, index_tuple, insert_indexed

PAGE = 2000


def lock_session(session: Session) -> Connection:
    """Start a SQLAlchemy session's write transaction holding the ledger's write lock (``rebuild``, ``restore``)."""
    conn = session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    lock(OnConnection(conn))
    return conn


def rebuild(app: Any, progress: Callable[[int], None] | None = None) -> int:
    """Drop and rebuild every read model from the log in one transaction; return the event count.

    One pass over the stored rows (the driver's tuples, decoded by orjson) writes the index:
    the payloads were validated when appended. Then each subject is folded once from its
    live events, read back per slice of subjects as plain JSON, and its rows inserted.
    On a log of more than :data:`ledger.workers.PARALLEL_EVENTS` events, worker processes (``LEDGER_WORKERS``)
    fold the slices of subjects while this process reads and writes
    (:func:`~projections.readmodel.writer.fold_slice`).
    """
    session = app.recorder.datastore.session_maker()
    try:
        conn = lock_session(session)
        db = OnConnection(conn)
        events = app.recorder.events_table_name
        for table in (ledger_index, *(m.table for m in READ_MODELS)):
            execute(db, f"DELETE FROM {table.name}")
        deferred = DeferredIndexes(db)  # built again from sorted rows, below
        corrected, touched, count = _index_log(db, events, progress)
        deferred.build(ledger_index)  # the refold reads each subject's events through the subject index
        # Workers fold while this process reads and inserts (ledger.workers; LEDGER_WORKERS=0 for none).
        with process_pool(workers_for(count)) as pool:
            finish(db, corrected, touched, count, replace_rows=False, pool=pool)
        deferred.build()
        session.commit()
        return count
    finally:
        session.close()


def _index_log(db: OnConnection, events: str,
               progress: Callable[[int], None] | None) -> tuple[set[str], set[Subject], int]:
    """Write ``ledger_index`` and ``subjects`` from the log; (corrected event ids, touched subjects, count).

    Flushed at each page's end. A correction is filed under its target's subject: from the page itself
    when the target is on it, else from the index, asked once per page for all of them (the page used to
    be flushed before each correction and the index asked each time: 6,000 times for the 1M ledger). This
    pass stays in one process: sending pages to workers and their index rows back cost this process more
    than decoding them (measured: 0.73 → 1.1 CPU-s per 100,000 events).
    """
    corrected: set[str] = set()
    touched: set[Subject] = set()
    rows: list[tuple[Any, ...]] = []
    introduced: dict[Subject, int] = {}
    count = 0

    def flush() -> None:
        corrected.update(insert_indexed(db, rows, introduced))
        if progress is not None:
            progress(len(rows))
        rows.clear()
        introduced.clear()

    # A second cursor reads the log while the first inserts: fetched a page at a time, so memory is a page.
    reader = db.cursor(stream="ledger_rebuild")
    try:
        reader.execute(f"SELECT originator_version, state FROM {events} ORDER BY id")
        while page := reader.fetchmany(PAGE):
            indexed = index_page(page)
            targets = [c[2]["target"] for _, c, _ in indexed if c is not None]
            filed = TargetSubjects(db, targets)
            for row, correction, intro in indexed:
                if correction is not None:
                    position, recorded_at, payload = correction
                    row = index_tuple(position, recorded_at, payload, filed.of(payload["target"]))
                assert row is not None
                if targets:  # a page without corrections needs no record of where its events are filed
                    filed.file(row[1], (row[3], row[4]))
                if intro is not None:
                    introduced.setdefault(intro, row[0])
                rows.append(row)
                touched.add((row[3], row[4]))
                count += 1
            if rows:
                flush()
    finally:
        reader.close()
    return corrected, touched, count


#: A stored event as :func:`index_page` gives it back: its index row and what it introduces, or, for a
#: correction, ``(position, record time, payload)`` for the caller to file under its target's subject.
Indexed = tuple["tuple[Any, ...] | None", "tuple[int, str, dict[str, Any]] | None", "Subject | None"]


def index_page(page: Sequence[tuple[int, Any]]) -> list[Indexed]:
    """Decode a page of ``(version, state)`` rows of the log into their index rows (no database needed).

    The rules are the writer's (:func:`index_tuple`) and the registry's (:func:`introduction`);
    only a correction's subject is left to the caller, which looks its target up in the index
    written so far.
    """
    out: list[Indexed] = []
    for version, state in page:
        raw = orjson.loads(state)
        payload = raw["event"]
        kind = payload["type"]
        field = EVENT_TYPES[kind].subject
        if kind in CORRECTION_TYPES:
            out.append((None, (version, raw["recorded_at"], payload), None))
            continue
        subject = (field, payload[field])
        out.append((index_tuple(version, raw["recorded_at"], payload, subject), None, introduction(payload, subject)))
    return out
