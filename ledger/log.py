"""The log's rows as the event store keeps them, written without loading the event store.

The ledger's log is the ``eventsourcing`` application's table (``ledger_events``, made by
``eventsourcing-sqlalchemy``): one stream, a version per position, the model's topic and
``state`` = ``{"recorded_at": …, "event": <interchange payload>}`` (:class:`ledger.store.EntryMapper`).
An append writes its rows here, on the driver connection of its transaction, with one
``executemany`` (SQLite) or ``COPY`` (PostgreSQL), then sends the library's ``NOTIFY`` — exactly
what the library's recorder (:class:`ledger.store.BatchRecorder`, which calls
:func:`insert_stored` too) writes, so the library reads these rows back as its own
(``tests/integration/test_log_rows.py``). This module imports neither SQLAlchemy nor
``eventsourcing``: a one-event ``ledger append`` spent ~150 ms importing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import orjson

from ledger.storage import EVENTS_TABLE, LEDGER_STREAM
from projections.readmodel.payload import compact_text
from projections.readmodel.queries import WriteDb
from projections.readmodel.writer import insert_tuples

#: The columns an append fills; the database numbers the row (``id``, the notification id).
COLUMNS = ("originator_id", "originator_version", "topic", "state")


def format_time(moment: dt.datetime) -> str:
    """Fixed-width ISO UTC, e.g. ``2025-06-01T09:30:00.000000+00:00``: sorts as text."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def encode_state(recorded_at: str, payload: Mapping[str, Any]) -> bytes:
    """A stored event's ``state``: what :class:`~ledger.store.EntryMapper` writes through its transcoder, and
    what an append encodes directly for a batch already validated (the same bytes: orjson writes an
    object as its members' texts joined, so the payload's own text, made once, is spliced in)."""
    return encode_frame(recorded_at, compact_text(payload))


def encode_frame(recorded_at: str, event: bytes) -> bytes:
    """``state`` around an event's JSON text: reads cut the event back out at ``layout.EVENT_AT``.

    >>> from projections.readmodel.layout import EVENT_AT
    >>> state = encode_frame("2025-06-01T09:30:00.000000+00:00", b'{"type":"x"}')
    >>> state[EVENT_AT - 1:-1]
    b'{"type":"x"}'
    """
    return b'{"recorded_at":' + orjson.dumps(recorded_at) + b',"event":' + event + b"}"


@cache
def topic_of(event_type: str) -> str:
    """The stored ``topic`` of an event type: its model's import path, as ``eventsourcing.utils.get_topic`` makes it."""
    from events.registry import EVENT_TYPES

    cls = EVENT_TYPES[event_type]
    return f"{cls.__module__}:{cls.__qualname__}"


def stream_id(dialect: str) -> Any:
    """The stream id as the library's column stores it: 16 bytes on SQLite, a UUID for psycopg."""
    return LEDGER_STREAM if dialect == "postgresql" else LEDGER_STREAM.bytes


def insert_stored(db: WriteDb, table: str, rows: Sequence[tuple[Any, ...]], columns: Sequence[str] = COLUMNS) -> None:
    """Insert log rows (``columns`` order; the stream id as :func:`stream_id` gives it) and notify listeners.

    The insert guard's trigger (``ledger.schema``) runs for each row, ``COPY`` or not. No table lock
    here: every writer already holds the ledger's write lock (``ledger.append.lock``), which keeps
    notification ids in commit order.
    """
    insert_tuples(db, table, columns, rows)
    if db.dialect == "postgresql":
        # The library's recorder announces new events on a channel named after its table.
        cursor = db.cursor()
        try:
            cursor.execute(f"NOTIFY {table.replace('.', '_')};")
        finally:
            cursor.close()


def append_rows(db: WriteDb, batch: Sequence[tuple[int, str, Mapping[str, Any]]]) -> list[tuple[Any, ...]]:
    """Store ``(position, record time, payload)`` events in the log; return their rows (for the chain)."""
    stream = stream_id(db.dialect)
    rows = [(stream, position, topic_of(payload["type"]), encode_state(recorded_at, payload))
            for position, recorded_at, payload in batch]
    insert_stored(db, EVENTS_TABLE, rows)
    return rows
