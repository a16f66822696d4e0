"""The SQLAlchemy engine, for what keeps it: the schema (``init``), ``rebuild``, ``verify``, ``restore``,
backups, tokens and the event store's library. Reads and appends run on the driver (:mod:`ledger.storage`).
"""

from __future__ import annotations


def create_engine(url: str):  # type: ignore[no-untyped-def]
    """A SQLAlchemy engine on ``url`` (backups, tokens; the event store's library makes its own), configured below."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    configure_engine(engine)
    return engine


def configure_engine(engine) -> None:  # type: ignore[no-untyped-def]
    """SQLite: wait for other writers instead of failing, and let writers take the lock up front.

    pysqlite opens transactions lazily and upgrades read locks to write locks
    mid-transaction, which deadlocks two concurrent appenders. We emit BEGIN
    ourselves: ``BEGIN IMMEDIATE`` when a connection asks for it
    (``execution_options(sqlite_begin="IMMEDIATE")``), plain ``BEGIN`` otherwise.
    """
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
