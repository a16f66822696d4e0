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
    from projections.audit import History
    from projections.integrity import Digest


def history(conn: Db, kind: str | None, slug: str | None,
            since: dt.date | None, until: dt.date | None) -> History:
    from projections.audit import history as entries

    rows = reads.history_rows(conn, kind, slug, since, until)
    return entries(rows, reads.corrections_by_target(conn, [row.event_id for row in rows]),
                   _roles(conn, [row.position for row in rows]))


def _roles(conn: Db, positions: list[int]) -> dict[int, str]:
    """The database role that inserted each event, where one was recorded (PostgreSQL, or restored from it).

    Read from the log itself (``ledger_events.recorded_by_role``, stamped by the insert guard of
    ``ledger.schema``), not from a read model a writer could edit: ``recorded_by`` is the author
    an analyst declared, this is who the database says wrote the row.
    """
    from ledger.storage import LEDGER_STREAM

    # The event store keeps the stream id as a uuid on PostgreSQL and as its 16 bytes on SQLite.
    stream = LEDGER_STREAM if conn.placeholder == "%s" else LEDGER_STREAM.bytes
    return reads.roles(conn, stream, positions)


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
