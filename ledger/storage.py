"""Where the ledger lives: ``--db`` / ``$LEDGER_DB`` → a database URL and the application ``env``.

The one place storage is configured; nothing writes to ``os.environ``::

    resolve_url(None)            -> "sqlite:///ledger.db"        (current directory)
    resolve_url("team.db")       -> "sqlite:///team.db"
    resolve_url("postgresql://u@h/db") -> "postgresql+psycopg://u@h/db"

Reads and appends do not go through SQLAlchemy: :func:`connect` opens the same URL with the
driver itself (``sqlite3`` or ``psycopg``) as a :class:`Reader`, which the read queries of
``projections.readmodel.reads`` run on, and an append's transaction too (:meth:`Reader.begin_write`).
The schema and the event store's library (``init``, ``rebuild``, ``verify``, ``restore``, backups) keep
their SQLAlchemy engine (:mod:`ledger.engine`).
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

from projections.readmodel.driver import DriverDb
from projections.readmodel.layout import LOG_STREAM_HEX

DEFAULT_URL = "sqlite:///ledger.db"
# The ledger's single stream (``ledger.store``); here so that reads can name it without the event store.
LEDGER_STREAM = UUID(LOG_STREAM_HEX)
#: The stream's id as each driver may return it: a UUID (psycopg), 16 bytes (SQLite's blob), or text.
STREAM_IDS = (LEDGER_STREAM, LEDGER_STREAM.bytes, LEDGER_STREAM.hex, str(LEDGER_STREAM))
#: The log: the library's table for the application named ``ledger`` (``ledger.store.LedgerApplication``).
EVENTS_TABLE = "ledger_events"
# The backends the ledger is built and tested for (docs/spec.md §6); any other URL is bad input.
SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def resolve_url(db: str | None) -> str:
    """The SQLAlchemy URL for ``--db``; BadInput (exit 2) for a backend the ledger does not support."""
    url = db or os.environ.get("LEDGER_DB") or DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{url}"
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    scheme = url.split("://", 1)[0]
    if scheme not in SCHEMES:
        from events.errors import BadInput, InputError

        # Only the scheme is echoed: the rest of a URL may hold a password.
        raise BadInput([InputError(None, "db", f"{scheme}:// is not a database the ledger can use: give a SQLite "
                                               "file path (team.db), sqlite:///PATH, or postgresql://USER@HOST/DB")])
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other backends and in-memory databases)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def app_env(url: str) -> dict[str, str]:
    """The ``eventsourcing`` application settings for ``url``."""
    return {
        "PERSISTENCE_MODULE": "ledger.store:LedgerFactory",  # eventsourcing_sqlalchemy with a batch insert
        "SQLALCHEMY_URL": url,
        "MAPPER_TOPIC": "ledger.store:EntryMapper",
        "TRANSCODER_TOPIC": "ledger.store:OrjsonTranscoder",
        # `ledger init` creates tables explicitly; other commands must not create a ledger by accident.
        "CREATE_TABLE": "no",
    }


class Reader(DriverDb):
    """A DB-API connection for the read queries, with its driver's placeholder (``?`` or ``%s``).

    Each read runs in one transaction (:meth:`begin` … :meth:`end`), so every query of a command
    sees the same ledger: SQLite takes its snapshot at the first ``SELECT`` after ``BEGIN``;
    PostgreSQL (read committed, as the engine's connections were) sees each statement's own snapshot.
    An append runs its one transaction on it too (:meth:`begin_write` … :meth:`commit`), as the
    writer's :class:`~projections.readmodel.queries.WriteDb`.
    """

    def begin(self) -> None:
        if self.dialect == "sqlite":  # autocommit mode: the transaction is ours to open (psycopg opens its own)
            self.conn.execute("BEGIN")

    def begin_write(self) -> None:
        """Open a write transaction. SQLite: ``BEGIN IMMEDIATE`` takes the file's write lock now, so two
        appenders queue instead of deadlocking on a read lock each wants to upgrade. PostgreSQL opens its
        transaction with the first statement; the caller locks what it must (``ledger.append.lock``)."""
        if self.dialect == "sqlite":
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def end(self) -> None:
        """End the read transaction (nothing was written)."""
        self.conn.rollback()

    def close(self) -> None:
        try:
            self.end()
        finally:
            self.conn.close()


def connect(url: str) -> Reader:
    """A :class:`Reader` on the ledger at ``url`` (as :func:`resolve_url` gives it), without SQLAlchemy.

    SQLite opens the file as SQLAlchemy's engine did (waiting for writers, not failing);
    PostgreSQL takes the URL as libpq does, query options included
    (``postgresql://u@h/db?options=-csearch_path%3Dtenant``).
    """
    if url.startswith("sqlite"):
        import sqlite3

        path = sqlite_path(url)
        # A service may hand the reader to another thread between reads (never two at once).
        conn = sqlite3.connect(str(path) if path is not None else ":memory:", isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 60000")
        return Reader(conn, "sqlite")
    import psycopg

    return Reader(psycopg.connect("postgresql" + url[url.index("://"):]), "postgresql")
