"""Creating the store: the library's events table, the read models, SQLite's WAL mode, append-only triggers.

The log is append-only in the database, not just by convention: ``init`` puts
triggers on the stored events (``ledger_events``, the ``eventsourcing``
library's table) and on the hash chain (``ledger_chain``) that refuse every
UPDATE and DELETE (and TRUNCATE on PostgreSQL)::

    sqlite> UPDATE ledger_events SET state = x'00' WHERE id = 1;
    Runtime error: ledger is append-only

The read models (``ledger_index``, ``measure_intervals``, ``subjects``,
``ledger_meta``) stay writable: appends refold them and ``ledger rebuild``
rewrites them from the log. A table owner can still drop the triggers; what
then catches an edit is ``ledger verify`` (see docs/integrity.md).

``init`` is idempotent and upgrades older ledgers: it creates only what is
missing, so running it again (even as a role that does not own the tables,
once everything exists) changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect, text

from projections.readmodel.tables import SCHEMA_VERSION, ledger_meta, metadata
from projections.readmodel.writer import set_meta

#: The tables whose rows are never updated or deleted once written.
APPEND_ONLY = ("ledger_events", "ledger_chain")
REFUSAL = "ledger is append-only"
PG_FUNCTION = "ledger_refuse_change"


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
    with engine.begin() as conn:
        if not existed and conn.execute(ledger_meta.select()).first() is None:
            set_meta(conn, "schema_version", SCHEMA_VERSION)
            set_meta(conn, "position", "0")
        install_append_only(conn)
    return not existed


def install_append_only(conn: Connection) -> None:
    """Add the triggers that refuse UPDATE/DELETE on the log, where they are missing."""
    if conn.dialect.name == "postgresql":
        _install_postgresql(conn)
    else:
        _install_sqlite(conn)


def _install_sqlite(conn: Connection) -> None:
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def _install_postgresql(conn: Connection) -> None:
    # Objects are created unqualified, so they land in the first schema of the search_path — the
    # ledger's own — and checked for there, not wherever the search_path happens to find a namesake.
    has_function = conn.execute(text(
        "SELECT 1 FROM pg_proc WHERE proname = :name AND pronamespace = "
        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"), {"name": PG_FUNCTION}).first()
    if has_function is None:
        conn.execute(text(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{REFUSAL}: % on % refused', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"))
    for table in APPEND_ONLY:
        present = set(conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal"),
            {"table": table}).scalars())
        wanted = {
            f"{table}_no_change": "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW",
            f"{table}_no_truncate": "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT",
        }
        for name, when in wanted.items():
            if name not in present:
                conn.execute(text(
                    f"CREATE TRIGGER {name} {when.format(t=table)} EXECUTE FUNCTION {PG_FUNCTION}()"))


def has_append_only(conn: Connection) -> bool:
    """True when every append-only trigger is in place (``verify`` warns otherwise)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%\\_no\\_%' AND tgrelid IN "
            "(CAST('ledger_events' AS regclass), CAST('ledger_chain' AS regclass))")).scalar_one()
        return int(rows) == 2 * len(APPEND_ONLY)
    rows = conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('ledger_events', 'ledger_chain')"
    ).scalar_one()
    return int(rows) == 2 * len(APPEND_ONLY)


def writer_grants(conn: Connection, role: str) -> list[str]:
    """PostgreSQL: the statements that let ``role`` append and read, but never change the log.

    Run them as the ledger's owner after ``ledger init`` (again after an ``init`` that added
    tables). The log tables get SELECT and INSERT only — UPDATE and DELETE are refused by
    permission. The read models get UPDATE and DELETE too, since every append refolds them.
    Writers queue on a lock of ``ledger_meta`` (a read model), so the log needs nothing more.
    docs/integrity.md explains the trade-off.
    """
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    quote = conn.dialect.identifier_preparer.quote
    who, where = quote(role), quote(schema)
    log = ", ".join(f"{where}.{quote(t)}" for t in APPEND_ONLY)
    return [
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {log} FROM {who}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
    ]
