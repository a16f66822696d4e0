"""Rebuilding the read models from the log (``ledger rebuild``).

Every read model is dropped and written again from the log, in one transaction,
by the same code an append uses: the index straight from the stored payloads,
then each subject refolded once. Which tables that is comes from the one list of
read models (:data:`projections.readmodel.registry.READ_MODELS`), so a new read
model is rebuilt without touching this module. Checking the log and the read
models is :mod:`ledger.verify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import delete

from events.registry import CORRECTION_TYPES, EVENT_TYPES
from ledger.append import lock
from ledger.workers import process_pool, worker_count
from projections.readmodel.queries import event_subject
from projections.readmodel.registry import READ_MODELS
from projections.readmodel.tables import ledger_index
from projections.readmodel.writer import finish, index_tuple, insert_index

PAGE = 2000
#: Below this many events a rebuild folds in-process: starting worker processes would cost more than they save.
PARALLEL_EVENTS = 5000


def rebuild(app: Any, progress: Callable[[int], None] | None = None) -> int:
    """Drop and rebuild every read model from the log in one transaction; return the event count.

    One pass over the stored rows (the driver's tuples, decoded by orjson) writes the index:
    the payloads were validated when appended. Then each subject is folded once from its
    live events, read back per slice of subjects as plain JSON, and its rows inserted.
    """
    session = app.recorder.datastore.session_maker()
    try:
        conn = lock(session)
        tables = (ledger_index, *(m.table for m in READ_MODELS))
        for table in tables:
            conn.execute(delete(table))
        # Bulk load, then index: building an index from sorted rows once is cheaper than keeping it up to
        # date row by row (random slugs and ids). Unique keys stay, as constraints. SQLite only: on
        # PostgreSQL a writer role may rebuild without owning the indexes, and DROP INDEX needs the owner.
        dropped = [index for table in tables for index in table.indexes
                   if not index.unique and conn.dialect.name == "sqlite"]
        for index in dropped:
            index.drop(conn)
        corrected: set[str] = set()
        touched: set[tuple[str, str]] = set()
        rows: list[tuple[Any, ...]] = []
        payloads: list[dict[str, Any]] = []
        count = 0

        def flush() -> None:
            corrected.update(insert_index(conn, rows, payloads))
            if progress is not None:
                progress(len(rows))
            rows.clear()
            payloads.clear()

        # A second cursor reads the log while the first inserts: fetched a page at a time, so memory is a page.
        driver: Any = conn.connection.driver_connection
        # On PostgreSQL a named (server-side) cursor, else psycopg would fetch the whole log at once.
        reader = driver.cursor(name="ledger_rebuild") if conn.dialect.name == "postgresql" else driver.cursor()
        try:
            reader.execute(f"SELECT originator_version, state FROM {app.recorder.events_table_name} ORDER BY id")
            while page := reader.fetchmany(PAGE):
                for version, state in page:
                    raw = orjson.loads(state)
                    payload = raw["event"]
                    field = EVENT_TYPES[payload["type"]].subject
                    if payload["type"] in CORRECTION_TYPES:
                        if rows:
                            flush()  # its target must be indexed to know its subject
                        subject = event_subject(conn, payload["target"]) or ("event", payload["target"])
                    else:
                        subject = (field, payload[field])
                    rows.append(index_tuple(version, raw["recorded_at"], payload, subject))
                    payloads.append(payload)
                    touched.add(subject)
                    count += 1
                if rows:
                    flush()
        finally:
            reader.close()
        # The refold reads each subject's events through the index's subject key: build those first.
        for index in (i for i in dropped if i.table is ledger_index):
            index.create(conn)
        # Workers fold while this process reads and inserts (ledger.workers; LEDGER_WORKERS=0 for none).
        with process_pool(worker_count() if count > PARALLEL_EVENTS else 0) as pool:
            finish(conn, corrected, touched, count, replace_rows=False, pool=pool)
        for index in (i for i in dropped if i.table is not ledger_index):
            index.create(conn)
        session.commit()
        return count
    finally:
        session.close()
