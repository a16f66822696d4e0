"""Rebuilding the read models from the log, and verifying the log and the read models.

``verify`` trusts nothing derived. In one read snapshot it makes two streaming passes:

1. **the log**, in record order, beside the chain and the index: positions run
   1, 2, 3… with no gap (a deleted, inserted or moved row breaks the run), each
   chain link is recomputed from the stored bytes and compared with
   ``ledger_chain``, and each ``ledger_index`` row must carry exactly the stored
   event. An edit at position 7 of a 10-event log reads::

       position 7: hash chain mismatch: the stored event was edited, inserted or reordered

2. **the read models against a replay**, one subject at a time: the subject's
   events (now known to equal the log) are folded afresh with corrections
   applied, and each event's ``current`` form and each measure's
   ``measure_intervals`` rows must equal the fold.

Rows are read in pages of :data:`PAGE` (a server-side cursor on PostgreSQL), never
one query per event, so the cost is linear in the log and memory follows the
largest subject, not the ledger. ``verify --digest HEX`` also requires ``HEX`` to be
one of the recomputed links, and ``--digest "HEX N"`` the link at position N: a
digest kept outside the database proves the log still extends what it was then,
even if someone rewrote the stored chain too (docs/integrity.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete

from events.correction import CorrectionEvent
from events.errors import BadInput, InputError
from events.registry import EVENT_TYPES
from ledger.append import GENESIS, link, lock
from ledger.errors import IntegrityFailure
from ledger.schema import has_append_only
from ledger.store import LEDGER_STREAM, notifications
from projections.measures import measure_timeline
from projections.readmodel.registry import READ_MODELS
from projections.readmodel.tables import OPEN_END, ledger_index
from projections.readmodel.writer import dumps, event_subject, finish, get_meta, index_row, insert_rows
from projections.recorded import Recorded, effective_events
from projections.shapes import measure_json

PAGE = 2000


def rebuild(app: Any, progress: Callable[[int], None] | None = None) -> int:
    """Drop and rebuild every read model from the log in one transaction; return the event count.

    The index is written straight from the stored payloads (they were validated when
    appended); events are decoded into models once, when their subject is refolded.
    """
    session = app.recorder.datastore.session_maker()
    try:
        conn = lock(session)
        for table in (ledger_index, *(m.table for m in READ_MODELS)):
            conn.execute(delete(table))
        corrected: set[str] = set()
        touched: set[tuple[str, str]] = set()
        rows: list[dict[str, Any]] = []
        payloads: list[dict[str, Any]] = []
        count = 0

        def flush() -> None:
            corrected.update(insert_rows(conn, rows, payloads))
            if progress is not None:
                progress(len(rows))
            rows.clear()
            payloads.clear()

        for n in notifications(app):
            raw = orjson.loads(n.state)
            payload = raw["event"]
            field = EVENT_TYPES[payload["type"]].subject
            if payload["type"] in CORRECTION_TYPES:
                if rows:
                    flush()  # its target must be indexed to know its subject
                subject = event_subject(conn, payload["target"]) or ("event", payload["target"])
            else:
                subject = (field, payload[field])
            rows.append(index_row(n.originator_version, raw["recorded_at"], payload, subject))
            payloads.append(payload)
            touched.add(subject)
            count += 1
            if len(rows) >= PAGE:
                flush()
        if rows:
            flush()
        finish(conn, corrected, touched, count)
        session.commit()
        return count
    finally:
        session.close()


DIGEST = re.compile(r"(?P<hex>[0-9a-f]{64})(?:\s+(?P<events>\d+))?")
# The ledger stream's id as each driver returns it: a UUID (psycopg), 16 bytes (SQLite blob), or text.
STREAM_IDS = (LEDGER_STREAM, LEDGER_STREAM.bytes, LEDGER_STREAM.hex, str(LEDGER_STREAM))
CORRECTION_TYPES = frozenset(t for t, cls in EVENT_TYPES.items() if issubclass(cls, CorrectionEvent))
_cursor_names = itertools.count()
# What a row edited into nonsense raises when read (bad JSON, wrong types, an unknown event type):
# reported as a failure at its position, not as a crash. Database errors are not among them.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def verify(app: Any, digest: str | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Check the chain, the positions and the read models; raise IntegrityFailure at the first problem.

    Returns ``{"ok": True, "events": n, "digest": head, "append_only": triggers in place}``.
    """
    wanted = _parse_digest(digest)
    with _snapshot(app.recorder.datastore.engine) as conn, ExitStack() as cursors:
        count, head, seen = _check_log(_Reader(conn, cursors), app.recorder.events_table_name, wanted, progress)
        if wanted is not None and wanted.events is not None and wanted.events > count:
            raise IntegrityFailure(count + 1, f"digest {wanted.hex} was taken at {wanted.events} events but the "
                                              f"log has {count}: events were deleted from the end")
        reflected = get_meta(conn, "position")
        if reflected != str(count):
            raise IntegrityFailure(None, f"ledger_meta says the read models reflect position {reflected}, "
                                         f"the log has {count} events")
        _check_replay(_Reader(conn, cursors))
        append_only = has_append_only(conn)
    if wanted is not None and not seen:
        raise IntegrityFailure(None, f"the log does not extend digest {wanted.hex}: the history it covered was "
                                     "rewritten (or the digest is from another ledger)")
    return {"ok": True, "events": count, "digest": head, "append_only": append_only}


@dataclass(frozen=True)
class Digest:
    """A head digest kept elsewhere, with the event count it was taken at when known (``HEX N``)."""

    hex: str
    events: int | None


def _parse_digest(digest: str | None) -> Digest | None:
    """``HEX`` or ``HEX N``, the line `ledger digest` prints."""
    if digest is None:
        return None
    match = DIGEST.fullmatch(digest.strip().lower())
    if match is None:
        raise BadInput([InputError(None, "digest", "expected the line `ledger digest` prints (64 hex digits, "
                                                   f"optionally its event count), got {digest!r}")])
    events = match["events"]
    return Digest(match["hex"], int(events) if events is not None else None)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction, so appends running meanwhile are either wholly seen or not at all.

    PostgreSQL: REPEATABLE READ takes one snapshot for every query. SQLite in WAL mode: a read
    transaction sees the database as of its first read until it ends.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


class _Reader:
    """Plain DB-API rows in pages, inside ``conn``'s transaction (a server-side cursor on PostgreSQL).

    The driver's tuples, not SQLAlchemy rows: per-row result processing would cost more than
    the checks themselves. Every cursor is closed with ``cursors``, before the connection,
    even when a check stops a stream half-way.
    """

    def __init__(self, conn: Connection, cursors: ExitStack):
        self.conn = conn
        self.cursors = cursors
        self.postgres = conn.dialect.name == "postgresql"

    def pages(self, sql: str) -> Iterator[Sequence[Any]]:
        dbapi = self.conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor(name=f"ledger_verify_{next(_cursor_names)}") if self.postgres else dbapi.cursor()
        self.cursors.enter_context(closing(cursor))
        cursor.execute(sql)
        while page := cursor.fetchmany(PAGE):
            yield page

    def rows(self, sql: str) -> Iterator[Sequence[Any]]:
        for page in self.pages(sql):
            yield from page

    def bytewise(self) -> str:
        """Order text by code point on both backends, so two streams the database sorted merge in Python."""
        return ' COLLATE "C"' if self.postgres else ""


def _check_log(
    db: _Reader, events: str, wanted: Digest | None, progress: Callable[[int], None] | None
) -> tuple[int, str, bool]:
    """Pass 1: sequence, chain and index against the stored events; (count, head digest, wanted seen).

    A wanted digest with its event count must be the link at exactly that position; without one,
    any link will do.
    """
    pages = db.pages(f"SELECT originator_id, originator_version, topic, state FROM {events} ORDER BY id")
    chain = db.rows("SELECT position, digest FROM ledger_chain ORDER BY position")
    index = db.rows("SELECT position, event_id, type, date, target, recorded_at, recorded_by, payload "
                    "FROM ledger_index ORDER BY position")
    previous, position = GENESIS, 0
    seen = wanted is None or (wanted.hex == GENESIS and not wanted.events)
    at = wanted.events if wanted is not None else None
    try:
        for page in pages:
            for originator_id, version, topic, state in page:
                position += 1
                if version != position or originator_id not in STREAM_IDS:
                    raise IntegrityFailure(position, f"stored event out of sequence (found version {version}): "
                                                     "a row was deleted, inserted or moved")
                if not isinstance(state, bytes | memoryview | bytearray):
                    raise IntegrityFailure(position, "stored event is not bytes: the row was rewritten")
                state = bytes(state)
                previous = link(previous, topic, state)
                stored_link = next(chain, None)
                if stored_link is None or stored_link[0] != position or stored_link[1] != previous:
                    raise IntegrityFailure(position, "hash chain mismatch: the stored event was edited, inserted "
                                                     "or reordered")
                if wanted is not None and (position == at or at is None) and not seen:
                    if previous != wanted.hex and at is not None:
                        raise IntegrityFailure(position, f"the log no longer extends digest {wanted.hex} taken at "
                                                         "this position: it or events before it were rewritten")
                    seen = previous == wanted.hex
                _check_index_row(position, next(index, None), orjson.loads(state))
            if progress is not None:
                progress(len(page))
    except UNREADABLE as exc:
        raise IntegrityFailure(position, f"a stored row cannot be read ({exc.__class__.__name__}: {exc})") from None
    extra = next(chain, None)
    if extra is not None:
        raise IntegrityFailure(extra[0], f"the chain has a link at position {extra[0]} but the log "
                                         f"ends at {position}: events were deleted")
    stray = next(index, None)
    if stray is not None:
        raise IntegrityFailure(stray[0], "read model ledger_index has a row for an event that is not stored")
    return position, previous, seen


def _check_index_row(position: int, row: Sequence[Any] | None, stored: dict[str, Any]) -> None:
    event = stored["event"]
    if (
        row is None
        or row[0] != position
        or row[1] != event.get("id")
        or row[2] != event.get("type")
        or row[3] != event.get("date")
        or row[4] != event.get("target")
        or row[5] != stored.get("recorded_at")
        or row[6] != event.get("recorded_by")
        or orjson.loads(row[7]) != event
    ):
        raise IntegrityFailure(position, "read model ledger_index differs from the stored event")


def _check_replay(db: _Reader) -> None:
    """Pass 2: per subject, ``current`` and ``measure_intervals`` against a fresh fold of its events."""
    c = db.bytewise()
    rows = db.rows("SELECT position, event_id, subject_kind, subject, recorded_at, recorded_by, payload, current "
                   f"FROM ledger_index ORDER BY subject_kind, subject{c}, position")
    intervals = _Peek(db.rows("SELECT measure, valid_from, valid_to, imposer, status, view "
                              f"FROM measure_intervals ORDER BY measure{c}, valid_from, valid_to"))
    position = None
    try:
        for (kind, slug), group in itertools.groupby(rows, key=lambda r: (r[2], r[3])):
            members = list(group)
            position = members[0][0]
            live = _check_subject(kind, slug, members)
            if kind != "measure":
                continue
            stray = intervals.take_before(slug)
            if stray:
                raise IntegrityFailure(None, f"measure_intervals holds rows for {stray[0][0]!r}, "
                                             "which the log does not have")
            have = sorted(tuple(r[1:]) for r in intervals.take_equal(slug))
            want = sorted((iv.valid_from.isoformat(), iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
                           iv.view.imposer, iv.view.status, dumps(measure_json(iv.view)))
                          for iv in measure_timeline(live or []))
            if have != want:
                raise IntegrityFailure(members[-1][0], f"measure_intervals for {slug!r} differ from a full replay")
    except UNREADABLE as exc:
        raise IntegrityFailure(position, f"a read-model row cannot be read as an event or interval "
                                         f"({exc.__class__.__name__}: {exc})") from None
    leftover = intervals.take_before(None)
    if leftover:
        raise IntegrityFailure(None, f"measure_intervals holds rows for {leftover[0][0]!r}, "
                                     "which the log does not have")


def _check_subject(kind: str, slug: str, members: list[Sequence[Any]]) -> list[Recorded] | None:
    """Fold one subject's events afresh; fail where the index files or reads an event differently.

    Returns the subject's live events for a measure (its intervals are checked next), else None.
    Pass 1 proved every ``payload`` equals the stored event, so they are the log to replay.
    """
    payloads = [_row_json(row, 6) for row in members]
    ids = {p.get("id") for p in payloads}
    corrected = False
    for row, payload in zip(members, payloads, strict=True):
        cls = EVENT_TYPES.get(payload.get("type"))  # type: ignore[arg-type]
        if cls is None:
            raise IntegrityFailure(row[0], f"ledger_index holds an event of unknown type {payload.get('type')!r}")
        if issubclass(cls, CorrectionEvent):
            corrected = True
            if payload.get("target") not in ids:
                raise IntegrityFailure(row[0], f"ledger_index files this correction under {kind}:{slug}, "
                                               "apart from its target")
        elif (cls.subject, str(payload.get(cls.subject))) != (kind, slug):
            raise IntegrityFailure(row[0], f"ledger_index files this event under {kind}:{slug}")
    if not corrected:
        # Nothing corrects these events, so each reads as recorded: byte for byte the payload.
        for row in members:
            if row[7] != row[6]:
                raise IntegrityFailure(row[0], "read model differs from a full replay (corrections applied)")
        return _records(members, payloads) if kind == "measure" else None
    live = effective_events(_records(members, payloads))
    current = {str(r.id): r.event.payload() for r in live}
    for row, payload in zip(members, payloads, strict=True):
        want = None if payload["type"] in CORRECTION_TYPES else current.get(row[1])
        have = None if row[7] is None else _row_json(row, 7)
        if want != have:
            raise IntegrityFailure(row[0], "read model differs from a full replay (corrections applied)")
    return live


def _row_json(row: Sequence[Any], column: int) -> dict[str, Any]:
    try:
        value = orjson.loads(row[column])
    except UNREADABLE as exc:
        raise IntegrityFailure(row[0], f"ledger_index holds text that is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise IntegrityFailure(row[0], "ledger_index holds JSON that is not an event")
    return value


def _records(members: list[Sequence[Any]], payloads: list[dict[str, Any]]) -> list[Recorded]:
    records = []
    for row, payload in zip(members, payloads, strict=True):
        try:
            event = EVENT_TYPES[payload["type"]].model_validate(payload)
            records.append(Recorded(row[0], dt.datetime.fromisoformat(row[4]), row[5], event))
        except UNREADABLE as exc:
            raise IntegrityFailure(row[0], f"the stored event cannot be read as an event ({exc})") from None
    return records


class _Peek:
    """Rows sorted by their first column, taken in runs: the leading rows whose key passes a test."""

    def __init__(self, rows: Iterator[Sequence[Any]]):
        self._rows = rows
        self._head: list[Sequence[Any]] = []

    def take_before(self, key: str | None) -> list[Sequence[Any]]:
        """The rows whose key sorts before ``key`` (None: every row left)."""
        return self._take(lambda k: key is None or k < key)

    def take_equal(self, key: str) -> list[Sequence[Any]]:
        return self._take(lambda k: k == key)

    def _take(self, test: Callable[[str], bool]) -> list[Sequence[Any]]:
        taken: list[Sequence[Any]] = []
        while True:
            if not self._head:
                row = next(self._rows, None)
                if row is None:
                    return taken
                self._head.append(row)
            if not test(self._head[0][0]):
                return taken
            taken.append(self._head.pop())
