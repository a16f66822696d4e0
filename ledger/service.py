"""The application service — the ledger's Python API: plain values in, typed results out.

The CLI calls one method per command, and so can a notebook (docs/python.md)::

    ledger = Ledger("ledger.db")
    rate = ledger.rate("JP", "870323", dt.date(2025, 6, 1), imposer="US")
    rate.rate, [c.measure for c in rate.components]   # Decimal('27.5'), ['us-232-autos', 'us-mfn-8703']
    rate.to_json()                                    # the `ledger rate --format json` answer

Results are frozen values from :mod:`projections.results` (and :mod:`projections.diff`,
:mod:`projections.audit`, :mod:`projections.integrity`). Reads go straight to the
read models through the database driver itself (``ledger.storage.connect``: ``sqlite3`` or
``psycopg``, SQL text from :mod:`projections.readmodel.reads`), so a read command imports
neither SQLAlchemy nor ``eventsourcing``. Only ``known_at`` (a replay of the log), writes,
export and verification load them, when called.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, NoReturn

from events.errors import InputError
from ledger.errors import LedgerError, NoLedger, StorageError
from ledger.storage import resolve_url, sqlite_path

if TYPE_CHECKING:  # the result types; imported lazily at run time so the CLI starts fast
    from ledger.append import AppendResult
    from ledger.backup import RestoreResult
    from ledger.reports import Source
    from ledger.schedule_import import ImportOptions as ScheduleImportOptions
    from ledger.schedule_import import ImportResult as ScheduleImportResult
    from ledger.tokens import TokenInfo
    from projections.audit import History, HistoryEntry
    from projections.diff import Diff
    from projections.integrity import Digest, Verification
    from projections.results import Rate, ScheduleList, ScheduleShow, State
    from projections.series import RateSeries
    from projections.timeline import Filters, Timeline, TimelineEntry


def default_author(author: str | None = None) -> str:
    if author:
        return author
    env = os.environ.get("LEDGER_AUTHOR")
    if env:
        return env
    import getpass  # here: it loads termios, and only writes need an author

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def parse_known_at(value: str | None) -> str | None:
    """A record-time cut as the fixed-width UTC string stored in the index.

    Accepts what ``history`` prints (``2025-06-01T09:30:00.123456+00:00``), any ISO
    timestamp (naive = UTC), or a date, meaning the end of that day in UTC; in UTC it
    must fall within the dates the ledger accepts (:mod:`events.limits`).
    """
    if value is None:
        return None
    from events.limits import record_time_cut
    from ledger.log import format_time

    try:
        moment = record_time_cut(value)
    except ValueError as exc:
        raise_input("known_at", str(exc))
    return format_time(moment)


def parse_day(field: str, value: str) -> dt.date:
    """A date option, checked like every date field of an event (shape, real day, accepted range)."""
    from events.limits import iso_date

    try:
        return iso_date(value)
    except ValueError as exc:
        raise_input(field, str(exc))


def raise_input(field: str, message: str) -> NoReturn:
    """Refuse a command's input: exit 2 at the CLI, with ``field: message``."""
    from events.errors import BadInput

    raise BadInput([InputError(None, field, message)])


#: Idle readers a :class:`Ledger` keeps (per process) between reads.
IDLE_READERS = 16


@dataclass(frozen=True)
class Initialized:
    """What ``init`` did: created the ledger, or upgraded an older one's read models (rebuilt from the log), or
    found it current (neither)."""

    created: bool
    schema: str  # the read models' schema now
    upgraded_from: str | None = None  # the read models' schema before, when upgraded
    events: int = 0  # the events the upgrade refolded


class Ledger:
    """One ledger database. ``Ledger(None)`` uses ``$LEDGER_DB`` or ``sqlite:///ledger.db``."""

    def __init__(self, db: str | None = None):
        self.url = resolve_url(db)
        self._engine: Any = None
        self._app: Any = None
        # Idle readers kept between reads: a PostgreSQL connection costs more than most questions
        # (~15 ms against ~1 ms for a rate), and opening SQLite plus its first snapshot was ~40% of
        # `ledger serve`'s CPU per answer. A SQLite reader remembers the file it opened (device,
        # inode) and is dropped when the path names another file (a restore), so the file read is
        # always the one at the path. Bounded: a server's threads share a few.
        self._idle: list[tuple[Any, tuple[int, int] | None]] = []
        self._idle_lock = threading.Lock()

    # -- wiring ---------------------------------------------------------------------------

    @property
    def where(self) -> str:
        path = sqlite_path(self.url)
        return str(path) if path is not None else self.url.split("@")[-1]

    def engine(self) -> Any:
        """A SQLAlchemy engine (full backups and tokens); reads and appends use the driver (:meth:`reading`)."""
        if self._engine is None:
            from ledger.engine import create_engine

            self._engine = create_engine(self.url)
        return self._engine

    def app(self) -> Any:
        if self._app is None:
            from ledger.engine import configure_engine
            from ledger.store import open_application

            self._app = open_application(self.url)
            configure_engine(self._app.recorder.datastore.engine)
        return self._app

    def prepare_writes(self) -> None:
        """Load the append machinery now (the checks, the writer, the event models and their validators).

        ``ledger serve`` calls it at start: loading it takes a couple of hundred milliseconds of CPU, and
        inside the first ``POST /api/events`` that time was taken from the answers being served.
        """
        import ledger.append  # noqa: F401
        from events.parse import event_adapter

        self._require()
        event_adapter()  # the one validator over every event type, built on first use

    def _require(self) -> None:
        with self.reading():
            pass

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A read transaction on the ledger (a :class:`ledger.storage.Reader`), once its schema is checked.

        A missing file or missing tables say how to create the ledger; read models of another schema
        version say how to upgrade them.
        """
        from projections.readmodel.reads import SCHEMA_VERSION, meta_value

        reader, identity = self._take_reader()
        try:
            try:
                reader.begin()
                version = meta_value(reader, "schema_version")
            except Exception as exc:
                if not _missing_table(exc):
                    raise _open_failure(exc, self.where) from None
                # No such table (SQLite's OperationalError, PostgreSQL's UndefinedTable): not a ledger yet.
                raise NoLedger(self.where) from None
            if version != SCHEMA_VERSION:
                raise LedgerError(f"the ledger at {self.where} has read models of schema {version}, this program "
                                  f"uses {SCHEMA_VERSION}: run `ledger init` to upgrade it (the log is kept)")
            yield reader
        finally:
            self._give_back(reader, identity)

    def _give_back(self, reader: Any, identity: tuple[int, int] | None) -> None:
        """End the connection's transaction and keep it idle for the next read, or close it."""
        kept = False
        try:
            reader.end()
            with self._idle_lock:
                if len(self._idle) < IDLE_READERS:
                    self._idle.append((reader, identity))
                    kept = True
        except Exception:  # noqa: S110  (a connection that cannot end its transaction is not kept)
            pass
        if not kept:
            _close_quietly(reader)

    def _take_reader(self) -> tuple[Any, tuple[int, int] | None]:
        """An idle reader on the same file, else a new connection; a failure to connect names the ledger."""
        from ledger.storage import connect

        path = sqlite_path(self.url)
        identity: tuple[int, int] | None = None
        if path is not None:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise NoLedger(str(path)) from None
            except OSError:
                st = None  # let the driver say what is wrong with the path
            identity = (st.st_dev, st.st_ino) if st is not None else None
        while True:
            with self._idle_lock:
                if not self._idle:
                    break
                reader, had = self._idle.pop()
            if had == identity:
                return reader, identity
            _close_quietly(reader)  # the path names another file now
        try:
            return connect(self.url), identity
        except Exception as exc:
            raise _open_failure(exc, self.where) from None

    def close(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for reader, _ in idle:
            _close_quietly(reader)
        if self._engine is not None:
            self._engine.dispose()
        if self._app is not None:
            self._app.recorder.datastore.engine.dispose()

    # -- commands -------------------------------------------------------------------------

    def init(self, force: bool = False) -> Initialized:
        """Create the store and read models, or upgrade an existing ledger's read models to this schema.

        A SQLite file that is not a database, or a database with other tables and no ledger, is
        refused before anything is written, unless ``force`` (see :mod:`ledger.failures`).
        """
        from ledger.failures import check_init_target, storage_failure
        from ledger.maintenance import rebuild
        from ledger.schema import create_schema, drop_retired_columns, recreate_indexes
        from projections.readmodel.queries import OnConnection, get_meta
        from projections.readmodel.tables import SCHEMA_VERSION
        from projections.readmodel.writer import set_meta

        check_init_target(sqlite_path(self.url), force)
        try:
            created = create_schema(self.app())
            engine = self.app().recorder.datastore.engine
            with engine.connect() as conn:
                version = get_meta(OnConnection(conn), "schema_version")
            if version == SCHEMA_VERSION:
                return Initialized(created, SCHEMA_VERSION)
            # An older ledger: the new tables exist now; its indexes as declared now, then every read
            # model refolded from the log.
            with engine.begin() as conn:
                drop_retired_columns(conn)
                recreate_indexes(conn)
            count = rebuild(self.app())
            with engine.begin() as conn:
                set_meta(OnConnection(conn), "schema_version", SCHEMA_VERSION)
            return Initialized(created, SCHEMA_VERSION, version or "none", count)
        except Exception as exc:
            failure = storage_failure(exc, "create the ledger", self.where)
            if failure is None:
                raise
            raise failure from None

    def append(
        self,
        lines: Iterable[tuple[int | None, Any]],
        author: str | None = None,
        progress: Callable[[int], None] | None = None,
        author_fixed: bool = False,
        precondition: Callable[[Any], None] | None = None,
        workers: int | None = None,
    ) -> AppendResult:
        """Append lines (``(line number, value)``) all or nothing.

        A value is a line's raw JSON text (bytes), an event as interchange JSON (a dict), or an
        :class:`InputError` found while reading the line. Any bad line raises :class:`BadInput`
        listing every problem, with ``nothing_written`` set. ``author_fixed`` makes ``author`` the
        ``recorded_by`` of every event, whatever the event says (``POST /api/events``: the token
        names the author). ``precondition(connection)`` runs under the write lock before anything
        is written (:func:`ledger.append.append`). ``workers``: processes validating a large
        input (:mod:`ledger.intake`; None: ``LEDGER_WORKERS`` or the CPUs, 0: none).
        """
        from events.errors import BadInput
        from ledger.append import append
        from ledger.intake import parsed

        self._require()
        who = default_author(author)
        try:
            with parsed(lines, who, author_fixed, workers) as intake, self._writing(intake.pool is None) as db:
                return _translate(lambda: append(db, intake.items, who, progress, precondition,  # type: ignore[no-any-return]
                                                 pool=intake.pool))
        except BadInput as exc:
            raise BadInput(exc.errors, nothing_written=True, stopped_after=exc.stopped_after) from None

    @contextmanager
    def _writing(self, reuse: bool) -> Iterator[Any]:
        """A driver connection for one append's transaction (``ledger.append`` begins and ends it): an
        append loads neither SQLAlchemy nor the event store's library.

        ``reuse``: take an idle reader (the one the schema check just used, say: a PostgreSQL connection
        costs ~15 ms) and keep it afterwards. Not when worker processes were forked for the append: they
        must not share a connection opened before them, so it gets a new one, closed at the end.
        """
        from ledger.storage import connect

        if not reuse:
            try:
                db = connect(self.url)
            except Exception as exc:
                raise _open_failure(exc, self.where) from None
            try:
                yield db
            finally:
                _close_quietly(db)
            return
        db, identity = self._take_reader()
        try:
            yield db
        finally:
            if db.dialect == "sqlite":
                # Back to the default page cache: the writer's 128 MB (ledger.append.lock) is no reader's business.
                with suppress(Exception):
                    db.conn.execute("PRAGMA cache_size = -2000")
            self._give_back(db, identity)

    def state(self, as_of: dt.date, known_at: str | None = None,
              imposer: str | None = None, partner: str | None = None) -> State:
        """Measures (of ``imposer``, covering ``partner``) and negotiations between them on ``as_of``."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.state(src, as_of, known_at, imposer, partner)

    def state_head(self, as_of: dt.date, rows: int, known_at: str | None = None, imposer: str | None = None,
                   partner: str | None = None) -> tuple[State, dict[str, int]]:
        """:meth:`state` with only its first ``rows`` measures and negotiations, and how many of each it has
        (``{"measures": n, "negotiations": m}``): a page of a large state, its tracks not all folded."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.state_head(src, as_of, known_at, imposer, partner, rows)

    def rate(self, partner: str, product: str, as_of: dt.date, imposer: str | None = None,
             known_at: str | None = None) -> Rate:
        """The stacked rate of ``partner``'s ``product`` on ``as_of``, with its components and exclusions."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.rate(src, partner, product, as_of, imposer, known_at)

    def rates(self, partner: str, products: Sequence[str], as_of: dt.date, imposer: str | None = None,
              known_at: str | None = None) -> list[Rate]:
        """The rate of each of ``products``, in order, from one read of the ledger."""
        from ledger import reports

        with self._source(known_at) as src:
            return [reports.rate(src, partner, p, as_of, imposer, known_at) for p in products]

    def diff(self, start: dt.date, end: dt.date, known_at: str | None = None,
             imposer: str | None = None, partner: str | None = None) -> Diff:
        """What changed in the state (same filters) between ``start`` and ``end``."""
        from ledger import reports
        from projections.diff import diff_sides, side

        with self._source(known_at) as src:
            # One state at a time: the first is down to its compared fields before the second is folded.
            before = side(reports.state(src, start, known_at, imposer, partner))
            return diff_sides(before, side(reports.state(src, end, known_at, imposer, partner)))

    def rate_series(self, partner: str, product: str, start: dt.date, end: dt.date, imposer: str | None = None,
                    known_at: str | None = None) -> RateSeries:
        """The rate on every date in ``[start, end]`` as steps, with the negotiation milestones (``ledger chart``)."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.rate_series(src, partner, product, start, end, imposer, known_at)  # type: ignore[no-any-return]

    def history(self, kind: str | None = None, slug: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None, after: int | None = None, limit: int | None = None) -> History:
        """The audit trail: every recorded event (of one subject, dated in a range), corrections linked;
        those after position ``after``, at most ``limit`` of them (a page of ``GET /api/history``)."""
        from ledger import trail

        with self.reading() as conn:
            return trail.history(conn, kind, slug, since, until, after, limit)

    def history_entries(self, kind: str | None = None, slug: str | None = None, since: dt.date | None = None,
                        until: dt.date | None = None) -> Generator[HistoryEntry, None, None]:
        """:meth:`history` an entry at a time, read a page at a time in one read transaction: memory stays
        flat on a ledger of any size. The transaction ends when the iterator is used up or closed."""
        from ledger import trail

        with self.reading() as conn:
            yield from trail.history_entries(conn, kind, slug, since, until)

    def timeline(self, filters: Filters | None = None) -> Timeline:
        """The developments in date order, one sentence each, with their sources."""
        from ledger import trail
        from projections.timeline import Filters

        with self.reading() as conn:
            return trail.timeline(conn, filters or Filters())

    def timeline_entries(self, filters: Filters | None = None,
                         after: tuple[str, int] | None = None) -> Generator[TimelineEntry, None, None]:
        """:meth:`timeline` an entry at a time, as it is read, in one read transaction (which ends when the
        iterator is used up or closed): memory holds what the filters need to know and the corrections,
        not the timeline. ``after``: the developments after this ``(date, position)`` only (a page's
        cursor: the last entry's ``date`` and ``position``)."""
        from ledger import trail
        from projections.timeline import Filters

        with self.reading() as conn:
            yield from trail.timeline_entries(conn, filters or Filters(), after)

    def schedule_import(self, path: str, options: ScheduleImportOptions, fmt: str | None = None,
                        product_column: str | None = None, rate_column: str | None = None,
                        author: str | None = None, progress: Callable[[int, int], None] | None = None
                        ) -> ScheduleImportResult:
        """Read a schedule file and record what it changes (``ledger.schedule_import``), all or nothing."""
        from ledger.schedule_import import run

        self._require()
        return run(self, path, options, fmt, product_column, rate_column, author, progress)

    def schedules(self, as_of: dt.date | None = None, imposer: str | None = None,
                  known_at: str | None = None) -> ScheduleList:
        """Every schedule (of ``imposer``); with ``as_of``, its lines then and whether it is in force."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.schedule_list(src, as_of, imposer)

    def schedule(self, slug: str, as_of: dt.date | None = None, product: str | None = None,
                 known_at: str | None = None) -> ScheduleShow:
        """One schedule's lines on ``as_of`` (default: its effective date), under ``product`` if given."""
        from ledger import reports

        with self._source(known_at) as src:
            return reports.schedule_show(src, slug, as_of, product)

    def export(self) -> Iterator[bytes]:
        """Every stored event as a JSON line, in record order (re-importable with ``append``)."""
        from ledger.trail import export

        with self.reading() as conn:
            yield from export(conn)

    def export_full(self) -> Iterator[bytes]:
        """A backup: a header line, then every stored field of every event (``ledger.backup``)."""
        from ledger.backup import export_full

        self._require()
        yield from export_full(self.engine())

    def restore(self, stream: IO[bytes], progress: Callable[[int], None] | None = None) -> RestoreResult:
        """Fill this empty ledger from a backup that ``export_full`` wrote, all or nothing."""
        from events.errors import BadInput
        from ledger.backup import numbered, restore

        self._require()
        try:
            return _translate(lambda: restore(self.app(), numbered(stream), self.where, progress))  # type: ignore[no-any-return]
        except BadInput as exc:
            raise BadInput(exc.errors, nothing_written=True, stopped_after=exc.stopped_after) from None

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop and refold every read model from the log; the number of events."""
        from ledger.failures import storage_failure
        from ledger.maintenance import rebuild

        self._require()
        try:
            return rebuild(self.app(), progress)
        except Exception as exc:
            failure = storage_failure(exc, "rebuild the read models", self.where)
            if failure is None:
                raise
            raise failure from None

    def verify(self, digest: str | None = None, progress: Callable[[int], None] | None = None) -> Verification:
        """Check the chain, the positions and every read model; raise IntegrityFailure at the first problem."""
        from ledger.verify import verify
        from projections.integrity import Verification

        self._require()
        found = verify(self.app(), digest, progress)
        return Verification(True, found["events"], found["digest"], found["append_only"])

    def position(self) -> int:
        """The last log position the read models reflect; it moves with every append (``ledger serve``'s cache key)."""
        from projections.readmodel.reads import meta_value

        with self.reading() as db:
            return int(meta_value(db, "position") or 0)

    def digest(self) -> Digest:
        """The head of the hash chain and the event count."""
        from ledger.trail import head

        with self.reading() as conn:
            return head(conn)

    # -- tokens for `ledger serve` (ledger/tokens.py) ----------------------------------------

    def token_create(self, name: str) -> str:
        """A new token's secret (shown once; only its hash is kept). BadInput if ``name`` has a live token."""
        from ledger import tokens

        if not tokens.NAME.fullmatch(name):
            raise_input("name", f"{name!r}: a token name is letters, digits, '.', '_', '@' or '-' (at most 100)")
        with self._tokens(write=True) as conn:
            secret = tokens.create(conn, name)
        if secret is None:
            raise_input("name", f"a token named {name!r} exists: revoke it first (`ledger token revoke {name}`)")
        return secret

    def token_list(self) -> list[TokenInfo]:
        from ledger import tokens

        with self._tokens() as conn:
            return tokens.listing(conn)

    def token_revoke(self, name: str) -> None:
        """Revoke ``name``'s token at once (BadInput if there is no live token of that name)."""
        from ledger import tokens

        with self._tokens(write=True) as conn:
            if not tokens.revoke(conn, name):
                raise_input("name", f"no live token named {name!r} (`ledger token list` shows them)")

    def token_holder(self, secret: str) -> str | None:
        """The name of the live token whose secret this is, else None; looked up anew on every call."""
        from ledger import tokens

        with self._tokens() as conn:
            return tokens.holder(conn, secret)

    @contextmanager
    def _tokens(self, write: bool = False) -> Iterator[Any]:
        from sqlalchemy import inspect

        self._require()
        with self.engine().begin() if write else self.engine().connect() as conn:
            if not inspect(conn).has_table("ledger_tokens"):
                raise LedgerError(f"the ledger at {self.where} has no token table yet: run `ledger init` to add it "
                                  "(the log and the read models are kept)")
            yield conn

    @contextmanager
    def _source(self, known_at: str | None) -> Iterator[Source]:
        """The read models, or the log replayed as recorded by ``known_at``."""
        from ledger.reports import ReadModel, Replay

        with self.reading() as conn:
            if known_at is None:
                yield ReadModel(conn)
                return
            # The replay decodes the log with every event model: it may import what it needs.
            from projections.readmodel.queries import records

            replay = Replay(records(conn, known_at))  # read in full here, in the reader's one transaction
        yield replay


def _close_quietly(reader: Any) -> None:
    with suppress(Exception):  # closing a broken connection: nothing left to do
        reader.conn.close()


def _open_failure(exc: Exception, where: str) -> Exception:
    """A driver's failure to open the ledger as a :class:`StorageError` naming it; anything else unchanged."""
    from ledger.failures import storage_errors

    if not isinstance(exc, storage_errors()):
        return exc
    first = str(exc).splitlines()[0] if str(exc) else ""
    return StorageError(f"cannot open the ledger at {where}: {exc.__class__.__name__}: {first}{_hint(first)}")


def _hint(first: str) -> str:
    """What to do about a SQLite failure whose own words do not say: "database is locked" comes after 60 s of
    waiting (``busy_timeout``); "database or disk is full" may be the temporary directory a large import sorts
    its events in (``projections.readmodel.writer.SortedScan``), not the ledger's disk."""
    if "database is locked" in first:
        return ("; another command has held the file's lock for over 60 seconds (an append keeps other writers "
                "waiting until it commits): try again once it has finished")
    if "database or disk is full" in first:
        from ledger.failures import no_room

        return f"; {no_room('a large import ')}"
    return ""


def _missing_table(exc: Any) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _translate(call: Callable[[], Any]) -> Any:
    """Library and database failures → :class:`LedgerError`, at this edge."""
    from ledger.failures import storage_errors

    try:
        return call()
    except LedgerError:
        raise
    except Exception as exc:
        if not isinstance(exc, storage_errors()):
            raise
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise StorageError(f"the database refused the write: {first}{_hint(first)}") from None
