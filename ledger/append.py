"""Appending: one all-or-nothing transaction that stores events, extends the chain and updates read models.

Inside the transaction, in this order:

1. take the ledger's write lock (``BEGIN IMMEDIATE`` on SQLite, an exclusive
   table lock on PostgreSQL), so writers queue instead of interleaving;
2. read the head (last position, chain digest, record time);
3. per chunk of lines: parse, check against the ledger and earlier lines,
   then store through the library's recorder (versions head+1…, which its
   unique index guards), chain and index the chunk, refold the subjects it touched;
4. any bad line anywhere: roll everything back and report every problem.

Record time is taken after the lock, and never goes backwards, so record
order and record time agree: ``--known-at`` cuts the log at a prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

from events.errors import BadInput, InputError
from events.registry import CORRECTION_TYPES, EVENT_TYPES
from ledger.chain import GENESIS, link
from ledger.checks import Checker
from ledger.intake import chunks
from ledger.log import append_rows, format_time
from ledger.storage import EVENTS_TABLE
from projections.readmodel.layout import ledger_chain, ledger_index
from projections.readmodel.payload import Payload
from projections.readmodel.queries import WriteDb
from projections.readmodel.reads import chain_head, column
from projections.readmodel.registry import READ_MODELS
from projections.readmodel.writer import DeferredIndexes, bulk_insert, execute, index_and_correct, refold

CHUNK = 2000
ANALYZE_AFTER = 5_000
MAX_ERRORS = 50
#: How many events of one append the final refold keeps decoded (~1.4 KB each as JSON) instead of reading back.
HOLD = 50_000
WRITE_CACHE_KB = 128 * 1024


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: how many events were stored, at which positions, and the new head digest.

    ``duplicates`` counts events already in the ledger with the same id and content (a no-op).
    """

    appended: int
    duplicates: int
    first_position: int | None
    last_position: int | None
    head: str
    last_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"appended": self.appended, "duplicates": self.duplicates, "first_position": self.first_position,
                "last_position": self.last_position, "head": self.head, "last_id": self.last_id}


class Stale(Exception):
    """What an append's events were planned on changed before the write lock was taken: plan again."""


@dataclass
class Head:
    position: int
    digest: str
    recorded_at: dt.datetime | None


class Writer(WriteDb, Protocol):
    """The connection an append runs on (``ledger.storage.Reader``): a :class:`WriteDb` whose
    transaction the append opens and ends."""

    def begin_write(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


def lock(db: WriteDb) -> None:
    """Take the ledger's write lock in the write transaction just begun (SQLite's ``BEGIN IMMEDIATE`` holds it)."""
    if db.dialect == "sqlite":
        # A writer touches index pages all over a large file (event ids are random): SQLite's default
        # 2 MB page cache made a 1M-event import spend most of its time re-reading pages.
        execute(db, f"PRAGMA cache_size = -{WRITE_CACHE_KB}")
    if db.dialect == "postgresql":
        # ledger_meta, not the log: a writer role then needs no privilege beyond INSERT on the log.
        execute(db, "LOCK TABLE ledger_meta IN EXCLUSIVE MODE")
        # psycopg prepares a query run five times, and the server then settles on a generic plan
        # costed for the tables as they were then: early in a large import, when they were nearly
        # empty. Lookups by key (subjects, event ids) that take under a millisecond planned afresh
        # took ~100 ms each on such a plan, most of a 100k import's server time. Planning each one
        # costs ~0.2 ms.
        execute(db, "SET LOCAL plan_cache_mode = force_custom_plan")


def read_head(db: WriteDb) -> Head:
    head = chain_head(db)
    if head is None:
        return Head(0, GENESIS, None)
    last = column(db, "SELECT recorded_at FROM ledger_index WHERE position = :position", position=head[0])
    return Head(head[0], head[1], dt.datetime.fromisoformat(last[0]) if last else None)


def record_time(db: WriteDb, head: Head) -> dt.datetime:
    if db.dialect == "postgresql":
        # The shared ledger's clock is the server's, not each analyst's laptop.
        now: dt.datetime = column(db, "SELECT clock_timestamp()")[0]
    else:
        now = dt.datetime.now(dt.UTC)
    if head.recorded_at is not None and now < head.recorded_at:
        now = head.recorded_at
    return now


def _payload(payload: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The event's interchange JSON as validated: what is checked, stored, chained and indexed.

    Fills what only the store knows: a correction's date defaults to the day it is recorded (through
    the model, so the field keeps its place in the stored JSON).
    """
    if payload["type"] not in CORRECTION_TYPES or "date" in payload:
        return payload
    event = EVENT_TYPES[payload["type"]].model_validate(payload)
    return event.model_copy(update={"date": today}).payload()


def append(
    db: Writer,
    items: Iterable[tuple[int | None, tuple[dict[str, Any], bool] | list[InputError]]],
    author: str,
    progress: Any = None,
    precondition: Callable[[WriteDb], None] | None = None,
    pool: Executor | None = None,
) -> AppendResult:
    """Append parsed lines atomically; raise BadInput listing every error.

    Each item is ``(line, (payload, fresh_id))`` — the event's interchange JSON as
    :mod:`ledger.intake` gives it, with its id and author filled in, and whether that id was just
    generated — or ``(line, errors)``. ``precondition``
    runs once the write lock is held, before anything is written: a caller that planned its
    events on what it read earlier raises there (e.g. :class:`Stale`) if that has changed.
    ``pool``: worker processes the final refold may fold on (those that validated the input).
    """
    try:
        db.begin_write()
        lock(db)
        if precondition is not None:
            precondition(db)
        head = read_head(db)
        now = record_time(db, head)
        # An empty ledger's subjects are the ones this append introduces: kept here, they need no query.
        introduced: set[tuple[str, str]] | None = set() if head.position == 0 else None
        checker = Checker(db, introduced)
        errors: list[InputError] = []
        appended = duplicates = 0
        rows = 0  # read-model rows this append writes, roughly: one per event, one per schedule line
        first = None
        last_id = None
        position, digest = head.position, head.digest
        touched: set[tuple[str, str]] = set()
        # Events of this append kept for the final refold (up to HOLD), so it need not read them back.
        held: dict[int, dict[str, Any]] = {}
        held_ids: dict[str, int] = {}
        stopped_after: int | None = None
        deferred: DeferredIndexes | None = None
        lines = iter(items)
        for chunk in chunks(lines, CHUNK):
            if deferred is None and head.position == 0 and len(chunk) == CHUNK:
                # A large import into an empty ledger: on SQLite, index its rows once, at the end; on both,
                # refold every subject from one sorted pass over the index, holding no events for it.
                deferred = DeferredIndexes(db)
            batch: list[tuple[int, dt.datetime, dict[str, Any], tuple[str, str]]] = []
            completed = [(line, item if isinstance(item, list) else (_payload(item[0], now.date()), item[1]))
                         for line, item in chunk]
            checker.prefetch([item for _, item in completed if not isinstance(item, list)])
            for line, done in completed:
                if isinstance(done, list):
                    errors.extend(done)
                    continue
                payload, fresh = done
                verdict, subject, problems = checker.check(payload, line, fresh)
                if problems:
                    errors.extend(problems)
                elif verdict == "duplicate":
                    duplicates += 1
                elif not errors:
                    position += 1
                    assert subject is not None
                    batch.append((position, now, payload, subject))
            if progress is not None:
                progress(len(chunk))
            if len(errors) >= MAX_ERRORS:
                # Enough to fix first; if input remains, say where checking stopped so no count claims to be all.
                if next(lines, None) is not None:
                    stopped_after = chunk[-1][0]
                break
            if errors or not batch:
                continue
            digest, corrected = _store(db, batch, now, digest, introduced)
            touched.update(subject for *_, subject in batch)
            for pos, _, payload, _ in batch:
                if isinstance(payload, Payload):
                    payload.release()  # written: the refold needs the data, not the texts
                if deferred is None and len(held) < HOLD and payload["type"] not in CORRECTION_TYPES:
                    held[pos] = payload
                    held_ids[payload["id"]] = pos
            for event_id in corrected:  # it now reads otherwise: the refold must read it back
                held.pop(held_ids.pop(event_id, -1), None)
            appended += len(batch)
            rows += sum(1 + len(payload.get("lines") or ()) for _, _, payload, _ in batch)
            first = first or batch[0][0]
            last_id = str(batch[-1][2]["id"])
            checker.forget()
        if errors:
            db.rollback()
            raise BadInput(errors, stopped_after=stopped_after)
        if appended:
            # Each touched subject once, from its live events read back as plain JSON: a subject's
            # rows depend on all its events (a change may take effect before earlier ones), and a
            # correction may have changed one recorded long ago. An import into an empty ledger, or a
            # large append onto a ledger no larger than itself, reads less by scanning everything once.
            scan = deferred is not None or (appended > HOLD and appended >= head.position)
            if scan:
                held.clear()  # before the sort takes its memory
            refold(db, touched, position, replace_rows=head.position > 0, held=held, pool=pool, scan=scan)
            _analyze(db, rows)
        if deferred is not None:
            deferred.build()
        db.commit()
        return AppendResult(appended, duplicates, first, position if appended else None, digest, last_id)
    except BaseException:
        db.rollback()
        raise


def _store(
    db: WriteDb,
    batch: list[tuple[int, dt.datetime, dict[str, Any], tuple[str, str]]],
    now: dt.datetime,
    digest: str,
    introduced: set[tuple[str, str]] | None = None,
) -> tuple[str, set[str]]:
    """Store, chain and index one checked batch; the new head digest and the ids of the events it corrected."""
    recorded_at = format_time(now)
    stored = append_rows(db, [(position, recorded_at, payload) for position, _, payload, _ in batch])
    links = []
    for (position, *_), (_, _, topic, state) in zip(batch, stored, strict=True):
        digest = link(digest, topic, state)
        links.append({"position": position, "digest": digest})
    bulk_insert(db, ledger_chain, links)
    return digest, index_and_correct(db, batch, introduced)


def _analyze(db: WriteDb, rows: int) -> None:
    """After a large append, refresh PostgreSQL's planner statistics on the read models.

    A bulk import rewrites the read-model tables wholesale; without fresh statistics the
    planner keeps choosing scans sized for an empty ledger (seen: 4-13 ms rate queries
    that take 2 ms after ANALYZE). Counted in rows, not events: one ``schedule.published``
    of a whole HTS is a single event but ~30,000 ``schedule_lines`` rows (seen: 2.2 ms
    median rates with stale statistics, 0.95 ms after ANALYZE). The log too: an unfiltered ``state`` reads
    every track's events in one pass joined to it (``reads.subject_scan``), and with the statistics of an
    empty log the planner read the whole log through an index (1M events: 0.3 s for ANALYZE).
    """
    if rows >= ANALYZE_AFTER and db.dialect == "postgresql":
        for name in (EVENTS_TABLE, ledger_index.name, *(m.table.name for m in READ_MODELS)):
            execute(db, f"ANALYZE {name}")
