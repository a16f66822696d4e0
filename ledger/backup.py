"""A backup that keeps history: ``ledger export --full`` and ``ledger restore``.

Plain ``ledger export`` writes the events as an analyst would type them; appending
that file elsewhere records them *again*, at new record times, so ``--known-at``
answers and the digest differ on the copy. A full export is every stored field
instead, one JSON line per event in record order after a header line::

    {"ledger_backup":1,"events":2,"digest":"5d41…"}
    {"position":1,"recorded_at":"2025-04-02T20:05:11.203117+00:00","recorded_by_role":"analyst",
     "topic":"events.measure:MeasureAnnounced","event":{"type":"measure.announced",…},"link":"1b0c…"}
    {"position":2,…,"link":"5d41…"}

(one line each; wrapped here). The author is ``event.recorded_by``; ``recorded_by_role`` is
the database role that inserted the row (PostgreSQL; null where none was recorded). An event
whose stored bytes are not what the ledger's mapper would write from ``recorded_at`` and
``event`` also carries ``"state"``: the stored text exactly, so its link still recomputes.

``restore`` takes such a file into an empty ledger, in one transaction: it recomputes every
link from the bytes it is about to store and compares it with the line's, checks positions
run 1, 2, 3…, record times never go backwards nor past the database's clock, each event
reads as its type, and the file ends where its header says. Any bad line: exit 2 naming
it, nothing written. It stores through the library's recorder (as ``append`` does), with
the original record times, authors and roles, and writes the read models as ``rebuild``
would, so the copy has the same digest and answers every ``--known-at`` question alike.

Both directions stream: memory follows one page of events, not the ledger.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, NoReturn

import orjson
from sqlalchemy import Connection, Engine, text

from events.errors import BadInput, InputError
from events.parse import parse_event
from ledger.errors import IntegrityFailure, StorageError
from ledger.storage import EVENTS_TABLE, STREAM_IDS

FORMAT = "ledger_backup"
VERSION = 1
PAGE = 2000
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")
HEX = re.compile(r"[0-9a-f]{64}")
LINE_KEYS = {"position", "recorded_at", "recorded_by_role", "topic", "event", "link"}


# -- export --full ---------------------------------------------------------------------------------


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a backup is the ledger at one moment, whatever is appended meanwhile."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


def export_full(engine: Engine) -> Iterator[bytes]:
    """The header line, then one line per stored event in record order (a server-side cursor on PostgreSQL)."""
    with _snapshot(engine) as conn:
        head = conn.execute(text("SELECT position, digest FROM ledger_chain ORDER BY position DESC LIMIT 1")).first()
        yield orjson.dumps({FORMAT: VERSION, "events": head[0] if head else 0,
                            "digest": head[1] if head else "0" * 64}) + b"\n"
        rows = conn.execution_options(stream_results=True, max_row_buffer=PAGE).execute(text(
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state, e.recorded_by_role, c.digest "
            f"FROM {EVENTS_TABLE} e LEFT JOIN ledger_chain c ON c.position = e.originator_version ORDER BY e.id"))
        streams = STREAM_IDS
        for position, (stream, version, topic, state, role, link) in enumerate(rows, start=1):
            if stream not in streams or version != position:
                raise IntegrityFailure(position, "stored events are out of sequence: run `ledger verify`")
            yield orjson.dumps(_line(position, topic, bytes(state), role, link)) + b"\n"


def _line(position: int, topic: str, state: bytes, role: str | None, link: str | None) -> dict[str, Any]:
    try:
        stored = orjson.loads(state)
        recorded_at, event = stored["recorded_at"], stored["event"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        raise IntegrityFailure(position, "the stored event cannot be read: run `ledger verify`") from None
    line = {"position": position, "recorded_at": recorded_at, "recorded_by_role": role, "topic": topic,
            "event": event, "link": link}
    if stored_bytes(recorded_at, event) != state:
        line["state"] = state.decode()
    return line


def stored_bytes(recorded_at: str, event: dict[str, Any]) -> bytes:
    """What the ledger's mapper (``ledger.store.EntryMapper``) stores for an event recorded at ``recorded_at``."""
    return orjson.dumps({"recorded_at": recorded_at, "event": event})


# -- restore ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """How many events a restore wrote, and the head digest it ended with (the source's)."""

    restored: int
    head: str

    def to_json(self) -> dict[str, Any]:
        return {"restored": self.restored, "head": self.head}


def numbered(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a backup with their line numbers (1-based, blank lines counted)."""
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield number, raw


@dataclass
class Checked:
    """One backup line that passed: what to store, and what the read models need of it."""

    position: int
    recorded_at: str
    topic: str
    state: bytes
    payload: dict[str, Any]
    role: str | None
    link: str


class _Reader:
    """Checks backup lines in order: position, record time, event, topic, and the chain link by link."""

    def __init__(self, now: str):
        from ledger.chain import GENESIS

        self.now = now
        self.position = 0
        self.digest = GENESIS
        self.recorded_at = ""

    def header(self, number: int, raw: bytes) -> tuple[int, str]:
        value = _json(number, raw)
        if not isinstance(value, dict) or value.get(FORMAT) is None:
            _bad(number, None, "not a backup written by `ledger export --full` (to add the events of a plain "
                               "export to a ledger, use `ledger append --file`)")
        if value[FORMAT] != VERSION:
            _bad(number, FORMAT, f"backup format {value[FORMAT]!r}, this program reads {VERSION}")
        events, digest = value.get("events"), value.get("digest")
        if type(events) is not int or events < 0:
            _bad(number, "events", f"expected a count of events, got {events!r}")
        if not isinstance(digest, str) or not HEX.fullmatch(digest):
            _bad(number, "digest", f"expected 64 hex digits, got {digest!r}")
        return events, digest

    def line(self, number: int, raw: bytes) -> Checked:
        from ledger.chain import link

        value = _json(number, raw)
        if not isinstance(value, dict):
            _bad(number, None, "expected a JSON object")
        missing = sorted(LINE_KEYS - value.keys())
        if missing:
            _bad(number, missing[0], "is required but missing")
        extra = sorted(value.keys() - LINE_KEYS - {"state"})
        if extra:
            _bad(number, extra[0], "is not a field of a backup line")
        position, recorded_at, event = value["position"], value["recorded_at"], value["event"]
        if position != self.position + 1 or type(position) is not int:
            _bad(number, "position", f"expected {self.position + 1}, got {position!r}: lines are missing, "
                                     "repeated or out of order")
        if not isinstance(recorded_at, str) or not TIME.fullmatch(recorded_at) or not _real(recorded_at):
            _bad(number, "recorded_at", f"expected a UTC time like 2025-06-01T09:30:00.000000+00:00, "
                                        f"got {recorded_at!r}")
        if recorded_at < self.recorded_at:
            _bad(number, "recorded_at", f"{recorded_at} is before the previous line's {self.recorded_at}: "
                                        "record time never goes backwards")
        if recorded_at > self.now:
            _bad(number, "recorded_at", f"{recorded_at} is later than the database's clock ({self.now})")
        role = value["recorded_by_role"]
        if role is not None and not isinstance(role, str):
            _bad(number, "recorded_by_role", f"expected a role name or null, got {role!r}")
        topic = _topic(number, value["topic"], event)
        state = _state(number, value, recorded_at, event)
        digest = link(self.digest, topic, state)
        if value["link"] != digest:
            _bad(number, "link", "does not match the chain recomputed from the lines so far: this line or one "
                                 "before it was edited")
        self.position, self.digest, self.recorded_at = position, digest, recorded_at
        return Checked(position, recorded_at, topic, state, event, role, digest)


def _real(moment: str) -> bool:
    try:
        dt.datetime.fromisoformat(moment)
        return True
    except ValueError:  # 2025-02-30, 24:00
        return False


def _json(number: int, raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _bad(number, None, f"not valid JSON: {exc}")


def _bad(number: int, field: str | None, message: str) -> NoReturn:
    raise BadInput([InputError(number, field, message)])


def _topic(number: int, topic: Any, event: Any) -> str:
    """The event must read as its type (as ``rebuild`` will read it), stored under that type's topic."""
    from eventsourcing.utils import get_topic

    try:
        model = parse_event(event, number)
    except BadInput as exc:
        error = exc.errors[0]
        _bad(number, f"event.{error.field}" if error.field else "event", error.message)
    if topic != get_topic(type(model)):
        _bad(number, "topic", f"{topic!r} is not the topic of a {event['type']} event")
    return str(topic)


def _state(number: int, value: dict[str, Any], recorded_at: str, event: dict[str, Any]) -> bytes:
    """The bytes to store: the mapper's encoding, or the exact text the line carries."""
    if "state" not in value:
        return stored_bytes(recorded_at, event)
    exact = value["state"]
    try:
        state = exact.encode()
        stored = orjson.loads(state)
        same = stored["recorded_at"] == recorded_at and stored["event"] == event
    except (AttributeError, orjson.JSONDecodeError, TypeError, KeyError, UnicodeEncodeError):
        same = False
    if not same:
        _bad(number, "state", "does not hold the line's recorded_at and event")
    return state


def restore(app: Any, lines: Iterable[tuple[int, bytes]], where: str,
            progress: Callable[[int], None] | None = None) -> RestoreResult:
    """Fill the empty ledger of ``app`` from backup lines, all or nothing; raise BadInput at the first bad line."""
    from ledger.append import Head, _analyze, record_time
    from ledger.chain import GENESIS
    from ledger.log import format_time
    from ledger.maintenance import lock_session
    from ledger.schema import arm_insert_guard
    from projections.readmodel.queries import OnConnection

    session = app.recorder.datastore.session_maker()
    try:
        conn = lock_session(session)
        db = OnConnection(conn)
        _require_empty(conn, where)
        reader = _Reader(format_time(record_time(db, Head(0, GENESIS, None))))
        _disarm(conn)
        numbered_lines = iter(lines)
        first = next(numbered_lines, None)
        if first is None:
            _bad(1, None, "the backup is empty: not a backup written by `ledger export --full`")
        events, digest = reader.header(*first)
        writer = _Writer(app, session, db)
        last = first[0]
        for number, raw in numbered_lines:
            last = number
            writer.add(reader.line(number, raw))
            if progress is not None:
                progress(1)
        if reader.position != events or reader.digest != digest:
            _bad(last, None, f"the backup ends after {reader.position} events with head {reader.digest}, its "
                             f"header says {events} events with head {digest}: it was cut short or altered")
        writer.finish()
        arm_insert_guard(conn)
        _analyze(db, reader.position)
        session.commit()
        return RestoreResult(reader.position, reader.digest)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _disarm(conn: Connection) -> None:
    """Switch the insert guard off for this transaction: only the owner may, on PostgreSQL."""
    from sqlalchemy.exc import DBAPIError

    from ledger.schema import disarm_insert_guard

    try:
        disarm_insert_guard(conn)
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        raise StorageError(f"restore must run as the owner of the ledger's tables: it writes old record times, "
                           f"which the insert guard refuses to anyone else ({reason}); nothing was written") from None


def _require_empty(conn: Connection, where: str) -> None:
    from projections.readmodel.layout import ledger_index
    from projections.readmodel.registry import READ_MODELS

    held = conn.execute(text(f"SELECT count(*) FROM (SELECT 1 FROM {EVENTS_TABLE} LIMIT 1) AS e")).scalar_one()
    chained = conn.execute(text("SELECT count(*) FROM (SELECT 1 FROM ledger_chain LIMIT 1) AS c")).scalar_one()
    if held or chained:
        raise BadInput([InputError(None, None, f"the ledger at {where} is not empty: restore fills an empty "
                                               "ledger only (to add events to this one, use "
                                               "`ledger export | ledger append --file -`)")])
    for table in (ledger_index, *(m.table for m in READ_MODELS)):  # nothing derived can outlive an empty log
        conn.execute(text(f"DELETE FROM {table.name}"))


class _Writer:
    """Stores checked lines in pages through the event store and indexes them, as ``rebuild`` does."""

    def __init__(self, app: Any, session: Any, db: Any):
        self.app, self.session, self.db = app, session, db
        self.page: list[Checked] = []
        self.corrected: set[str] = set()
        self.touched: set[tuple[str, str]] = set()
        self.count = 0

    def add(self, checked: Checked) -> None:
        self.page.append(checked)
        if len(self.page) >= PAGE:
            self.flush()

    def flush(self) -> None:
        from events.registry import CORRECTION_TYPES, EVENT_TYPES
        from ledger.store import LEDGER_STREAM, RestoredEvent
        from projections.readmodel.layout import ledger_chain
        from projections.readmodel.queries import TargetSubjects
        from projections.readmodel.writer import bulk_insert, index_row, insert_rows

        if not self.page:
            return
        stored = [RestoredEvent(LEDGER_STREAM, c.position, c.topic, c.state, c.role) for c in self.page]
        self.app.recorder.insert_events(stored, session=self.session)
        links, rows = [], []
        filed = TargetSubjects(self.db, [c.payload["target"] for c in self.page
                                         if c.payload["type"] in CORRECTION_TYPES])
        for c in self.page:
            links.append({"position": c.position, "digest": c.link})
            payload = c.payload
            if payload["type"] in CORRECTION_TYPES:
                subject = filed.of(payload["target"])
            else:
                field = EVENT_TYPES[payload["type"]].subject
                subject = (field, payload[field])
            rows.append(index_row(c.position, c.recorded_at, payload, subject))
            filed.file(payload["id"], subject)
            self.touched.add(subject)
        bulk_insert(self.db, ledger_chain, links)
        self.corrected.update(insert_rows(self.db, rows, [c.payload for c in self.page]))
        self.count += len(self.page)
        self.page.clear()

    def finish(self) -> None:
        from ledger.workers import process_pool, workers_for
        from projections.readmodel.writer import finish

        self.flush()
        # As a rebuild: the folds of a large restore on worker processes (this process keeps the transaction).
        with process_pool(workers_for(self.count)) as pool:
            finish(self.db, self.corrected, self.touched, self.count, replace_rows=False, pool=pool)  # emptied first
