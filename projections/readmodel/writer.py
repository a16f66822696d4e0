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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import orjson

from events.codes import Subject
from events.registry import CORRECTION_TYPES
from projections.inorder import InOrder
from projections.readmodel.layout import (
    LIVE,
    RETRACTED,
    TableDef,
    bytewise,
    ledger_index,
    reads_as,
    subjects,
    with_log,
)
from projections.readmodel.queries import WriteDb, base_target, in_chunks, index_rows_sql, postgres, record_from_row
from projections.readmodel.reads import named_rows
from projections.readmodel.registry import READ_MODELS, Folded, Live, ReadModel, dumps, introductions, subject_row
from projections.recorded import effective_events


def bulk_insert(db: WriteDb, table: TableDef, rows: Sequence[dict[str, Any]]) -> None:
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
    insert_tuples(db, table.name, columns, tuples)


def insert_tuples(db: WriteDb, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as tuples into ``table``'s ``columns``. On PostgreSQL through ``COPY … FROM STDIN``: one
    stream for the batch, where a pipelined ``executemany`` cost ~40 µs of client CPU per row."""
    if not rows:
        return
    cursor = db.cursor()
    try:
        if db.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    finally:
        cursor.close()


#: ``ledger_index``'s columns, in the order :func:`index_tuple` gives them.
INDEX_COLUMNS = ledger_index.columns


def index_tuple(position: int, recorded_at: str, payload: Mapping[str, Any], subject: Subject) -> tuple[Any, ...]:
    """The index row of a stored event, from its interchange payload (no model needed), in
    :data:`INDEX_COLUMNS` order: what the driver inserts, without a dict per event on the way."""
    target = payload.get("target") if payload["type"] in CORRECTION_TYPES else None
    return (position, payload["id"], payload["type"], subject[0], subject[1], target, payload["date"], recorded_at,
            payload.get("recorded_by", ""), None)


def index_row(position: int, recorded_at: str, payload: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    """:func:`index_tuple` by column name."""
    return dict(zip(INDEX_COLUMNS, index_tuple(position, recorded_at, payload, subject), strict=True))


def insert_rows(db: WriteDb, rows: Sequence[dict[str, Any]], payloads: Sequence[Mapping[str, Any]],
                introduced: set[Subject] | None = None) -> set[str]:
    """Insert index rows and register what they introduce; return the base events corrections are about."""
    return insert_index(db, [tuple(row[c] for c in INDEX_COLUMNS) for row in rows], payloads, introduced)


def insert_index(db: WriteDb, rows: Sequence[tuple[Any, ...]], payloads: Sequence[Mapping[str, Any]],
                 introduced: set[Subject] | None = None) -> set[str]:
    """:func:`insert_rows` for rows as :func:`index_tuple` gives them."""
    return insert_indexed(db, rows, introductions(
        (row[0], payload, (row[3], row[4])) for row, payload in zip(rows, payloads, strict=True)), introduced)


def insert_indexed(db: WriteDb, rows: Sequence[tuple[Any, ...]], new: Mapping[Subject, int],
                   introduced: set[Subject] | None = None) -> set[str]:
    """Insert index rows and register the subjects they introduce (``new``: :func:`introductions` of their
    events, worked out by the caller; ``introduced`` as for :func:`register_subjects`); return the base
    events corrections are about."""
    insert_tuples(db, ledger_index.name, INDEX_COLUMNS, rows)
    _register(db, new, introduced)
    return {base_target(db, row[5]) for row in rows if row[5] is not None}


def current_text(reads: Mapping[str, Any] | None, recorded: Mapping[str, Any]) -> str | None:
    """``ledger_index.current`` of an event recorded as ``recorded`` that reads as ``reads`` now (None once
    retracted): nothing where corrections leave it as recorded, JSON null once retracted, else the corrected
    JSON. The writer stores it, ``verify`` expects it (``ledger.replay``)."""
    if reads is None:
        return RETRACTED
    return None if reads == recorded else dumps(reads)


def recompute_current(db: WriteDb, base_ids: set[str]) -> None:
    """Set ``current`` of each base event to its payload with every live correction applied."""
    if not base_ids:
        return
    ids = sorted(base_ids)
    select = index_rows_sql(db)
    base_rows = [r for part in in_chunks(ids)
                 for r in named_rows(db, f"{select} WHERE event_id IN (:ids)", ids=part)]
    # Corrections, retractions of them, retractions of those…: follow the chain to any depth.
    tree: list[Any] = []
    frontier = ids
    while frontier:
        level = [r for part in in_chunks(frontier)
                 for r in named_rows(db, f"{select} WHERE target IN (:ids)", ids=part)]
        tree.extend(level)
        frontier = [r.event_id for r in level]
    records = [record_from_row(r) for r in (*base_rows, *tree)]
    records.sort(key=lambda r: r.position)
    live = {str(r.id): r for r in effective_events(records)}
    mark = db.placeholder
    for row in base_rows:
        rec = live.get(row.event_id)
        current = current_text(rec.event.payload() if rec is not None else None, orjson.loads(row.payload))
        if current != row.current:
            execute(db, f"UPDATE ledger_index SET current = {mark} WHERE position = {mark}", (current, row.position))


def register_subjects(db: WriteDb, rows: Sequence[dict[str, Any]], payloads: Sequence[Mapping[str, Any]],
                      introduced: set[Subject] | None = None) -> None:
    """Record every subject these index rows introduce, once, whatever later corrections do.

    The rule (:func:`~projections.readmodel.registry.introductions`) is the one ``verify``
    replays; here only the subjects not yet registered are added. ``introduced``, when given,
    is everything the table holds (the caller began from an empty one): it is asked instead of
    the table, and the new subjects are added to it.
    """
    _register(db, introductions((row["position"], payload, (row["subject_kind"], row["subject"]))
                                  for row, payload in zip(rows, payloads, strict=True)), introduced)


def _register(db: WriteDb, new: Mapping[Subject, int], introduced: set[Subject] | None = None) -> None:
    if introduced is not None:
        fresh = {s: p for s, p in new.items() if s not in introduced}
        introduced.update(fresh)
        bulk_insert(db, subjects, [subject_row(s, p) for s, p in fresh.items()])
        return
    by_kind: dict[str, list[str]] = {}
    for kind, slug in new:
        by_kind.setdefault(kind, []).append(slug)
    known: set[Subject] = set()
    mark = db.placeholder
    for kind, slugs in by_kind.items():
        for part in in_chunks(slugs):
            sql = f"SELECT slug FROM subjects WHERE kind = {mark} AND slug IN ({_marks(db, len(part))})"
            known.update((kind, slug) for (slug,) in fetch(db, sql, [kind, *part]))
    bulk_insert(db, subjects, [subject_row(s, p) for s, p in new.items() if s not in known])


def fetch(db: WriteDb, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of one query as the driver's tuples (no per-row result processing)."""
    cursor = db.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def _marks(db: WriteDb, n: int) -> str:
    return ", ".join([db.placeholder] * n)


REFOLD_SLICE = 500
#: A refold of more subjects than this goes to the worker pool when one is given; below it, shipping the
#: events to another process and the rows back costs more than the fold (an ordinary append's refold).
PARALLEL_MIN = 2 * REFOLD_SLICE
#: An event being appended: its position, record time, interchange JSON and subject.
Pending = tuple[int, dt.datetime, Mapping[str, Any], Subject]
#: A subject's live event as the refold ships it: its position and its interchange JSON, either still the
#: text read from ``ledger_index.current`` (decoded where it is folded, once) or already a mapping (held).
LiveText = tuple[int, "str | Mapping[str, Any]"]
#: What a slice of subjects gives the read models: per table name, its rows as tuples in column order.
SliceRows = dict[str, list[tuple[Any, ...]]]


def live_events(db: WriteDb, kind: str, slugs: Sequence[str],
                held: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, list[Live]]:
    """The live events of these subjects (``current``, corrections applied), as plain JSON in record order.

    Each row is decoded by orjson, never into a model: the events were validated when
    appended, and the folds read plain data. ``held``: events of this append by position,
    known to read as recorded (no correction touched them); they are taken as they are,
    and only the others are read back.
    """
    return {slug: _decoded(events) for slug, events in live_texts(db, kind, slugs, held).items()}


def live_texts(db: WriteDb, kind: str, slugs: Sequence[str],
               held: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, list[LiveText]]:
    """As :func:`live_events`, but each event read back is left as its stored text.

    A parallel refold ships these to a worker, which decodes them: text pickles as one copy of
    bytes, where a decoded event would be pickled field by field and decoded twice.
    """
    mark = db.placeholder
    pg = postgres(db)
    out: dict[str, list[LiveText]] = {}
    for part in in_chunks(slugs):
        where = f"subject_kind = {mark} AND subject IN ({_marks(db, len(part))})"
        if not held:
            sql = (f"SELECT subject, position, {reads_as(pg)} FROM {with_log(pg)} WHERE {where} AND {LIVE} "
                   "ORDER BY subject, position")
            for slug, position, current in fetch(db, sql, [kind, *part]):
                out.setdefault(slug, []).append((position, current))
            continue
        # Positions from the subject index alone; the table only for events not held.
        found = fetch(db, f"SELECT subject, position FROM ledger_index WHERE {where} ORDER BY subject, position",
                      [kind, *part])
        texts: dict[int, str] = {}
        for some in in_chunks([p for _, p in found if p not in held]):
            sql = (f"SELECT position, {reads_as(pg)} FROM {with_log(pg)} WHERE position IN ({_marks(db, len(some))}) "
                   f"AND {LIVE}")
            texts.update(fetch(db, sql, some))
        for slug, position in found:
            event: str | Mapping[str, Any] | None = held.get(position)
            if event is None:
                event = texts.get(position)
                if event is None:
                    continue  # retracted, or a correction: not live
            out.setdefault(slug, []).append((position, event))
    return out


def _decoded(events: Sequence[LiveText]) -> list[Live]:
    return [(p, orjson.loads(e) if isinstance(e, str) else e) for p, e in events]


def _refolded(kind: str) -> list[ReadModel]:
    """The read models whose rows are replaced when a subject of ``kind`` is refolded."""
    return [m for m in READ_MODELS if m.refold and kind in m.kinds]


def fold_slice(kind: str, groups: Sequence[tuple[str, Sequence[LiveText]]]) -> SliceRows:
    """Fold each subject of a slice and return every refolded read model's rows as tuples.

    The one fold of a refold, in-process or in a worker process (it is picklable and touches no
    database): decode each event once, apply the registry's rules, and lay each row out in its
    table's column order, ready for :func:`insert_tuples`.
    """
    models = _refolded(kind)
    out: SliceRows = {m.table.name: [] for m in models}
    # itemgetter lays a row out in C; every refolded table has several columns, so it gives a tuple.
    rules = [(m.rows, itemgetter(*m.columns), out[m.table.name]) for m in models]
    for slug, events in groups:
        folded = Folded(kind, slug, _decoded(events))  # one per subject: its models share the timeline
        for rule, pick, rows in rules:
            rows.extend(map(pick, rule(folded)))
    return out


def _slice_groups(texts: Mapping[str, list[LiveText]], slugs: Sequence[str]) -> list[tuple[str, list[LiveText]]]:
    return [(slug, texts.get(slug, [])) for slug in slugs]


def _store_slice(db: WriteDb, kind: str, slugs: Sequence[str], rows: SliceRows, replace_rows: bool) -> None:
    """Replace the rows of these subjects in every read model refolded from ``kind``'s events."""
    for model in _refolded(kind):
        if replace_rows:
            column = model.owner_column
            for part in in_chunks(slugs):
                execute(db, f"DELETE FROM {model.table.name} WHERE {column} IN ({_marks(db, len(part))})", part)
        insert_tuples(db, model.table.name, model.columns, rows[model.table.name])


def execute(db: WriteDb, sql: str, params: Sequence[Any] = ()) -> None:
    cursor = db.cursor()
    try:
        cursor.execute(sql, tuple(params))
    finally:
        cursor.close()


def index_batch(db: WriteDb, batch: Sequence[Pending], introduced: set[Subject] | None = None) -> set[str]:
    """Insert the index rows of ``(position, record time, payload, subject)``; return the ids of the
    base events that corrections in the batch are about."""
    # One append stamps all its events with one record time: format each distinct time once.
    stamps = {at: at.astimezone(dt.UTC).isoformat(timespec="microseconds") for at in {at for _, at, _, _ in batch}}
    rows = [index_tuple(position, stamps[at], payload, subject) for position, at, payload, subject in batch]
    return insert_index(db, rows, [payload for _, _, payload, _ in batch], introduced)


def finish(db: WriteDb, corrected: set[str], touched: Iterable[Subject], position: int,
           replace_rows: bool = True, pool: Executor | None = None) -> None:
    """Apply corrections to their targets, refold the touched subjects, note the position reached."""
    recompute_current(db, corrected)
    refold(db, touched, position, replace_rows, pool=pool)


def refold(db: WriteDb, touched: Iterable[Subject], position: int, replace_rows: bool = True,
           held: Mapping[int, Mapping[str, Any]] | None = None, pool: Executor | None = None,
           scan: bool = False) -> None:
    """Refold the touched subjects and note the position the read models now reflect.

    ``held`` must hold only events that no correction has changed since they were written.
    ``pool``: worker processes for the folds of a large refold (:func:`refresh_subjects`).
    ``scan``: read the events in one sorted pass over the whole index (:class:`SortedScan`).
    """
    refresh_subjects(db, touched, replace_rows, held, pool=pool, scan=scan)
    set_meta(db, "position", str(position))


def index_and_correct(db: WriteDb, batch: Sequence[Pending], introduced: set[Subject] | None = None) -> set[str]:
    """Index a batch of newly stored events and apply its corrections; return the corrected event ids.

    The subjects the batch touches are refolded later, once per append (:func:`refold`):
    checks of later lines read the index and ``subjects``, never the folded intervals.
    """
    corrected = index_batch(db, batch, introduced)
    recompute_current(db, corrected)
    return corrected


def refresh_subjects(db: WriteDb, touched: Iterable[Subject], replace_rows: bool = True,
                     held: Mapping[int, Mapping[str, Any]] | None = None, pool: Executor | None = None,
                     scan: bool = False) -> None:
    """Refold every touched subject from its own live events (batched per kind).

    ``replace_rows`` False: the read models hold no rows for these subjects yet (a rebuild
    emptied them), so there is nothing to delete first. ``pool``: when given and the refold is
    large (more than :data:`PARALLEL_MIN` subjects of a kind), slices are folded by its worker
    processes while this process reads the next slices and inserts the rows of the finished ones;
    the rows, and the order they are inserted in, are the same as without it. ``scan``: the
    events come from one :class:`SortedScan` of the whole index instead of a lookup per slice
    (``held`` is then not consulted).
    """
    by_kind: dict[str, list[str]] = {}
    for kind, slug in sorted(set(touched)):
        by_kind.setdefault(kind, []).append(slug)
    sorted_scan = SortedScan(db) if scan else None
    try:
        for kind, slugs in by_kind.items():
            if not _refolded(kind):
                continue

            def texts_of(part: list[str], kind: str = kind) -> dict[str, list[LiveText]]:
                return sorted_scan.take(kind, part) if sorted_scan else live_texts(db, kind, part, held)

            # In slices, so memory follows the slice, not the ledger (a rebuild touches every subject).
            parts = in_chunks(slugs, REFOLD_SLICE)
            if pool is not None and len(slugs) > PARALLEL_MIN:
                _refold_parallel(db, kind, parts, texts_of, replace_rows, pool)
                continue
            for part in parts:
                _store_slice(db, kind, part, fold_slice(kind, _slice_groups(texts_of(part), part)), replace_rows)
    finally:
        if sorted_scan is not None:
            # After a failed statement too: closing the cursor then does not replace the error (tested).
            sorted_scan.close()


def _refold_parallel(db: WriteDb, kind: str, parts: Iterable[list[str]],
                     texts_of: Callable[[list[str]], Mapping[str, list[LiveText]]], replace_rows: bool,
                     pool: Executor) -> None:
    """Fold slices in the pool while this process reads the next ones and inserts the finished ones, in order."""
    calls: InOrder[list[str], SliceRows] = InOrder(
        pool, lambda part, rows: _store_slice(db, kind, part, rows, replace_rows))
    for part in parts:
        calls.put(part, fold_slice, kind, _slice_groups(texts_of(part), part))
    calls.drain()


class SortedScan:
    """Every live event of ``ledger_index`` as its text, in (kind, subject, position) order: one pass over the
    table, sorted by the database, handed out slice by slice to a refold of (nearly) every subject: a large
    import into an empty ledger, or an append larger than its ledger (``ledger.append``).

    The refold otherwise looks each slice's events up through the subject index, a random read of the table
    per event: 7.2 of a 1M SQLite import's 61 s (docs/performance.md). The sort spills to temporary files
    (SQLite) or the server's (PostgreSQL), so memory stays bounded, and the append need not hold its events
    for the refold. ``take`` must be asked for slices in that order; a subject it is not asked for is passed
    over.
    """

    BATCH = 2000
    SORT_CACHE_KB = 32 * 1024

    def __init__(self, db: WriteDb) -> None:
        sqlite = db.dialect == "sqlite"
        # NOT INDEXED: through the subject index SQLite would skip the sort and read the table row by row. Slugs
        # are ordered as Python orders str (layout.bytewise).
        source, collate = with_log(not sqlite, " NOT INDEXED" if sqlite else ""), bytewise(not sqlite)
        # A server-side cursor on PostgreSQL, fetched a batch at a time (SQLite's cursor already steps).
        self.cursor = db.cursor(stream="ledger_sorted_scan")
        with _sort_cache(db, self.SORT_CACHE_KB):
            self.cursor.execute(f"SELECT subject_kind, subject, position, {reads_as(not sqlite)} FROM {source} "
                                f"WHERE {LIVE} "
                                f"ORDER BY subject_kind{collate}, subject{collate}, position")
            self.rows: list[tuple[str, str, int, str]] = self.cursor.fetchmany(self.BATCH)  # the sort runs here
        self.at = 0

    def _next(self) -> tuple[str, str, int, str] | None:
        if self.at == len(self.rows) and self.rows:  # an empty batch: the scan has ended
            self.rows, self.at = self.cursor.fetchmany(self.BATCH), 0
        return self.rows[self.at] if self.at < len(self.rows) else None

    def take(self, kind: str, slugs: Sequence[str]) -> dict[str, list[LiveText]]:
        """The live events of ``slugs`` (sorted, after every slice taken before), by subject."""
        wanted = set(slugs)
        last = (kind, slugs[-1]) if slugs else (kind, "")
        out: dict[str, list[LiveText]] = {}
        while (row := self._next()) is not None and (row[0], row[1]) <= last:
            if row[0] == kind and row[1] in wanted:
                out.setdefault(row[1], []).append((row[2], row[3]))
            self.at += 1
        return out

    def close(self) -> None:
        self.cursor.close()


@contextmanager
def _sort_cache(db: WriteDb, kb: int) -> Iterator[None]:
    """SQLite: a page cache of ``kb`` while a sort runs, the caller's again afterwards (PostgreSQL: nothing).

    SQLite's sorter takes as much memory again as the page cache (128 MB for an append): a smaller cache while
    it sorts keeps an import's peak RSS lower than holding its events did (397 -> 343 MB at 1M).
    """
    if db.dialect != "sqlite":
        yield
        return
    cache = fetch(db, "PRAGMA cache_size")[0][0]
    execute(db, f"PRAGMA cache_size = -{kb}")
    try:
        yield
    finally:
        execute(db, f"PRAGMA cache_size = {cache}")


class DeferredIndexes:
    """A bulk load into empty read models (``rebuild``; an import into an empty SQLite ledger) drops their
    non-unique indexes and builds each again once, from sorted rows, rather than keeping it up to date row by
    row on random keys (slugs, dates): at 1M events those inserts were the largest part of an import's time.

    Kept: the unique keys (event ids: duplicate checks and correction targets are looked up by them) and the
    partial index of correction targets, which corrections consult while the load runs and which holds one
    row per correction only. A rebuild builds them in two steps: ``ledger_index``'s before the refold, which
    reads the events subject by subject, the other tables' after it; an import, whose refold reads one
    :class:`SortedScan`, builds them all at the end. Drops and builds are DDL inside the caller's
    transaction: a rollback puts the indexes back as they were, and other connections never see them gone.
    On PostgreSQL nothing is dropped.
    """

    def __init__(self, db: WriteDb) -> None:
        self.db = db
        # SQLite only: on PostgreSQL a writer role may load without owning the indexes, and DROP INDEX needs
        # the owner.
        self.pending = [index for table in (ledger_index, *(m.table for m in READ_MODELS))
                        for index in table.indexes if index.where is None] if db.dialect == "sqlite" else []
        for index in self.pending:
            execute(db, f"DROP INDEX IF EXISTS {index.name}")

    def build(self, table: TableDef | None = None) -> None:
        """Build the dropped indexes of ``table`` (all when None) that are not built yet."""
        for index in [i for i in self.pending if table is None or i.table == table.name]:
            execute(self.db, index.create_sql)
            self.pending.remove(index)


def set_meta(db: WriteDb, key: str, value: str) -> None:
    execute(db, f"DELETE FROM ledger_meta WHERE key = {db.placeholder}", (key,))
    execute(db, f"INSERT INTO ledger_meta (key, value) VALUES ({db.placeholder}, {db.placeholder})", (key, value))
