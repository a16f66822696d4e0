"""Rebuilding the read models from the log, and verifying the log and the read models.

``verify`` trusts nothing derived: it walks the stored events in record order,
recomputes every chain link from the stored bytes, checks positions are
gapless, then folds the whole log afresh and compares the result with the
materialized read models. The first disagreement is reported with its position.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from sqlalchemy import delete, select

from events.correction import CorrectionEvent
from events.registry import EVENT_TYPES
from ledger.append import GENESIS, link, lock
from ledger.errors import IntegrityFailure
from ledger.store import LEDGER_STREAM
from projections.measures import measure_timeline
from projections.readmodel.tables import (
    OPEN_END,
    READ_MODELS,
    ledger_chain,
    ledger_index,
    measure_intervals,
)
from projections.readmodel.writer import dumps, event_subject, finish, index_batch
from projections.recorded import Recorded, effective_events
from projections.shapes import measure_json
from projections.state import by_subject

PAGE = 2000


def stored(app: Any) -> Iterator[tuple[Any, Recorded]]:
    """(notification, recorded event) for every stored event, in record order."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start, PAGE)
        if not page:
            return
        for n in page:
            raw = orjson.loads(n.state)
            payload = raw["event"]
            event = EVENT_TYPES[payload["type"]].model_validate(payload)
            yield n, Recorded(n.originator_version, dt.datetime.fromisoformat(raw["recorded_at"]),
                              payload.get("recorded_by", ""), event)
        start = page[-1].id + 1


def rebuild(app: Any, progress: Callable[[int], None] | None = None) -> int:
    """Drop and rebuild every read model from the log in one transaction; return the event count."""
    session = app.recorder.datastore.session_maker()
    try:
        conn = lock(session)
        for table in (ledger_index, *READ_MODELS):
            conn.execute(delete(table))
        corrected: set[str] = set()
        touched: set[tuple[str, str]] = set()
        batch: list[tuple[Recorded, tuple[str, str]]] = []
        count = 0

        def flush() -> None:
            corrected.update(index_batch(conn, batch))
            if progress is not None:
                progress(len(batch))
            batch.clear()

        for _, rec in stored(app):
            ev = rec.event
            if isinstance(ev, CorrectionEvent):
                if batch:
                    flush()  # its target must be indexed to know its subject
                subject = event_subject(conn, ev.target) or ("event", str(ev.target))
            else:
                subject = ev.subject_key()
            batch.append((rec, subject))
            touched.add(subject)
            count += 1
            if len(batch) >= PAGE:
                flush()
        if batch:
            flush()
        finish(conn, corrected, touched, count)
        session.commit()
        return count
    finally:
        session.close()


def verify(app: Any, digest: str | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Check the chain, the positions and the read models; raise IntegrityFailure at the first problem."""
    engine = app.recorder.datastore.engine
    with engine.connect() as conn:
        chain = dict(conn.execute(select(ledger_chain.c.position, ledger_chain.c.digest)).all())
        index = {r.position: r for r in conn.execute(select(ledger_index)).all()}
        intervals = {}
        for r in conn.execute(select(measure_intervals)).all():
            intervals.setdefault(r.measure, []).append((r.valid_from, r.valid_to, r.view))

    previous, expected, seen_digest = GENESIS, 0, digest is None
    records: list[Recorded] = []
    for n, rec in stored(app):
        expected += 1
        if n.originator_id != LEDGER_STREAM or n.originator_version != expected:
            raise IntegrityFailure(expected, f"stored event out of sequence (found version {n.originator_version}): "
                                             "a row was deleted, inserted or moved")
        previous = link(previous, n.topic, n.state)
        if chain.get(expected) != previous:
            raise IntegrityFailure(expected, "hash chain mismatch: the stored event was edited, inserted or reordered")
        if digest is not None and previous == digest.lower():
            seen_digest = True
        row = index.get(expected)
        if row is None or row.event_id != str(rec.id) or json.loads(row.payload) != rec.event.payload():
            raise IntegrityFailure(expected, "read model ledger_index differs from the stored event")
        records.append(rec)
        if progress is not None:
            progress(1)
    if len(chain) != expected:
        raise IntegrityFailure(expected + 1, f"the chain has {len(chain)} links for {expected} stored events: "
                                             "events were deleted")
    if len(index) != expected:
        raise IntegrityFailure(expected + 1, "read model ledger_index has rows for events that are not stored")
    if not seen_digest:
        raise IntegrityFailure(None, f"the log does not extend digest {digest}: history was rewritten")
    _compare_read_models(records, index, intervals)
    return {"ok": True, "events": expected, "digest": previous}


def _compare_read_models(records: list[Recorded], index: dict[int, Any], intervals: dict[str, list[Any]]) -> None:
    live = effective_events(records)
    live_by_position = {r.position: r for r in live}
    for position, row in sorted(index.items()):
        rec = live_by_position.get(position)
        want = None if rec is None else rec.event.payload()
        have = None if row.current is None else json.loads(row.current)
        if row.target is None and want != have:
            raise IntegrityFailure(position, "read model differs from a full replay (corrections applied)")
    for (kind, slug), events in sorted(by_subject(live).items()):
        if kind != "measure":
            continue
        want_rows = [(iv.valid_from.isoformat(), iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
                      dumps(measure_json(iv.view))) for iv in measure_timeline(events)]
        have_rows = sorted(intervals.pop(slug, []))
        if want_rows != have_rows:
            raise IntegrityFailure(events[-1].position, f"measure_intervals for {slug!r} differ from a full replay")
    if any(intervals.values()):
        stray = sorted(k for k, v in intervals.items() if v)[0]
        raise IntegrityFailure(None, f"measure_intervals holds rows for {stray!r}, which the log does not have")
