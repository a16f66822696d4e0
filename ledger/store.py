"""The event store: an ``eventsourcing`` application over ``eventsourcing-sqlalchemy``.

The whole ledger is one stream (one originator id): record order is the
stream's version order, so the library's optimistic concurrency (a unique
``(originator_id, originator_version)``) rejects two writers that both think
they are appending position N, and the hash chain has one predecessor per link.
Why one stream rather than an aggregate per measure or track is in
``docs/architecture.md``.

Events are stored as ``topic`` = the pydantic model's topic and ``state`` =
orjson of ``{"recorded_at": ..., "event": <interchange payload>}``; the mapper
below is the library's extension point for that (``MAPPER_TOPIC``), since 9.5
has no pydantic mapper of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from sqlalchemy.orm import Session

from ledger.uuidtype import import_recorder_models

import_recorder_models()  # the library's models without sqlalchemy_utils (~60–100 ms): see ledger.uuidtype

from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory  # noqa: E402
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder  # noqa: E402

from events.common import Envelope  # noqa: E402
from ledger.log import COLUMNS, format_time, insert_stored  # noqa: E402
from ledger.storage import LEDGER_STREAM as LEDGER_STREAM  # noqa: E402  (the ledger's single stream)
from ledger.storage import app_env  # noqa: E402
from projections.readmodel.queries import OnConnection  # noqa: E402


@dataclass(frozen=True)
class Entry:
    """An event as the library stores it: in the ledger stream at a version, with its record time."""

    originator_id: UUID
    originator_version: int
    timestamp: dt.datetime
    event: Envelope
    # The event's interchange payload when the caller already has it (saves a second dump).
    payload: dict[str, Any] | None = None


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class EntryMapper(Mapper[UUID]):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        entry: Entry = domain_event
        payload = entry.payload if entry.payload is not None else entry.event.payload()
        state = self.transcoder.encode({"recorded_at": format_time(entry.timestamp), "event": payload})
        return StoredEvent(entry.originator_id, entry.originator_version, get_topic(type(entry.event)), state)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        raw = decode_state(self.transcoder, stored_event.state)
        cls = resolve_topic(stored_event.topic)
        return Entry(
            originator_id=stored_event.originator_id,  # type: ignore[arg-type]
            originator_version=stored_event.originator_version,
            timestamp=dt.datetime.fromisoformat(raw["recorded_at"]),
            event=cls.model_validate(raw["event"]),
        )


def decode_state(transcoder: Transcoder, state: bytes | memoryview) -> dict[str, Any]:
    return transcoder.decode(bytes(state))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class RestoredEvent(StoredEvent):
    """A stored event copied from a backup, with the database role that first inserted it.

    Only ``ledger restore`` writes these, with the insert guard switched off for its own
    transaction (``ledger.schema``): otherwise the guard stamps the role that inserts.
    """

    recorded_by_role: str | None = None


class BatchRecorder(SQLAlchemyApplicationRecorder):
    """The library's recorder (same table, same NOTIFY), inserting a batch with one executemany (or
    ``COPY``) instead of one ORM object per event, through the insert an append uses
    (:func:`ledger.log.insert_stored`). ``ledger restore`` stores through it."""

    def _insert_stored_events(self, session: Session, stored_events: Any, **kwargs: Any) -> Any:
        if not stored_events:
            return []
        target: Any = self.events_record_cls.__table__
        conn = session.connection()
        # The stream id bound once as the column's type stores it (16 bytes on SQLite; psycopg adapts a UUID
        # itself): SQLAlchemy's per-row processing cost more than the insert.
        native = conn.dialect.name == "postgresql"
        column = target.c.originator_id.type
        bound = {value: value if native else column.process_bind_param(value, conn.dialect)
                 for value in {e.originator_id for e in stored_events}}
        columns = list(COLUMNS)
        rows: list[tuple[Any, ...]] = [(bound[e.originator_id], e.originator_version, e.topic, e.state)
                                       for e in stored_events]
        if isinstance(stored_events[0], RestoredEvent):
            # The library's model does not map the column the ledger adds (ledger.schema), so name it here.
            columns.append("recorded_by_role")
            rows = [(*row, e.recorded_by_role) for row, e in zip(rows, stored_events, strict=True)]
        name = f"{target.schema}.{target.name}" if target.schema else target.name
        insert_stored(OnConnection(conn), name, rows, columns)
        return []


class LedgerFactory(SQLAlchemyFactory):
    application_recorder_class = BatchRecorder


class LedgerApplication(Application[UUID]):
    name = "ledger"


def notifications(app: Application[UUID], page: int = 2000) -> Iterator[Any]:
    """Every stored event in record order, read through the library's notification log in large pages
    (its default section size of 10 is several times slower for a whole-log read)."""
    start = 1
    while rows := app.recorder.select_notifications(start, page):
        yield from rows
        start = rows[-1].id + 1


def open_application(url: str) -> LedgerApplication:
    return LedgerApplication(env=app_env(url))
