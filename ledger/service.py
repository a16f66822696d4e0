"""The application service: plain values in, result values out; the CLI and tests call this.

Reads go straight to the read models through a SQLAlchemy engine; only writes,
export and verification open the ``eventsourcing`` application, so a read does
not pay for the event-store machinery.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from events.errors import InputError
from ledger.errors import LedgerError, NoLedger, StorageError
from ledger.storage import create_engine, resolve_url, sqlite_path


def default_author(author: str | None = None) -> str:
    if author:
        return author
    env = os.environ.get("LEDGER_AUTHOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def parse_known_at(value: str | None) -> str | None:
    """A record-time cut as the fixed-width UTC string stored in the index.

    Accepts what ``history`` prints (``2025-06-01T09:30:00.123456+00:00``), any ISO
    timestamp (naive = UTC), or a date, meaning the end of that day in UTC.
    """
    if value is None:
        return None
    from ledger.store import format_time

    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max, dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise_input("known_at", f"expected a timestamp like 2025-06-01T09:30:00+00:00 or a date, got {value!r}")
    return format_time(moment)


def parse_day(field: str, value: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        return raise_input(field, f"expected an ISO date like 2025-06-01, got {value!r}")  # type: ignore[no-any-return]


def raise_input(field: str, message: str) -> Any:
    from events.errors import BadInput

    raise BadInput([InputError(None, field, message)])


class Ledger:
    """One ledger database. ``Ledger(None)`` uses ``$LEDGER_DB`` or ``sqlite:///ledger.db``."""

    def __init__(self, db: str | None = None):
        self.url = resolve_url(db)
        self._engine: Any = None
        self._app: Any = None

    # -- wiring ---------------------------------------------------------------------------

    @property
    def where(self) -> str:
        path = sqlite_path(self.url)
        return str(path) if path is not None else self.url.split("@")[-1]

    def engine(self) -> Any:
        if self._engine is None:
            self._engine = create_engine(self.url)
        return self._engine

    def app(self) -> Any:
        if self._app is None:
            from ledger.storage import configure_engine
            from ledger.store import open_application

            self._app = open_application(self.url)
            configure_engine(self._app.recorder.datastore.engine)
        return self._app

    def _require(self) -> None:
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            raise NoLedger(str(path))
        from sqlalchemy.exc import DBAPIError

        from projections.readmodel.queries import get_meta
        from projections.readmodel.tables import SCHEMA_VERSION

        present = True
        try:
            with self.engine().connect() as conn:
                version = get_meta(conn, "schema_version")
        except DBAPIError as exc:
            # No such table (SQLite's OperationalError, PostgreSQL's ProgrammingError): not a ledger yet.
            if not _missing_table(exc):
                raise StorageError(f"cannot open the ledger at {self.where}: {exc.__class__.__name__}: "
                                   f"{str(exc.orig).splitlines()[0] if exc.orig else exc}") from None
            present = False
        if not present:
            raise NoLedger(self.where)
        if version != SCHEMA_VERSION:
            raise LedgerError(f"the ledger at {self.where} has read models of schema {version}, this program "
                              f"uses {SCHEMA_VERSION}: run `ledger init` to upgrade it (the log is kept)")

    @contextmanager
    def reading(self) -> Iterator[Any]:
        self._require()
        with self.engine().connect() as conn:
            yield conn

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._app is not None:
            self._app.recorder.datastore.engine.dispose()

    # -- commands -------------------------------------------------------------------------

    def init(self) -> bool:
        """Create the store and read models; True if it was created, False if it already existed."""
        from ledger.maintenance import rebuild
        from ledger.schema import create_schema
        from projections.readmodel.queries import get_meta
        from projections.readmodel.tables import SCHEMA_VERSION
        from projections.readmodel.writer import set_meta

        path = sqlite_path(self.url)
        if path is not None and not path.parent.exists():
            raise StorageError(f"directory {path.parent} does not exist")
        created = create_schema(self.app())
        engine = self.app().recorder.datastore.engine
        with engine.connect() as conn:
            version = get_meta(conn, "schema_version")
        if version != SCHEMA_VERSION:
            # An older ledger: the new tables exist now; refold every read model from the log.
            rebuild(self.app())
            with engine.begin() as conn:
                set_meta(conn, "schema_version", SCHEMA_VERSION)
        return created

    def append(
        self,
        lines: Iterable[tuple[int | None, Any]],
        author: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Any:
        """Append decoded JSON values (``(line number, value)``) all or nothing."""
        from ledger.append import append

        self._require()
        from events.errors import BadInput

        who = default_author(author)
        parsed = (_parse(line, value, who) for line, value in lines)
        try:
            return _translate(lambda: append(self.app(), parsed, who, progress))
        except BadInput as exc:
            exc.nothing_written = True  # type: ignore[attr-defined]
            raise

    def history(self, kind: str | None = None, slug: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
        from ledger.reports import history

        with self.reading() as conn:
            return history(conn, kind, slug, since, until)

    def export(self) -> Iterator[bytes]:
        from ledger.reports import export

        self._require()
        yield from export(self.app())

    def state(self, as_of: dt.date, known_at: str | None = None,
              imposer: str | None = None, partner: str | None = None) -> dict[str, Any]:
        from ledger.reports import state

        with self.reading() as conn:
            return state(conn, as_of, known_at, imposer, partner)

    def rate(self, partner: str, product: str, as_of: dt.date, imposer: str | None = None,
             known_at: str | None = None) -> dict[str, Any]:
        from ledger.reports import rate

        with self.reading() as conn:
            return rate(conn, partner, product, as_of, imposer, known_at)

    def diff(self, start: dt.date, end: dt.date, known_at: str | None = None,
             imposer: str | None = None, partner: str | None = None) -> dict[str, Any]:
        from projections.diff import diff_states

        return diff_states(self.state(start, known_at, imposer, partner), self.state(end, known_at, imposer, partner))

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        from ledger.maintenance import rebuild

        self._require()
        return rebuild(self.app(), progress)

    def verify(self, digest: str | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        from ledger.verify import verify

        self._require()
        return verify(self.app(), digest, progress)

    def digest(self) -> dict[str, Any]:
        from ledger.reports import head

        with self.reading() as conn:
            return head(conn)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """psycopg's base error, if psycopg was loaded (only PostgreSQL ledgers load it)."""
    import sys

    psycopg = sys.modules.get("psycopg")
    return (psycopg.Error,) if psycopg is not None else ()


def _missing_table(exc: Any) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _parse(line: int | None, value: Any, author: str) -> tuple[int | None, Any]:
    """``(line, (event, fresh_id))`` or ``(line, errors)``; fills the id and author the store supplies."""
    from uuid import uuid4

    from events.errors import BadInput
    from events.parse import parse_event

    if isinstance(value, InputError):
        return line, [value]
    fresh = isinstance(value, dict) and value.get("id") is None
    if isinstance(value, dict):
        value = {**value, "id": str(uuid4())} if fresh else value
        if value.get("recorded_by") is None:
            value = {**value, "recorded_by": author}
    try:
        return line, (parse_event(value, line), fresh)
    except BadInput as exc:
        return line, exc.errors


def _translate(call: Callable[[], Any]) -> Any:
    """Library and database failures → :class:`LedgerError`, at this edge."""
    import sqlite3

    from eventsourcing.persistence import PersistenceError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return call()
    except LedgerError:
        raise
    except Exception as exc:
        if not isinstance(exc, (PersistenceError, SQLAlchemyError, sqlite3.Error, *_driver_errors())):
            raise
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise StorageError(f"the database refused the write: {first}") from None
