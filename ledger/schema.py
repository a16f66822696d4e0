"""Creating the store: the library's events table, the read models, SQLite's WAL mode, append-only triggers.

The log is append-only in the database, not just by convention: ``init`` puts
triggers on the stored events (``ledger_events``, the ``eventsourcing``
library's table) and on the hash chain (``ledger_chain``) that refuse every
UPDATE and DELETE (and TRUNCATE on PostgreSQL)::

    sqlite> UPDATE ledger_events SET state = x'00' WHERE id = 1;
    Runtime error: ledger is append-only

The read models (``ledger_index``, ``measure_intervals``, ``subjects``,
``ledger_meta``…) stay writable: appends refold them and ``ledger rebuild``
rewrites them from the log.

A table owner can still drop, disable or rewrite the triggers — on SQLite,
recreate one as ``CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON
ledger_events WHEN 0 BEGIN …`` and it never fires. So the triggers are declared
once, as data (:data:`SQLITE_TRIGGERS`, :data:`PG_TRIGGERS`,
:data:`PG_FUNCTIONS`): ``init`` installs exactly those, ``verify`` compares the
database's definitions with them (``sqlite_master.sql``; ``pg_get_triggerdef``,
``tgenabled`` and the function's ``prosrc``) and fails on any difference —
the log would then accept edits — and ``init`` drops and recreates what differs
and re-enables what was disabled::

    $ ledger verify
    error: the append-only triggers are not as declared (trigger ledger_events_no_update was altered): …
    $ ledger init && ledger verify
    OK 54 events, head …

One more trigger, the *insert guard*, checks every row inserted into the log: its
record time must be the stored event's first field, in the fixed-width UTC form,
not before the last event's and not in the future (on PostgreSQL also not before
the inserting transaction began); on PostgreSQL the row is stamped with the role
that inserted it (``recorded_by_role``, whose default is ``current_user``), and a row
that names another role is refused. A script that inserts a backdated
row is refused by the database, whoever wrote the script::

    sqlite> INSERT INTO ledger_events (…, state) VALUES (…, '{"recorded_at":"2025-04-02T00:00:00.000000+00:00",…}');
    Runtime error: ledger record time refused: …

Only ``ledger restore`` writes old record times: it switches the guard off inside its own
transaction and on again before committing, which on PostgreSQL takes ownership of the log.

``init`` is idempotent and upgrades older ledgers: it creates only what is
missing or different, so running it again (even as a role that does not own the
tables, once everything is in place) changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, inspect, text

from projections.readmodel.layout import TABLES
from projections.readmodel.queries import OnConnection
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
ROLE_REFUSAL = "ledger role refused"
PG_GUARD_FUNCTION = "ledger_check_insert"
#: A column the ledger adds to the library's table: the database role that inserted the row.
ROLE_COLUMN = "recorded_by_role"

# A stored event is `{"recorded_at":"<32 characters>","event":…}` (ledger.store.EntryMapper), so the
# guard asks for exactly that: the record time is then bytes 17-48 of a row, and the previous row's is
# read without parsing it. One `recorded_at` key only, whose value is those bytes: SQLite's JSON
# functions read the first of two equal keys where Python (and PostgreSQL's jsonb) read the last.
# Fixed-width UTC text sorts as time.
#
# A CASE, because SQLite evaluates every operand of AND and OR: the form, the calendar and the clock are
# checked only for a time the log does not hold yet. A row stamped with the last row's time (all but the
# first row of an append) adds no new time, and that time passed this guard when it was stored. The
# JSON is parsed once (json_each), not twice. 10.8 -> 7.2 µs per inserted row (docs/performance.md).
_PREFIX = '{"recorded_at":"'
_SQLITE_GUARD = f"""CREATE TRIGGER {INSERT_GUARD} BEFORE INSERT ON ledger_events
WHEN NOT coalesce((
  SELECT CASE
    WHEN substr(s, 1, 16) <> '{_PREFIX}' OR t < coalesce(last, '') THEN 0
    WHEN CASE WHEN t = last THEN 1 ELSE
        t GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]+00:00'
        AND datetime(substr(t, 1, 19), '+0 days') = replace(substr(t, 1, 19), 'T', ' ')
        AND substr(t, 1, 23) <= strftime('%Y-%m-%dT%H:%M:%f', 'now') END
      THEN (SELECT count(*) = 1 AND max(value) = t FROM json_each(s) WHERE key = 'recorded_at')
    ELSE 0 END
  FROM (SELECT CAST(NEW.state AS TEXT) AS s, CAST(substr(NEW.state, 17, 32) AS TEXT) AS t,
               (SELECT CAST(substr(state, 17, 32) AS TEXT) FROM ledger_events ORDER BY id DESC LIMIT 1) AS last)
), 0)
BEGIN
  SELECT RAISE(ABORT, '{GUARD_REFUSAL}: a stored event begins with its recorded_at, a UTC time like 2025-06-01T09:30:00.000000+00:00, not before the last event''s and not in the future');
END"""  # noqa: E501
# PostgreSQL checks a whole statement's rows at once, after it ran (a statement trigger reading the
# rows it inserted, ``inserted``): one query in place of a PL/pgSQL call and a lookup of the last row
# per row, ~25 -> ~5 µs per row, a quarter of a large import's time (docs/performance.md). Each row is
# held to the row before it in id order (the first row to the log's last before the statement); a row
# stamped as the one before it passed the same checks there, so only its form is read again. The
# checks are CASE branches because SQL does not promise to evaluate OR's operands in order, and a time
# that is not one must be refused, not fail the cast. The role is the column's default,
# ``current_user``, and a row that names another role is refused: the database says who inserted it.
_STAMP = "convert_from(substring(n.state FROM 17 FOR 32), 'UTF8')"
_UTC = r"'^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}\+00:00$'"
_PG_GUARD_BODY = f"""
DECLARE
  last text;
  bad record;
BEGIN
  SELECT convert_from(substring(e.state FROM 17 FOR 32), 'UTF8') INTO last FROM ledger_events e
    WHERE e.id < (SELECT min(id) FROM inserted) ORDER BY e.id DESC LIMIT 1;
  WITH stamped AS MATERIALIZED (
    SELECT n.id, {_STAMP} AS stamp, n.{ROLE_COLUMN} AS role,
           substring(n.state FROM 1 FOR 16) <> convert_to('{_PREFIX}', 'UTF8')
             OR (convert_from(n.state, 'UTF8')::json ->> 'recorded_at') IS DISTINCT FROM {_STAMP} AS misplaced
    FROM inserted n),
  ordered AS (
    SELECT stamped.*, lag(stamp) OVER (ORDER BY id) AS previous FROM stamped)
  SELECT id, stamp, role, misplaced, coalesce(previous, last) AS before INTO bad FROM ordered
  WHERE misplaced OR role IS DISTINCT FROM current_user OR (stamp IS DISTINCT FROM previous AND CASE
    WHEN stamp !~ {_UTC} THEN true
    WHEN stamp < coalesce(previous, last) THEN true
    WHEN stamp::timestamptz < transaction_timestamp() THEN true
    WHEN stamp::timestamptz > clock_timestamp() AND stamp IS DISTINCT FROM coalesce(previous, last) THEN true
    ELSE false END)
  ORDER BY id LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  ELSIF bad.misplaced OR bad.stamp !~ {_UTC} THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: a stored event begins with its recorded_at, a UTC time like 2025-06-01T09:30:00.000000+00:00'
      USING ERRCODE = 'check_violation';
  ELSIF bad.role IS DISTINCT FROM current_user THEN
    RAISE EXCEPTION '{ROLE_REFUSAL}: the database stamps {ROLE_COLUMN} with the inserting role (%), not %',
      current_user, coalesce(bad.role, 'null') USING ERRCODE = 'check_violation';
  ELSIF bad.stamp < bad.before THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: % is before the last event''s %', bad.stamp, bad.before
      USING ERRCODE = 'check_violation';
  ELSIF bad.stamp::timestamptz < transaction_timestamp() THEN
    RAISE EXCEPTION '{GUARD_REFUSAL}: % is before this transaction began (%)', bad.stamp, transaction_timestamp()
      USING ERRCODE = 'check_violation';
  END IF;
  RAISE EXCEPTION '{GUARD_REFUSAL}: % is in the future (the database''s clock says %)', bad.stamp, clock_timestamp()
    USING ERRCODE = 'check_violation';
END
"""  # noqa: E501


# The triggers, declared once: ``init`` creates exactly these and ``verify`` compares the database's
# definitions with them. To add one, add its name and statement to the dialect's dict (and, on
# PostgreSQL, its function's body to PG_FUNCTIONS); install, check and restore follow.

#: SQLite: trigger name -> its CREATE TRIGGER statement, as ``sqlite_master.sql`` keeps it.
SQLITE_TRIGGERS: dict[str, str] = {
    f"{table}_no_{op.lower()}":
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    for table in APPEND_ONLY for op in ("UPDATE", "DELETE")
}
#: PostgreSQL: trigger function name -> its PL/pgSQL body, as ``pg_proc.prosrc`` keeps it.
PG_FUNCTIONS: dict[str, str] = {
    PG_FUNCTION: f" BEGIN RAISE EXCEPTION '{REFUSAL}: % on % refused', TG_OP, TG_TABLE_NAME "
                 "USING ERRCODE = 'restrict_violation'; END ",
}
#: PostgreSQL: trigger name -> its CREATE TRIGGER statement, as ``pg_get_triggerdef`` prints it
#: (names unqualified: they live in the ledger's schema).
PG_TRIGGERS: dict[str, str] = {
    name: f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH {each} EXECUTE FUNCTION {PG_FUNCTION}()"
    for table in APPEND_ONLY
    for name, when, each in ((f"{table}_no_change", "DELETE OR UPDATE", "ROW"),
                             (f"{table}_no_truncate", "TRUNCATE", "STATEMENT"))
}
SQLITE_TRIGGERS[INSERT_GUARD] = _SQLITE_GUARD
PG_FUNCTIONS[PG_GUARD_FUNCTION] = _PG_GUARD_BODY
PG_TRIGGERS[INSERT_GUARD] = (f"CREATE TRIGGER {INSERT_GUARD} AFTER INSERT ON ledger_events REFERENCING NEW TABLE "
                             f"AS inserted FOR EACH STATEMENT EXECUTE FUNCTION {PG_GUARD_FUNCTION}()")
#: PostgreSQL: what the role column holds when an insert leaves it out, as ``pg_get_expr`` prints it.
PG_ROLE_DEFAULT = "CURRENT_USER"
# What `verify` says when they are not as declared.
RESTORE_HINT = "`ledger init` restores them"


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
    # --- operational tables (issue 13): not derived from the log, see ledger/tokens.py -----------------
    from ledger.tokens import operational

    operational.create_all(engine)  # an older ledger gets them from `ledger init`, its read models untouched
    # --- end of operational tables -----------------------------------------------------------------------
    with engine.begin() as conn:
        if not existed and conn.execute(ledger_meta.select()).first() is None:
            db = OnConnection(conn)
            set_meta(db, "schema_version", SCHEMA_VERSION)
            set_meta(db, "position", "0")
        install_append_only(conn)
    return not existed


def recreate_indexes(conn: Connection) -> None:
    """Drop and create every read model's non-unique index as declared now: an upgrade (``init`` of a ledger
    whose schema version is older) may have changed one's definition, which ``create_all`` leaves alone
    when the name exists."""
    for table in TABLES:
        for index in table.indexes:
            conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
            conn.execute(text(index.create_sql))


def drop_retired_columns(conn: Connection) -> list[str]:
    """Drop the read models' columns that an older schema had and this one does not declare (an upgrade by
    ``init``; ``create_all`` adds missing tables but never changes one that exists): schema 8 took the copy
    of each event out of ``ledger_index`` (``payload``). Returns ``table.column`` of each one dropped."""
    found = inspect(conn)
    dropped = []
    for table in TABLES:
        if not found.has_table(table.name):
            continue
        for column in [c["name"] for c in found.get_columns(table.name) if c["name"] not in table.columns]:
            conn.execute(text(f"ALTER TABLE {table.name} DROP COLUMN {column}"))
            dropped.append(f"{table.name}.{column}")
    return dropped


def install_append_only(conn: Connection) -> list[str]:
    """Make the triggers exactly the declared ones: create the missing, replace the altered, enable the
    disabled; add the role column. Returns what was wrong (nothing, and no DDL issued, when all is in place)."""
    _add_role_column(conn)
    problems = append_only_problems(conn)
    if not problems:
        return []
    if conn.dialect.name == "postgresql":
        _restore_postgresql(conn)
    else:
        _restore_sqlite(conn)
    return problems


def _add_role_column(conn: Connection) -> None:
    """``recorded_by_role`` on the library's table: who inserted each row (NULL where no database said).

    On PostgreSQL its default (:data:`PG_ROLE_DEFAULT`) is part of the guard, checked and restored with it."""
    if ROLE_COLUMN not in {c["name"] for c in inspect(conn).get_columns("ledger_events")}:
        conn.execute(text(f"ALTER TABLE ledger_events ADD COLUMN {ROLE_COLUMN} TEXT"))


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


def append_only_problems(conn: Connection) -> list[str]:
    """What differs between the database's append-only triggers and the declared ones (empty: all in place).

    ``["trigger ledger_events_no_update was altered"]`` for a trigger recreated with ``WHEN 0``;
    ``"... is disabled"`` after ``ALTER TABLE … DISABLE TRIGGER``; ``"function … was replaced"``.
    """
    if conn.dialect.name == "postgresql":
        return _problems_postgresql(conn)
    stored = _sqlite_triggers(conn)
    problems = []
    for name, sql in SQLITE_TRIGGERS.items():
        if name not in stored:
            problems.append(f"trigger {name} is missing")
        elif _words(stored[name]) != _words(sql):
            problems.append(f"trigger {name} was altered")
    return problems


def _words(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _sqlite_triggers(conn: Connection) -> dict[str, str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
    return {str(name): str(sql) for name, sql in rows}


def _restore_sqlite(conn: Connection) -> None:
    stored = _sqlite_triggers(conn)
    for name, sql in SQLITE_TRIGGERS.items():
        if name in stored and _words(stored[name]) == _words(sql):
            continue
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(sql)


# Objects are created unqualified, so they land in the first schema of the search_path — the ledger's
# own — and are looked for there, not wherever the search_path happens to find a namesake.
_PG_STATE = text(
    "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), t.tgenabled, p.prosrc, l.lanname "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
    "JOIN pg_language l ON l.oid = p.prolang "
    "WHERE NOT t.tgisinternal AND t.tgname = ANY(:names) "
    "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())")
_PG_FUNCTION_STATE = text(
    "SELECT p.proname, p.prosrc, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
    "WHERE p.proname = ANY(:names) "
    "AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())")
# tgenabled: O fires in ordinary sessions, A always; D (disabled) and R (replica only) do not.
_PG_ENABLED = ("O", "A")


def _pg_triggers(conn: Connection) -> dict[str, tuple[str, str, str, str, str]]:
    """name -> (table, definition with the ledger's schema left out, enabled flag, function body, language)."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    prefix = re.compile(rf"(?<![\w\".]){re.escape(conn.dialect.identifier_preparer.quote(schema))}\.")
    rows = conn.execute(_PG_STATE, {"names": list(PG_TRIGGERS)}).all()
    return {name: (table, _words(prefix.sub("", definition).replace("EXECUTE PROCEDURE", "EXECUTE FUNCTION")),
                   enabled, body, language)
            for name, table, definition, enabled, body, language in rows}


def _pg_functions(conn: Connection) -> dict[str, tuple[str, str]]:
    """name -> (body, language) of the declared trigger functions present in the ledger's schema."""
    rows = conn.execute(_PG_FUNCTION_STATE, {"names": list(PG_FUNCTIONS)}).all()
    return {name: (body, language) for name, body, language in rows}


def _pg_runs_declared(sql: str, body: str, language: str) -> bool:
    """Whether a trigger runs the declared function's code: its name alone could be another schema's."""
    match = re.search(r"EXECUTE FUNCTION (\w+)\(", sql)
    return match is not None and (body, language) == (PG_FUNCTIONS.get(match[1]), "plpgsql")


_PG_ROLE_DEFAULT_STATE = text(
    "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
    "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
    "WHERE d.adrelid = to_regclass(quote_ident(current_schema()) || '.ledger_events') AND a.attname = :column")


def _pg_role_default(conn: Connection) -> str | None:
    return conn.execute(_PG_ROLE_DEFAULT_STATE, {"column": ROLE_COLUMN}).scalar()


def _problems_postgresql(conn: Connection) -> list[str]:
    problems: list[str] = []
    if _pg_role_default(conn) != PG_ROLE_DEFAULT:
        # Without it every insert that leaves the column out (the ledger's own) is refused by the guard.
        problems.append(f"column ledger_events.{ROLE_COLUMN} lost its default {PG_ROLE_DEFAULT}")
    functions = _pg_functions(conn)
    # A missing function shows as missing triggers: dropping it takes them with it.
    replaced = {name for name, body in PG_FUNCTIONS.items()
                if functions.get(name, (body, "plpgsql")) != (body, "plpgsql")}
    problems.extend(f"function {name} was replaced" for name in replaced)
    actual = _pg_triggers(conn)
    for name, sql in PG_TRIGGERS.items():
        if name not in actual:
            problems.append(f"trigger {name} is missing")
            continue
        _, definition, enabled, body, language = actual[name]
        if definition != _words(sql):
            problems.append(f"trigger {name} was altered")
        elif not replaced and not _pg_runs_declared(sql, body, language):
            problems.append(f"trigger {name} runs another function than the declared one")
        if enabled not in _PG_ENABLED:
            problems.append(f"trigger {name} is disabled")
    return problems


def _restore_postgresql(conn: Connection) -> None:
    if _pg_role_default(conn) != PG_ROLE_DEFAULT:
        conn.execute(text(f"ALTER TABLE ledger_events ALTER COLUMN {ROLE_COLUMN} SET DEFAULT {PG_ROLE_DEFAULT}"))
    functions = _pg_functions(conn)
    for name, body in PG_FUNCTIONS.items():
        if functions.get(name) != (body, "plpgsql"):
            # CASCADE: a replaced function may differ in ways CREATE OR REPLACE cannot change; the
            # triggers that used it are recreated below.
            conn.execute(text(f"DROP FUNCTION IF EXISTS {name}() CASCADE"))
            conn.execute(text(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$"))
    actual = _pg_triggers(conn)
    for name, sql in PG_TRIGGERS.items():
        if name in actual:
            table, definition, enabled, body, language = actual[name]
            if definition == _words(sql) and _pg_runs_declared(sql, body, language):
                if enabled not in _PG_ENABLED:
                    conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {name}"))
                continue
            conn.execute(text(f"DROP TRIGGER {name} ON {table}"))
        conn.execute(text(sql))


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
