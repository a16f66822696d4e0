"""Creating the store: the library's events table, the read models, SQLite's WAL mode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from projections.readmodel.tables import SCHEMA_VERSION, ledger_meta, metadata
from projections.readmodel.writer import set_meta


def create_schema(app: Any) -> bool:
    """Create whatever is missing; True if the ledger did not exist before."""
    engine = app.recorder.datastore.engine
    with engine.connect() as conn:
        existed = inspect(conn).has_table("ledger_meta")
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            # WAL lets readers work while one writer appends; it is a property of the file, set outside
            # any transaction.
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        finally:
            raw.close()
    app.recorder.create_table()
    metadata.create_all(engine)
    if not existed:
        with engine.begin() as conn:
            if conn.execute(ledger_meta.select()).first() is None:
                set_meta(conn, "schema_version", SCHEMA_VERSION)
                set_meta(conn, "position", "0")
    return not existed
