"""A DB-API connection with its dialect: what the writer and the read queries run on, without SQLAlchemy.

Small on purpose: ``ledger.storage`` builds every command's connection on it, and ``ledger --help``
imports that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DriverDb:
    """A DB-API connection (``sqlite3`` or psycopg) with its dialect and placeholder: a :class:`WriteDb`.

    ``ledger.storage.Reader`` is one (reads, and an append's transaction); :class:`OnConnection` is the
    driver connection under a SQLAlchemy connection (``rebuild``, ``restore``, ``init``).
    """

    def __init__(self, conn: Any, dialect: str):
        self.conn = conn
        self.dialect = dialect
        self.placeholder = "%s" if dialect == "postgresql" else "?"

    def execute(self, sql: str, args: Sequence[Any]) -> Any:
        cursor = self.conn.cursor()
        cursor.execute(sql, tuple(args))
        return cursor

    def cursor(self, stream: str | None = None) -> Any:
        """A new cursor. ``stream`` names a server-side cursor on PostgreSQL, for reading the whole log a page at
        a time (psycopg's ordinary cursor would fetch every row at once; SQLite's already steps)."""
        return self.conn.cursor(name=stream) if stream and self.dialect == "postgresql" else self.conn.cursor()


class OnConnection(DriverDb):
    """A SQLAlchemy connection's own driver connection as a :class:`WriteDb`, inside the transaction the
    SQLAlchemy connection is in."""

    def __init__(self, conn: Any):  # a sqlalchemy.Connection (not imported: appends never load SQLAlchemy)
        super().__init__(conn.connection.driver_connection, conn.dialect.name)
