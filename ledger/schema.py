"""Creating the store: the library's events table, the read models, SQLite's WAL mode, the log's triggers.

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

A third trigger, the *insert guard*, checks every row inserted into the log: its
record time must be the stored event's first field, in the fixed-width UTC form,
not before the last event's and not in the future (on PostgreSQL also not before
the inserting transaction began); on PostgreSQL it also stamps the row with the
role that inserted it (``recorded_by_role``). A script that inserts a backdated
row is refused by the database, whoever wrote the script::

    sqlite> INSERT INTO ledger_events (…, state) VALUES (…, '{"recorded_at":"2025-04-02T00:00:00.000000+00:00",…}');
    Runtime error: ledger record time refused: …

Only ``ledger restore`` writes old record times: it switches the guard off inside its own
transaction and on again before committing, which on PostgreSQL takes ownership of the log.

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

#: The trigger on every INSERT into the log: record time only moves forward (and, on PostgreSQL,
#: the role that inserted the row is stamped on it, in :data:`ROLE_COLUMN`).
INSERT_GUARD = "ledger_events_insert_guard"
GUARD_REFUSAL = "ledger record time refused"
PG_GUARD_FUNCTION = "ledger_check_insert"
#: A column the ledger adds to the library's table: the database role that inserted the row.
ROLE_COLUMN = "recorded_by_role"

# A stored event is `{"recorded_at":"<32 characters>","event":…}` (ledger.store.EntryMapper), so the
# guard asks for exactly that: the record time is then bytes 17-48 of a row, and the previous row's is
# read without parsing it. One `recorded_at` key only: SQLite's JSON functions read the first of two
# equal keys where Python (and PostgreSQL's jsonb) read the last. Fixed-width UTC text sorts as time.
_PREFIX = '{"recorded_at":"'
_SQLITE_GUARD = f"""CREATE TRIGGER IF NOT EXISTS {INSERT_GUARD} BEFORE INSERT ON ledger_events
WHEN NOT coalesce((
  SELECT substr(s, 1, 16) = '{_PREFIX}'
     AND json_extract(s, '$.recorded_at') = t
     AND (SELECT count(*) FROM json_each(s) WHERE key = 'recorded_at') = 1
     AND t GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]+00:00'
     AND datetime(substr(t, 1, 19), '+0 days') = replace(substr(t, 1, 19), 'T', ' ')
     AND t >= coalesce(last, '')
     AND (substr(t, 1, 23) <= strftime('%Y-%m-%dT%H:%M:%f', 'now') OR t = last)
  FROM (SELECT CAST(NEW.state AS TEXT) AS s, CAST(substr(NEW.state, 17, 32) AS TEXT) AS t,
               (SELECT CAST(substr(state, 17, 32) AS TEXT) FROM ledger_events ORDER BY id DESC LIMIT 1) AS last)
), 0)
BEGIN
  SELECT RAISE(ABORT, '{GUARD_REFUSAL}: a stored event begins with its recorded_at, a UTC time like 2025-06-01T09:30:00.000000+00:00, not before the last event''s and not in the future');
END"""  # noqa: E501
_PG_GUARD_BODY = rf"""
DECLARE
  stamp text := convert_from(substring(NEW.state FROM 17 FOR 32), 'UTF8');
  last text;
BEGIN
  IF substring(NEW.state FROM 1 FOR 16) <> convert_to('{_PREFIX}', 'UTF8')
     OR stamp !~ '^\d{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{{6}}\+00:00$'
     OR (convert_from(NEW.state, 'UTF8')::jsonb ->> 'recorded_at') IS DISTINCT FROM stamp THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: a stored event begins with its recorded_at, a UTC time like 2025-06-01T09:30:00.000000+00:00'
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT convert_from(substring(state FROM 17 FOR 32), 'UTF8') INTO last FROM ledger_events ORDER BY id DESC LIMIT 1;
  IF stamp < last THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: % is before the last event''s %', stamp, last USING ERRCODE = 'check_violation';
  END IF;
  IF stamp::timestamptz < transaction_timestamp() THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: % is before this transaction began (%)', stamp, transaction_timestamp()
      USING ERRCODE = 'check_violation';
  END IF;
  IF stamp::timestamptz > clock_timestamp() AND stamp IS DISTINCT FROM last THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: % is in the future (the database''s clock says %)', stamp, clock_timestamp()
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.{ROLE_COLUMN} := current_user;
  RETURN NEW;
END
"""  # noqa: E501


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
    """Add the triggers that refuse UPDATE/DELETE on the log, and the insert guard, where they are missing."""
    _add_role_column(conn)
    if conn.dialect.name == "postgresql":
        _install_postgresql(conn)
        _install_postgresql_guard(conn)
    else:
        _install_sqlite(conn)
        conn.exec_driver_sql(_SQLITE_GUARD)


def _add_role_column(conn: Connection) -> None:
    """``recorded_by_role`` on the library's table: who inserted each row (NULL where no database said)."""
    if ROLE_COLUMN not in {c["name"] for c in inspect(conn).get_columns("ledger_events")}:
        conn.execute(text(f"ALTER TABLE ledger_events ADD COLUMN {ROLE_COLUMN} TEXT"))


def _install_postgresql_guard(conn: Connection) -> None:
    if not _has_pg_function(conn, PG_GUARD_FUNCTION):
        conn.execute(text(f"CREATE FUNCTION {PG_GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
                          f"$${_PG_GUARD_BODY}$$"))
    present = conn.execute(text("SELECT 1 FROM pg_trigger WHERE tgrelid = CAST('ledger_events' AS regclass) "
                                "AND tgname = :name"), {"name": INSERT_GUARD}).first()
    if present is None:
        conn.execute(text(f"CREATE TRIGGER {INSERT_GUARD} BEFORE INSERT ON ledger_events FOR EACH ROW "
                          f"EXECUTE FUNCTION {PG_GUARD_FUNCTION}()"))


def _has_pg_function(conn: Connection, name: str) -> bool:
    return conn.execute(text(
        "SELECT 1 FROM pg_proc WHERE proname = :name AND pronamespace = "
        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"), {"name": name}).first() is not None


def disarm_insert_guard(conn: Connection) -> None:
    """Let ``restore`` write old record times and roles, inside its transaction only (see :func:`arm_insert_guard`).

    PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER``, which only the table's owner may run, so a
    writer with INSERT rights cannot do it; no other session ever sees the guard off, since
    the change commits with the restore, after :func:`arm_insert_guard` undid it. SQLite:
    the trigger is dropped and created again in the same transaction (whoever can write the
    file could do that anyway).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE ledger_events DISABLE TRIGGER {INSERT_GUARD}"))
    else:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {INSERT_GUARD}")


def arm_insert_guard(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE ledger_events ENABLE TRIGGER {INSERT_GUARD}"))
    else:
        conn.exec_driver_sql(_SQLITE_GUARD)


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
    if not _has_pg_function(conn, PG_FUNCTION):
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
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('ledger_events', 'ledger_chain') "
        "AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
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
