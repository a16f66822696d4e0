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
from ledger.store import notifications
from projections.readmodel.queries import event_subject
from projections.readmodel.registry import READ_MODELS
from projections.readmodel.tables import ledger_index
from projections.readmodel.writer import finish, index_row, insert_rows

PAGE = 2000


def rebuild(app: Any, progress: Callable[[int], None] | None = None) -> int:
    """Drop and rebuild every read model from the log in one transaction; return the event count.

    The index is written straight from the stored payloads (they were validated when
    appended); events are decoded into models once, when their subject is refolded.
    """
    session = app.recorder.datastore.session_maker()
    try:
        conn = lock(session)
        for table in (ledger_index, *(m.table for m in READ_MODELS)):
            conn.execute(delete(table))
        corrected: set[str] = set()
        touched: set[tuple[str, str]] = set()
        rows: list[dict[str, Any]] = []
        payloads: list[dict[str, Any]] = []
        count = 0

        def flush() -> None:
            corrected.update(insert_rows(conn, rows, payloads))
            if progress is not None:
                progress(len(rows))
            rows.clear()
            payloads.clear()

        for n in notifications(app):
            raw = orjson.loads(n.state)
            payload = raw["event"]
            field = EVENT_TYPES[payload["type"]].subject
            if payload["type"] in CORRECTION_TYPES:
                if rows:
                    flush()  # its target must be indexed to know its subject
                subject = event_subject(conn, payload["target"]) or ("event", payload["target"])
            else:
                subject = (field, payload[field])
            rows.append(index_row(n.originator_version, raw["recorded_at"], payload, subject))
            payloads.append(payload)
            touched.add(subject)
            count += 1
            if len(rows) >= PAGE:
                flush()
        if rows:
            flush()
        finish(conn, corrected, touched, count)
        session.commit()
        return count
    finally:
        session.close()
