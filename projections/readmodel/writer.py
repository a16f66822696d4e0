"""Writing the read models, inside the transaction that appends the events they reflect.

For each appended batch: index rows go in, corrections rewrite the ``current``
form of their targets, and every subject the batch touches (a measure, track,
summit, or the subject of a corrected event) is refolded from its own events
only — so the cost follows the subject's history, never the ledger's.
``rebuild`` runs the same code over the whole log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select, update

from events.correction import CorrectionEvent
from events.registry import EVENT_TYPES
from events.summit import SummitScheduled
from events.talks import ProposalSubmitted, TalksOpened
from projections.measures import measure_timeline
from projections.readmodel.tables import (
    OPEN_END,
    ledger_index,
    ledger_meta,
    measure_intervals,
    subjects,
)
from projections.recorded import Recorded, effective_events
from projections.shapes import measure_json

Subject = tuple[str, str]
CORRECTION_TYPES = tuple(t for t, c in EVENT_TYPES.items() if issubclass(c, CorrectionEvent))


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def record_from_row(row: Any, column: str = "current") -> Recorded:
    payload = json.loads(getattr(row, column))
    return Recorded(
        position=row.position,
        recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        recorded_by=row.recorded_by,
        event=EVENT_TYPES[payload["type"]].model_validate(payload),
    )


def index_row(rec: Recorded, subject: Subject) -> dict[str, Any]:
    ev = rec.event
    payload = dumps(ev.payload())
    return {
        "position": rec.position,
        "event_id": str(rec.id),
        "type": ev.type,
        "subject_kind": subject[0],
        "subject": subject[1],
        "target": str(ev.target) if isinstance(ev, CorrectionEvent) else None,
        "date": ev.date.isoformat(),
        "recorded_at": rec.recorded_at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
        "recorded_by": rec.recorded_by,
        "payload": payload,
        "current": None if isinstance(ev, CorrectionEvent) else payload,
    }


def recompute_current(conn: Connection, base_ids: set[str]) -> None:
    """Set ``current`` of each base event to its payload with every live correction applied."""
    if not base_ids:
        return
    ids = sorted(base_ids)
    base_rows = conn.execute(select(ledger_index).where(ledger_index.c.event_id.in_(ids))).all()
    fixes = conn.execute(select(ledger_index).where(ledger_index.c.target.in_(ids))).all()
    fix_ids = [r.event_id for r in fixes]
    undo = conn.execute(select(ledger_index).where(ledger_index.c.target.in_(fix_ids))).all() if fix_ids else []
    records = [record_from_row(r, "payload") for r in (*base_rows, *fixes, *undo)]
    records.sort(key=lambda r: r.position)
    live = {str(r.id): r for r in effective_events(records)}
    for row in base_rows:
        rec = live.get(row.event_id)
        current = dumps(rec.event.payload()) if rec is not None else None
        conn.execute(update(ledger_index).where(ledger_index.c.position == row.position).values(current=current))


def subject_records(conn: Connection, kind: str, slug: str) -> list[Recorded]:
    """A subject's live events (corrections applied, retracted ones left out), in record order."""
    rows = conn.execute(
        select(ledger_index)
        .where(ledger_index.c.subject_kind == kind, ledger_index.c.subject == slug,
               ledger_index.c.current.is_not(None))
        .order_by(ledger_index.c.position)
    ).all()
    return [record_from_row(r) for r in rows]


def _upsert_subject(conn: Connection, kind: str, slug: str, position: int, facts: dict[str, Any]) -> None:
    conn.execute(delete(subjects).where(subjects.c.kind == kind, subjects.c.slug == slug))
    conn.execute(insert(subjects).values(kind=kind, slug=slug, position=position, facts=dumps(facts)))


def _refresh_measure(conn: Connection, slug: str) -> None:
    records = subject_records(conn, "measure", slug)
    conn.execute(delete(measure_intervals).where(measure_intervals.c.measure == slug))
    rows = [
        {
            "measure": slug,
            "valid_from": iv.valid_from.isoformat(),
            "valid_to": iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
            "imposer": iv.view.imposer,
            "status": iv.view.status,
            "view": dumps(measure_json(iv.view)),
        }
        for iv in measure_timeline(records)
    ]
    if rows:
        conn.execute(insert(measure_intervals), rows)
    if records:
        first = records[0]
        _upsert_subject(conn, "measure", slug, first.position, {"imposer": getattr(first.event, "imposer", None)})


def _refresh_track(conn: Connection, slug: str) -> None:
    records = subject_records(conn, "track", slug)
    opened = next((r for r in records if isinstance(r.event, TalksOpened)), None)
    if opened is not None:
        ev = opened.event
        _upsert_subject(conn, "track", slug, opened.position,
                        {"parties": list(ev.parties), "opened_on": ev.date.isoformat()})  # type: ignore[attr-defined]
    for rec in records:
        if isinstance(rec.event, ProposalSubmitted):
            key = f"{slug}/{rec.event.proposal}"
            if conn.execute(select(subjects.c.slug).where(subjects.c.kind == "proposal", subjects.c.slug == key)).first() is None:
                _upsert_subject(conn, "proposal", key, rec.position, {})


def _refresh_summit(conn: Connection, slug: str) -> None:
    records = subject_records(conn, "summit", slug)
    schedules = [r for r in records if isinstance(r.event, SummitScheduled)]
    if schedules:
        tracks = sorted({t for r in schedules for t in (r.event.tracks or ())})  # type: ignore[attr-defined]
        _upsert_subject(conn, "summit", slug, schedules[0].position, {"tracks": tracks})


_REFRESH = {"measure": _refresh_measure, "track": _refresh_track, "summit": _refresh_summit}


def index_batch(conn: Connection, batch: Sequence[tuple[Recorded, Subject]]) -> set[str]:
    """Insert index rows; return the ids of the base events that corrections in the batch are about."""
    conn.execute(insert(ledger_index), [index_row(rec, subject) for rec, subject in batch])
    return {base_target(conn, str(rec.event.target)) for rec, _ in batch if isinstance(rec.event, CorrectionEvent)}


def finish(conn: Connection, corrected: set[str], touched: Iterable[Subject], position: int) -> None:
    """Apply corrections to their targets, refold the touched subjects, note the position reached."""
    recompute_current(conn, corrected)
    refresh_subjects(conn, touched)
    set_meta(conn, "position", str(position))


def apply_batch(conn: Connection, batch: Sequence[tuple[Recorded, Subject]]) -> None:
    """Index a batch of newly stored events and refold every subject it touches."""
    corrected = index_batch(conn, batch)
    finish(conn, corrected, {subject for _, subject in batch}, batch[-1][0].position)


def base_target(conn: Connection, event_id: str) -> str:
    """The non-correction event a correction (or a retraction of one) is ultimately about."""
    row = conn.execute(select(ledger_index.c.type, ledger_index.c.target).where(ledger_index.c.event_id == event_id)).first()
    if row is not None and row.type in CORRECTION_TYPES and row.target is not None:
        return base_target(conn, row.target)
    return event_id


def refresh_subjects(conn: Connection, touched: Iterable[Subject]) -> None:
    for kind, slug in sorted(set(touched)):
        refresh = _REFRESH.get(kind)
        if refresh is not None:
            refresh(conn, slug)


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(ledger_meta).where(ledger_meta.c.key == key))
    conn.execute(insert(ledger_meta).values(key=key, value=value))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()


def event_subject(conn: Connection, event_id: UUID | str) -> Subject | None:
    row = conn.execute(
        select(ledger_index.c.subject_kind, ledger_index.c.subject).where(ledger_index.c.event_id == str(event_id))
    ).first()
    return (row.subject_kind, row.subject) if row is not None else None
