"""Writing the read models, inside the transaction that appends the events they reflect.

For each appended batch: index rows go in, corrections rewrite the ``current``
form of their targets, and every subject the batch touches (a measure, track,
summit, or the subject of a corrected event) is refolded from its own events
only — so the cost follows the subject's history, never the ledger's.
``rebuild`` runs the same code over the whole log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from events.codes import Subject
from events.registry import CORRECTION_TYPES, EVENT_TYPES
from events.summit import SummitScheduled
from events.talks import ProposalSubmitted, TalksOpened
from projections.measures import measure_timeline
from projections.readmodel.queries import base_target, in_chunks, load_subjects, record_from_row
from projections.readmodel.tables import (
    OPEN_END,
    ledger_index,
    ledger_meta,
    measure_intervals,
    measure_scope,
    subjects,
    summit_tracks,
    track_pairs,
    track_parties,
)
from projections.recorded import Recorded, effective_events
from projections.shapes import measure_json


def dumps(obj: Any) -> str:
    """Canonical JSON text (sorted keys, compact): equal content gives equal strings."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


def bulk_insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with the driver's executemany.

    SQLAlchemy's per-row parameter processing costs more than the insert itself on an
    import; these tables hold only strings and integers, so the rows go to the driver as
    tuples, in the same transaction.
    """
    if not rows:
        return
    columns = list(rows[0])
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])
    finally:
        cursor.close()


def index_row(position: int, recorded_at: str, payload: dict[str, Any], subject: Subject) -> dict[str, Any]:
    """The index row of a stored event, from its interchange payload (no model needed)."""
    text = dumps(payload)
    target = payload.get("target") if payload["type"] in CORRECTION_TYPES else None
    return {
        "position": position,
        "event_id": payload["id"],
        "type": payload["type"],
        "subject_kind": subject[0],
        "subject": subject[1],
        "target": target,
        "date": payload["date"],
        "recorded_at": recorded_at,
        "recorded_by": payload.get("recorded_by", ""),
        "payload": text,
        "current": None if target is not None else text,
    }


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]], payloads: Sequence[dict[str, Any]]) -> set[str]:
    """Insert index rows and register what they introduce; return the base events corrections are about."""
    bulk_insert(conn, ledger_index, rows)
    register_subjects(conn, rows, payloads)
    return {base_target(conn, row["target"]) for row in rows if row["target"] is not None}


def recompute_current(conn: Connection, base_ids: set[str]) -> None:
    """Set ``current`` of each base event to its payload with every live correction applied."""
    if not base_ids:
        return
    ids = sorted(base_ids)
    base_rows = conn.execute(select(ledger_index).where(ledger_index.c.event_id.in_(ids))).all()
    # Corrections, retractions of them, retractions of those…: follow the chain to any depth.
    tree: list[Any] = []
    frontier = ids
    while frontier:
        level = conn.execute(select(ledger_index).where(ledger_index.c.target.in_(frontier))).all()
        tree.extend(level)
        frontier = [r.event_id for r in level]
    records = [record_from_row(r, "payload") for r in (*base_rows, *tree)]
    records.sort(key=lambda r: r.position)
    live = {str(r.id): r for r in effective_events(records)}
    for row in base_rows:
        rec = live.get(row.event_id)
        current = dumps(rec.event.payload()) if rec is not None else None
        conn.execute(update(ledger_index).where(ledger_index.c.position == row.position).values(current=current))


REFOLD_SLICE = 500
PROPOSAL_TYPE = next(t for t, c in EVENT_TYPES.items() if c is ProposalSubmitted)


def introduction(payload: dict[str, Any], subject: Subject) -> Subject | None:
    """The subject an event introduces (an opener, or a proposal within its track), if any."""
    if EVENT_TYPES[payload["type"]].opens:
        return subject
    if payload["type"] == PROPOSAL_TYPE:
        return ("proposal", f"{payload['track']}/{payload['proposal']}")
    return None


def register_subjects(conn: Connection, rows: Sequence[dict[str, Any]], payloads: Sequence[dict[str, Any]]) -> None:
    """Record every subject these index rows introduce, once, whatever later corrections do.

    A subject stays introduced even if its opener is retracted: whether a later line
    about it is accepted must not depend on how appends were split into files.
    """
    new: dict[Subject, int] = {}
    for row, payload in zip(rows, payloads, strict=True):
        intro = introduction(payload, (row["subject_kind"], row["subject"]))
        if intro is not None:
            new.setdefault(intro, row["position"])
    by_kind: dict[str, list[str]] = {}
    for kind, slug in new:
        by_kind.setdefault(kind, []).append(slug)
    known: set[Subject] = set()
    for kind, slugs in by_kind.items():
        for part in in_chunks(slugs):
            query = select(subjects.c.slug).where(subjects.c.kind == kind, subjects.c.slug.in_(part))
            known.update((kind, slug) for slug in conn.execute(query).scalars())
    bulk_insert(conn, subjects, [{"kind": k, "slug": s_, "position": p, "facts": "{}"}
                                 for (k, s_), p in new.items() if (k, s_) not in known])


def _delete_where_in(conn: Connection, column: Any, values: Sequence[str], *extra: Any) -> None:
    for part in in_chunks(values):
        conn.execute(delete(column.table).where(column.in_(part), *extra))


def _refresh_measures(conn: Connection, groups: dict[str, list[Recorded]], slugs: Sequence[str]) -> None:
    _delete_where_in(conn, measure_intervals.c.measure, slugs)
    _delete_where_in(conn, measure_scope.c.measure, slugs)
    rows: list[dict[str, Any]] = []
    scope: list[dict[str, Any]] = []
    for slug in slugs:
        records = groups.get(slug, [])
        timeline = measure_timeline(records)
        named = {("p", v) for iv in timeline for v in iv.view.terms.partners}
        named |= {("h", v) for iv in timeline for v in iv.view.terms.products}
        if timeline:
            imposer = timeline[0].view.imposer
            scope.extend({"measure": slug, "imposer": imposer, "axis": a, "value": v} for a, v in sorted(named))
        for iv in timeline:
            rows.append({
                "measure": slug,
                "valid_from": iv.valid_from.isoformat(),
                "valid_to": iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
                "imposer": iv.view.imposer,
                "status": iv.view.status,
                "view": dumps(measure_json(iv.view)),
            })
    bulk_insert(conn, measure_intervals, rows)
    bulk_insert(conn, measure_scope, scope)


def _refresh_tracks(conn: Connection, groups: dict[str, list[Recorded]], slugs: Sequence[str]) -> None:
    parties: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    _delete_where_in(conn, track_parties.c.track, slugs)
    _delete_where_in(conn, track_pairs.c.track, slugs)
    for slug in slugs:
        records = groups.get(slug, [])
        opened = next((r for r in records if isinstance(r.event, TalksOpened)), None)
        if opened is not None:
            ev = opened.event
            assert isinstance(ev, TalksOpened)
            day = ev.date.isoformat()
            parties.extend({"track": slug, "party": p, "opened_on": day} for p in ev.parties)
            pairs.extend({"track": slug, "party": p, "other": o, "opened_on": day}
                         for p in ev.parties for o in ev.parties if p != o)
    bulk_insert(conn, track_parties, parties)
    bulk_insert(conn, track_pairs, pairs)


def _refresh_summits(conn: Connection, groups: dict[str, list[Recorded]], slugs: Sequence[str]) -> None:
    links: list[dict[str, Any]] = []
    _delete_where_in(conn, summit_tracks.c.summit, slugs)
    for slug in slugs:
        schedules = [r for r in groups.get(slug, []) if isinstance(r.event, SummitScheduled)]
        if schedules:
            tracks = sorted({t for r in schedules for t in (r.event.tracks or ())})  # type: ignore[attr-defined]
            links.extend({"summit": slug, "track": t} for t in tracks)
    bulk_insert(conn, summit_tracks, links)


_REFRESH = {"measure": _refresh_measures, "track": _refresh_tracks, "summit": _refresh_summits}


def index_batch(
    conn: Connection, batch: Sequence[tuple[Recorded, Subject]], payloads: Sequence[dict[str, Any]] | None = None
) -> set[str]:
    """Insert index rows; return the ids of the base events that corrections in the batch are about."""
    data = payloads if payloads is not None else [rec.event.payload() for rec, _ in batch]
    rows = [index_row(rec.position, rec.recorded_at.astimezone(dt.UTC).isoformat(timespec="microseconds"), d, subject)
            for (rec, subject), d in zip(batch, data, strict=True)]
    return insert_rows(conn, rows, data)


def finish(conn: Connection, corrected: set[str], touched: Iterable[Subject], position: int,
           fresh: dict[int, Recorded] | None = None) -> None:
    """Apply corrections to their targets, refold the touched subjects, note the position reached."""
    recompute_current(conn, corrected)
    refold(conn, touched, position, fresh)


def refold(conn: Connection, touched: Iterable[Subject], position: int,
           fresh: dict[int, Recorded] | None = None) -> None:
    """Refold the touched subjects and note the position the read models now reflect.

    ``fresh`` must hold only events that no correction has changed since they were written.
    """
    refresh_subjects(conn, touched, fresh)
    set_meta(conn, "position", str(position))


def index_and_correct(
    conn: Connection, batch: Sequence[tuple[Recorded, Subject]], payloads: Sequence[dict[str, Any]] | None = None
) -> set[str]:
    """Index a batch of newly stored events and apply its corrections; return the corrected event ids.

    The subjects the batch touches are refolded later, once per append (:func:`refold`):
    checks of later lines read the index and ``subjects``, never the folded intervals.
    """
    corrected = index_batch(conn, batch, payloads)
    recompute_current(conn, corrected)
    return corrected


def refresh_subjects(conn: Connection, touched: Iterable[Subject], fresh: dict[int, Recorded] | None = None) -> None:
    """Refold every touched subject from its own events (batched per kind)."""
    by_kind: dict[str, list[str]] = {}
    for kind, slug in sorted(set(touched)):
        by_kind.setdefault(kind, []).append(slug)
    for kind, slugs in by_kind.items():
        refresh = _REFRESH.get(kind)
        # In slices, so memory follows the slice, not the ledger (a rebuild touches every subject).
        for i in range(0, len(slugs), REFOLD_SLICE) if refresh is not None else ():
            part = slugs[i : i + REFOLD_SLICE]
            refresh(conn, load_subjects(conn, kind, part, fresh), part)  # type: ignore[misc]


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(ledger_meta).where(ledger_meta.c.key == key))
    conn.execute(insert(ledger_meta).values(key=key, value=value))
