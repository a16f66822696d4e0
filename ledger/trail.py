"""The audit answers, read from the index or the log directly: the history, the timeline, the chain's
head and the export.

Separate from :mod:`ledger.reports` because its answers about dates (``state``, ``rate``, the
schedules) load the rate and schedule folds and build their own result classes; a cold ``ledger
history`` or ``ledger digest`` loads none of those (``tests/cli/test_read_imports.py``). Like the reports, this
reads through a DB-API connection with the SQL text of :mod:`projections.readmodel.reads`.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from ledger.storage import EVENTS_TABLE
from projections.readmodel import reads
from projections.readmodel.reads import Db

if TYPE_CHECKING:
    from projections.audit import History, HistoryEntry
    from projections.integrity import Digest
    from projections.timeline import Filters, Timeline, TimelineEntry


def history(conn: Db, kind: str | None, slug: str | None, since: dt.date | None, until: dt.date | None,
            after: int | None = None, limit: int | None = None) -> History:
    from projections.audit import History

    return History(tuple(history_entries(conn, kind, slug, since, until, after, limit)))


def history_entries(conn: Db, kind: str | None, slug: str | None, since: dt.date | None, until: dt.date | None,
                    after: int | None = None, limit: int | None = None) -> Iterator[HistoryEntry]:
    """The history a page of the index at a time, each page with its corrections: what a caller
    holds is one page, on a ledger of any size (``ledger history`` writes each entry as it comes)."""
    from projections.audit import history_entries as entries

    for rows in reads.history_pages(conn, kind, slug, since, until, after, limit):
        yield from entries(rows, reads.corrections_by_target(conn, [row.event_id for row in rows]))


def timeline(conn: Db, filters: Filters) -> Timeline:
    from projections.timeline import Timeline

    return Timeline(tuple(timeline_entries(conn, filters)))


def timeline_entries(conn: Db, filters: Filters, after: tuple[str, int] | None = None) -> Iterator[TimelineEntry]:
    """The timeline as it is read: what the filters must know of the whole ledger first (a few event types;
    every measure event too when a partner or imposer is asked for), the corrections (about 1% of a ledger)
    held, then the developments in date order a page at a time, each made into its entry as it comes. The
    few events corrections changed read differently from the index: they are merged in by their new date.
    ``after``: only the developments after this (date, position), the cursor of a page of them."""
    from projections.timeline import TALKS_LEARNT, Knowledge, corrections_by_base, development, keeper

    known = Knowledge()
    for page in reads.timeline_learnt(conn, TALKS_LEARNT, filters.need_measures()):
        for kind, slug, text in page:
            known.learn(kind, slug, orjson.loads(text))
    keep = keeper(known, filters)
    fixes = corrections_by_base(reads.correction_rows(conn))

    def recorded() -> Iterator[tuple[str, int, Any, dict[str, Any] | None]]:
        for page in reads.dated_pages(conn, filters.since, filters.until, filters.measure, after):
            for row in page:
                yield row.date, row.position, row, None

    changed = []
    for row in reads.corrected_rows(conn, list(fixes)):
        event = orjson.loads(row.current)
        if after is None or (event["date"], row.position) > after:
            changed.append((event["date"], row.position, row, event))
    changed.sort(key=lambda c: (c[0], c[1]))
    for day, _, row, event in heapq.merge(recorded(), changed, key=lambda c: (c[0], c[1])):
        if keep(row.subject_kind, row.subject, day):
            yield development(row, event if event is not None else orjson.loads(row.payload),
                              fixes.get(row.event_id, ()), known.names)


def export(conn: Db) -> Iterator[bytes]:
    """Every stored event as one JSON line, in record order (as recorded: corrections are events too), read
    from the log a page at a time in one statement (one snapshot on either database). Through the driver,
    not the library's notification log: that took four to five times as long (docs/performance.md) and loaded
    SQLAlchemy and ``eventsourcing``."""
    for page in reads.pages(conn, f"SELECT state FROM {EVENTS_TABLE} ORDER BY id"):
        for (state,) in page:
            yield orjson.dumps(orjson.loads(state)["event"]) + b"\n"


def head(conn: Db) -> Digest:
    found = reads.chain_head(conn)
    # ledger.chain loads hashlib (and OpenSSL's libcrypto with it): only the digest's empty case needs it.
    from ledger.chain import GENESIS
    from projections.integrity import Digest

    return Digest(*found) if found else Digest(0, GENESIS)
