"""``ledger verify``: check the log, every table derived from it, and the triggers that guard it.

``verify`` trusts nothing derived. In one read snapshot, each step streaming its
tables in pages (a server-side cursor on PostgreSQL), never one query per event:

1. **the log**, in record order, beside the chain and the index: positions run
   1, 2, 3… with no gap (a deleted, inserted or moved row breaks the run), each
   chain link is recomputed from the stored bytes and compared with
   ``ledger_chain``, record time never goes backwards (the ledger never appends
   back in time), and each ``ledger_index`` row carries exactly the stored event.
   An edit at position 7 of a 10-event log reads::

       position 7: hash chain mismatch: the stored event was edited, inserted or reordered

2. **``ledger_meta``**: exactly the keys the ledger writes, the position equal to
   the number of events and the schema this program writes;
3. **event ids**: each stored once;
4. **the replay** (:mod:`ledger.replay`): per subject, the acceptance rules, the
   corrected forms and every read model of the registry, row for row;
5. **the triggers** (:func:`ledger.schema.append_only_problems`): present,
   enabled and as declared. Without them the database accepts edits of the log,
   so ``verify`` fails — after the log itself checked out, so that an edit made
   while they were down is what it reports first::

       the append-only triggers are not as declared (trigger ledger_events_no_update was altered): …

``verify --digest HEX`` also requires ``HEX`` to be one of the recomputed links, and
``--digest "HEX N"`` the link at position N: a digest kept outside the database
proves the log still extends what it was then, even if someone rewrote the stored
chain too (docs/integrity.md). Memory follows the largest subject, not the ledger.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from events.errors import BadInput, InputError
from ledger.chain import GENESIS, link
from ledger.errors import IntegrityFailure
from ledger.log import encode_frame
from ledger.replay import UNREADABLE, Validated, check_replay, validate_texts
from ledger.schema import APPEND_ONLY, RESTORE_HINT, append_only_problems
from ledger.storage import STREAM_IDS
from ledger.workers import process_pool, workers_for
from projections.inorder import InOrder
from projections.readmodel.layout import EVENT_AT, bytewise
from projections.readmodel.tables import META_KEYS, SCHEMA_VERSION

PAGE = 2000
#: The tables checked here, beside the log; every other table is a read model of the registry,
#: checked by the replay (tests/integration/test_tamper_tables.py holds the two lists to the schema).
CHECKED_WITH_THE_LOG = ("ledger_chain", "ledger_index", "ledger_meta")
DIGEST = re.compile(r"(?P<hex>[0-9a-f]{64})(?:\s+(?P<events>\d+))?")
_cursor_names = itertools.count()


def verify(app: Any, digest: str | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Check the log, the tables derived from it and the triggers; raise IntegrityFailure at the first problem.

    Returns ``{"ok": True, "events": n, "digest": head, "append_only": True}``.
    """
    wanted = _parse_digest(digest)
    with _snapshot(app.recorder.datastore.engine) as conn, ExitStack() as cursors:
        unguarded = append_only_problems(conn)
        try:
            db = _Reader(conn, cursors)
            events = app.recorder.events_table_name
            # Workers (LEDGER_WORKERS) validate the stored events while this process walks the chain, then
            # replay slices of subjects while it streams and compares. Only worth starting for a big log.
            pool = cursors.enter_context(process_pool(workers_for(_size(db, events))))
            validation = _Validation(pool) if pool is not None else None
            count, head, seen = _check_log(db, events, wanted, progress, validation)
            if wanted is not None and wanted.events is not None and wanted.events > count:
                raise IntegrityFailure(count + 1, f"digest {wanted.hex} was taken at {wanted.events} events but the "
                                                  f"log has {count}: events were deleted from the end")
            _check_meta(db, count)
            _check_ids(db)
            check_replay(db.rows, db.bytewise(), pool, validation.verdicts() if validation is not None else None,
                         db.postgres)
            if wanted is not None and not seen:
                raise IntegrityFailure(None, f"the log does not extend digest {wanted.hex}: the history it covered "
                                             "was rewritten (or the digest is from another ledger)")
            if unguarded:
                table = next((t for t in APPEND_ONLY if t in unguarded[0]), None)
                raise IntegrityFailure(None, f"the append-only triggers are not as declared ({'; '.join(unguarded)})"
                                             f": the database would let the log be edited; {RESTORE_HINT}", table)
        except IntegrityFailure as exc:
            exc.append_only = not unguarded
            raise
    return {"ok": True, "events": count, "digest": head, "append_only": True}


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
        return bytewise(self.postgres)


def _size(db: _Reader, events: str) -> int:
    """Roughly how many events the log holds (its largest row id): whether workers are worth starting."""
    return int(next(db.rows(f"SELECT coalesce(max(id), 0) FROM {events}"))[0])


class _Validation:
    """The replay's validation of each stored event by its model, done by workers during step 1.

    Step 1 hands over each ``ledger_index`` row's type and payload once it has checked them against
    the stored event; pages of them go to the pool (:func:`ledger.replay.validate_texts`; a page met
    while every worker is busy is validated here). The replay (step 4) then reports each problem
    where it reaches the event, with the same message. Memory: a few pages in flight, and the
    problems found, up to :data:`KEPT` (past that the replay validates every event itself).
    """

    KEPT = 1000

    def __init__(self, pool: Executor):
        self.calls: InOrder[None, Validated] = InOrder(pool, self._found)
        self.page: list[tuple[int, Any, str | bytes]] = []
        self.found: Validated | None = {}

    def add(self, position: int, event_type: Any, text: str | bytes) -> None:
        self.page.append((position, event_type, text))
        if len(self.page) >= PAGE:
            self.calls.put(None, validate_texts, self.page)
            self.page = []

    def verdicts(self) -> Validated | None:
        """Every verdict, once all are in; None if the replay must validate (too many problems to keep)."""
        if self.page:
            self.calls.put(None, validate_texts, self.page)
            self.page = []
        self.calls.drain()
        return self.found

    def _found(self, _: None, verdicts: Validated) -> None:
        if self.found is not None:
            self.found.update(verdicts)
            if len(self.found) > self.KEPT:
                self.found = None


def _check_log(
    db: _Reader, events: str, wanted: Digest | None, progress: Callable[[int], None] | None,
    validation: _Validation | None = None,
) -> tuple[int, str, bool]:
    """Step 1: sequence, chain, record time and index against the stored events; (count, head, wanted seen).

    A wanted digest with its event count must be the link at exactly that position; without one,
    any link will do. ``validation``: where each stored event's text goes to be validated.
    """
    pages = db.pages(f"SELECT id, originator_id, originator_version, topic, state FROM {events} ORDER BY id")
    # SQLite's reads find a position's event by row id (layout.with_log): each row's must be its position.
    # PostgreSQL's are found by version, and its ids may skip (a sequence does not roll back).
    by_id = not db.postgres
    chain = db.rows("SELECT position, digest FROM ledger_chain ORDER BY position")
    index = db.rows("SELECT position, event_id, type, date, target, recorded_at, recorded_by FROM ledger_index "
                    "ORDER BY position")
    previous, position = GENESIS, 0
    last_time: dt.datetime | None = None
    last_text: str | None = None
    seen = wanted is None or (wanted.hex == GENESIS and not wanted.events)
    at = wanted.events if wanted is not None else None
    try:
        for page in pages:
            for row_id, originator_id, version, topic, state in page:
                position += 1
                if version != position or originator_id not in STREAM_IDS:
                    raise IntegrityFailure(position, f"stored event out of sequence (found version {version}): "
                                                     "a row was deleted, inserted or moved", "ledger_events")
                if by_id and row_id != position:
                    raise IntegrityFailure(position, f"stored event out of sequence (found row id {row_id}): "
                                                     "a row was deleted, inserted or moved", "ledger_events")
                if not isinstance(state, bytes | memoryview | bytearray):
                    raise IntegrityFailure(position, "stored event is not bytes: the row was rewritten",
                                           "ledger_events")
                state = bytes(state)
                previous = link(previous, topic, state)
                stored_link = next(chain, None)
                if stored_link is None or stored_link[0] != position or stored_link[1] != previous:
                    raise IntegrityFailure(position, "hash chain mismatch: the stored event was edited, inserted "
                                                     "or reordered", "ledger_chain")
                if wanted is not None and (position == at or at is None) and not seen:
                    if previous != wanted.hex and at is not None:
                        raise IntegrityFailure(position, f"the log no longer extends digest {wanted.hex} taken at "
                                                         "this position: it or events before it were rewritten")
                    seen = previous == wanted.hex
                stored = orjson.loads(state)
                recorded_at = stored["recorded_at"]
                event = _framed(position, state, stored)
                if recorded_at != last_text:  # one append shares one record time: parse and compare it once
                    last_time, last_text = _check_record_time(position, recorded_at, last_time), recorded_at
                row = next(index, None)
                _check_index_row(position, row, stored)
                if validation is not None:
                    validation.add(position, row[2], event)  # type: ignore[index]  # None fails the check above
            if progress is not None:
                progress(len(page))
    except UNREADABLE as exc:
        raise IntegrityFailure(position, f"a stored row cannot be read ({exc.__class__.__name__}: {exc})",
                               "ledger_events") from None
    extra = next(chain, None)
    if extra is not None:
        raise IntegrityFailure(extra[0], f"the chain has a link at position {extra[0]} but the log "
                                         f"ends at {position}: events were deleted", "ledger_chain")
    stray = next(index, None)
    if stray is not None:
        raise IntegrityFailure(stray[0], "read model ledger_index has a row for an event that is not stored",
                               "ledger_index")
    return position, previous, seen


def _check_record_time(position: int, text: str, last: dt.datetime | None) -> dt.datetime:
    """The ledger takes record time after its write lock and never goes back: a row earlier than the one
    before it was written around the ledger (a backdated forgery, or a clock rewritten)."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"record time {text!r} has no time zone")
    if last is not None and moment < last:
        raise IntegrityFailure(position, f"record time goes backwards ({text} after "
                                         f"{last.isoformat(timespec='microseconds')}): the ledger never appends "
                                         "back in time, so this row was written around it", "ledger_events")
    return moment


def _framed(position: int, state: bytes, stored: Any) -> bytes:
    """The event's own text in a stored ``state``, which must read exactly as the ledger writes it
    (``ledger.log.encode_state``): reads cut the event out of it by offset (``layout.EVENT_AT``), so a
    state written in any other form, valid JSON or not, would read as something else there."""
    event = state[EVENT_AT - 1:-1]
    if not (isinstance(stored, dict) and len(stored) == 2 and isinstance(stored.get("recorded_at"), str)
            and state == encode_frame(stored["recorded_at"], event)):
        raise IntegrityFailure(position, "stored event is not in the form the ledger writes: the row was rewritten",
                               "ledger_events")
    return event


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
    ):
        raise IntegrityFailure(position, "read model ledger_index differs from the stored event", "ledger_index")


def _check_meta(db: _Reader, count: int) -> None:
    """Step 2: the meta rows answers depend on, and no other."""
    wanted = {"position": str(count), "schema_version": SCHEMA_VERSION}
    assert wanted.keys() == set(META_KEYS)
    found: dict[Any, Any] = {}
    for key, value in db.rows("SELECT key, value FROM ledger_meta"):
        if key not in wanted or key in found:
            raise IntegrityFailure(None, f"ledger_meta holds a row {key!r} the ledger does not write", "ledger_meta")
        found[key] = value
    if found.get("position") != wanted["position"]:
        raise IntegrityFailure(None, f"ledger_meta says the read models reflect position {found.get('position')}, "
                                     f"the log has {count} events", "ledger_meta")
    if found.get("schema_version") != SCHEMA_VERSION:
        raise IntegrityFailure(None, f"ledger_meta says the read models have schema {found.get('schema_version')}, "
                                     f"they are built as schema {SCHEMA_VERSION}", "ledger_meta")


def _check_ids(db: _Reader) -> None:
    """Step 3: no event id twice in the log (the index's unique constraint may have been dropped)."""
    previous: Sequence[Any] | None = None
    # Any order that puts equal ids together will do: the database's own, so its unique index serves.
    for row in db.rows("SELECT event_id, position FROM ledger_index ORDER BY event_id"):
        if previous is not None and row[0] == previous[0]:
            raise IntegrityFailure(max(row[1], previous[1]), f"event {row[0]} is stored twice (also at position "
                                                             f"{min(row[1], previous[1])})", "ledger_events")
        previous = row
