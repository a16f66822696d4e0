"""The audit answers, read from the index or the log directly: the history, the timeline, the chain's
head and the export.

Separate from :mod:`ledger.reports` because its answers about dates (``state``, ``rate``, the
schedules) load the rate and schedule folds and build their own result classes; a cold ``ledger
history`` or ``ledger digest`` loads none of those (``tests/cli/test_read_imports.py``). Like the reports, this
reads through a DB-API connection with the SQL text of :mod:`projections.readmodel.reads`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from projections.readmodel import reads
from projections.readmodel.reads import Db

if TYPE_CHECKING:
    from projections.audit import History, HistoryEntry
    from projections.integrity import Digest


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


def timeline(conn: Db, filters: Any) -> Any:
    from projections.timeline import entries, select, timeline

    everything = entries(reads.history_rows(conn))
    return timeline(select(everything, filters), everything)


def export(app: Any) -> Iterator[bytes]:
    """Every stored event as one JSON line, in record order (as recorded: corrections are events too)."""
    from ledger.store import notifications

    for notification in notifications(app):
        yield orjson.dumps(orjson.loads(notification.state)["event"]) + b"\n"


def head(conn: Db) -> Digest:
    found = reads.chain_head(conn)
    # ledger.chain loads hashlib (and OpenSSL's libcrypto with it): only the digest's empty case needs it.
    from ledger.chain import GENESIS
    from projections.integrity import Digest

    return Digest(*found) if found else Digest(0, GENESIS)
