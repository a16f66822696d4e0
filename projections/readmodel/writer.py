"""Writing the read models, inside the transaction that appends the events they reflect.

For each appended batch: index rows go in, corrections rewrite the ``current``
form of their targets, and every subject the batch touches (a measure, track,
summit, or the subject of a corrected event) is refolded from its own events
only — so the cost follows the subject's history, never the ledger's.
``rebuild`` runs the same code over the whole log.

What rows a subject gives each read model is not decided here: the rules are
declared once in :mod:`projections.readmodel.registry`, and this module stores
what they return (``ledger verify`` replays the same rules and compares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from events.codes import Subject
from events.registry import CORRECTION_TYPES
from projections.readmodel.payload import index_text
from projections.readmodel.queries import base_target, in_chunks, record_from_row
from projections.readmodel.registry import READ_MODELS, Folded, Live, dumps, introductions, subject_row
from projections.readmodel.tables import ledger_index, ledger_meta, subjects
from projections.recorded import effective_events


def bulk_insert(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    SQLAlchemy's per-row parameter processing costs more than the insert itself on an
    import; these tables hold only strings and integers, so the rows go to the driver as
    tuples, in the same transaction.
    """
    if not rows:
        return
    columns = list(rows[0])
    # itemgetter builds each tuple in C: a generator per row cost more than the SQLite insert of the
    # narrower tables. One column gives a bare value, so it is wrapped.
    pick = itemgetter(*columns)
    tuples = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    insert_tuples(conn, table.name, columns, tuples)


def insert_tuples(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as tuples into ``table``'s ``columns``. On PostgreSQL through ``COPY … FROM STDIN``: one
    stream for the batch, where a pipelined ``executemany`` cost ~40 µs of client CPU per row."""
    if not rows:
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def index_row(position: int, recorded_at: str, payload: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    """The index row of a stored event, from its interchange payload (no model needed)."""
    text = index_text(payload)
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


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]], payloads: Sequence[Mapping[str, Any]],
                introduced: set[Subject] | None = None) -> set[str]:
    """Insert index rows and register what they introduce; return the base events corrections are about."""
    bulk_insert(conn, ledger_index, rows)
    register_subjects(conn, rows, payloads, introduced)
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


def register_subjects(conn: Connection, rows: Sequence[dict[str, Any]], payloads: Sequence[Mapping[str, Any]],
                      introduced: set[Subject] | None = None) -> None:
    """Record every subject these index rows introduce, once, whatever later corrections do.

    The rule (:func:`~projections.readmodel.registry.introductions`) is the one ``verify``
    replays; here only the subjects not yet registered are added. ``introduced``, when given,
    is everything the table holds (the caller began from an empty one): it is asked instead of
    the table, and the new subjects are added to it.
    """
    new = introductions((row["position"], payload, (row["subject_kind"], row["subject"]))
                        for row, payload in zip(rows, payloads, strict=True))
    if introduced is not None:
        fresh = {s: p for s, p in new.items() if s not in introduced}
        introduced.update(fresh)
        bulk_insert(conn, subjects, [subject_row(s, p) for s, p in fresh.items()])
        return
    by_kind: dict[str, list[str]] = {}
    for kind, slug in new:
        by_kind.setdefault(kind, []).append(slug)
    known: set[Subject] = set()
    mark = placeholder(conn)
    for kind, slugs in by_kind.items():
        for part in in_chunks(slugs):
            sql = f"SELECT slug FROM subjects WHERE kind = {mark} AND slug IN ({_marks(conn, len(part))})"
            known.update((kind, slug) for (slug,) in fetch(conn, sql, [kind, *part]))
    bulk_insert(conn, subjects, [subject_row(s, p) for s, p in new.items() if s not in known])


def placeholder(conn: Connection) -> str:
    """The driver's parameter mark: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


def fetch(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of one query as the driver's tuples (no per-row result processing)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def _marks(conn: Connection, n: int) -> str:
    return ", ".join([placeholder(conn)] * n)


REFOLD_SLICE = 500
#: An event being appended: its position, record time, interchange JSON and subject.
Pending = tuple[int, dt.datetime, Mapping[str, Any], Subject]


def live_events(conn: Connection, kind: str, slugs: Sequence[str],
                held: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, list[Live]]:
    """The live events of these subjects (``current``, corrections applied), as plain JSON in record order.

    Each row is decoded by orjson, never into a model: the events were validated when
    appended, and the folds read plain data. ``held``: events of this append by position,
    known to read as recorded (no correction touched them); they are taken as they are,
    and only the others are read back.
    """
    mark = placeholder(conn)
    out: dict[str, list[Live]] = {}
    for part in in_chunks(slugs):
        where = f"subject_kind = {mark} AND subject IN ({_marks(conn, len(part))})"
        if not held:
            sql = (f"SELECT subject, position, current FROM ledger_index WHERE {where} AND current IS NOT NULL "
                   "ORDER BY subject, position")
            for slug, position, current in fetch(conn, sql, [kind, *part]):
                out.setdefault(slug, []).append((position, orjson.loads(current)))
            continue
        # Positions from the subject index alone; the table only for events not held.
        found = fetch(conn, f"SELECT subject, position FROM ledger_index WHERE {where} ORDER BY subject, position",
                      [kind, *part])
        texts: dict[int, str] = {}
        for some in in_chunks([p for _, p in found if p not in held]):
            sql = (f"SELECT position, current FROM ledger_index WHERE position IN ({_marks(conn, len(some))}) "
                   "AND current IS NOT NULL")
            texts.update(fetch(conn, sql, some))
        for slug, position in found:
            payload = held.get(position)
            if payload is None:
                text = texts.get(position)
                if text is None:
                    continue  # retracted, or a correction: not live
                payload = orjson.loads(text)
            out.setdefault(slug, []).append((position, payload))
    return out


def _refresh(conn: Connection, kind: str, groups: dict[str, list[Live]], slugs: Sequence[str],
             replace_rows: bool) -> None:
    """Replace the rows of these subjects in every read model refolded from ``kind``'s events."""
    models = [m for m in READ_MODELS if m.refold and kind in m.kinds]
    rows: dict[str, list[dict[str, Any]]] = {m.table.name: [] for m in models}
    for slug in slugs:
        folded = Folded(kind, slug, groups.get(slug, []))
        for model in models:
            rows[model.table.name].extend(model.rows(folded))
    for model in models:
        if replace_rows:
            column = model.owner_column
            for part in in_chunks(slugs):
                execute(conn, f"DELETE FROM {model.table.name} WHERE {column} IN ({_marks(conn, len(part))})", part)
        bulk_insert(conn, model.table, rows[model.table.name])


def execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> None:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
    finally:
        cursor.close()


def index_batch(conn: Connection, batch: Sequence[Pending], introduced: set[Subject] | None = None) -> set[str]:
    """Insert the index rows of ``(position, record time, payload, subject)``; return the ids of the
    base events that corrections in the batch are about."""
    # One append stamps all its events with one record time: format each distinct time once.
    stamps = {at: at.astimezone(dt.UTC).isoformat(timespec="microseconds") for at in {at for _, at, _, _ in batch}}
    rows = [index_row(position, stamps[at], payload, subject) for position, at, payload, subject in batch]
    return insert_rows(conn, rows, [payload for _, _, payload, _ in batch], introduced)


def finish(conn: Connection, corrected: set[str], touched: Iterable[Subject], position: int,
           replace_rows: bool = True) -> None:
    """Apply corrections to their targets, refold the touched subjects, note the position reached."""
    recompute_current(conn, corrected)
    refold(conn, touched, position, replace_rows)


def refold(conn: Connection, touched: Iterable[Subject], position: int, replace_rows: bool = True,
           held: Mapping[int, Mapping[str, Any]] | None = None) -> None:
    """Refold the touched subjects and note the position the read models now reflect.

    ``held`` must hold only events that no correction has changed since they were written.
    """
    refresh_subjects(conn, touched, replace_rows, held)
    set_meta(conn, "position", str(position))


def index_and_correct(conn: Connection, batch: Sequence[Pending], introduced: set[Subject] | None = None) -> set[str]:
    """Index a batch of newly stored events and apply its corrections; return the corrected event ids.

    The subjects the batch touches are refolded later, once per append (:func:`refold`):
    checks of later lines read the index and ``subjects``, never the folded intervals.
    """
    corrected = index_batch(conn, batch, introduced)
    recompute_current(conn, corrected)
    return corrected


def refresh_subjects(conn: Connection, touched: Iterable[Subject], replace_rows: bool = True,
                     held: Mapping[int, Mapping[str, Any]] | None = None) -> None:
    """Refold every touched subject from its own live events (batched per kind).

    ``replace_rows`` False: the read models hold no rows for these subjects yet (a rebuild
    emptied them), so there is nothing to delete first.
    """
    by_kind: dict[str, list[str]] = {}
    for kind, slug in sorted(set(touched)):
        by_kind.setdefault(kind, []).append(slug)
    for kind, slugs in by_kind.items():
        if not any(m.refold and kind in m.kinds for m in READ_MODELS):
            continue
        # In slices, so memory follows the slice, not the ledger (a rebuild touches every subject).
        for part in in_chunks(slugs, REFOLD_SLICE):
            _refresh(conn, kind, live_events(conn, kind, part, held), part, replace_rows)


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(ledger_meta).where(ledger_meta.c.key == key))
    conn.execute(insert(ledger_meta).values(key=key, value=value))
