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

``init`` is idempotent and upgrades older ledgers: it creates only what is
missing or different, so running it again (even as a role that does not own the
tables, once everything is in place) changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, inspect, text

from projections.readmodel.tables import SCHEMA_VERSION, ledger_meta, metadata
from projections.readmodel.writer import set_meta

#: The tables whose rows are never updated or deleted once written.
APPEND_ONLY = ("ledger_events", "ledger_chain")
REFUSAL = "ledger is append-only"
PG_FUNCTION = "ledger_refuse_change"

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
    with engine.begin() as conn:
        if not existed and conn.execute(ledger_meta.select()).first() is None:
            set_meta(conn, "schema_version", SCHEMA_VERSION)
            set_meta(conn, "position", "0")
        install_append_only(conn)
    return not existed


def install_append_only(conn: Connection) -> list[str]:
    """Make the triggers exactly the declared ones: create the missing, replace the altered, enable the
    disabled. Returns what was wrong (nothing, and no DDL issued, when all is in place)."""
    problems = append_only_problems(conn)
    if not problems:
        return []
    if conn.dialect.name == "postgresql":
        _restore_postgresql(conn)
    else:
        _restore_sqlite(conn)
    return problems


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


def _problems_postgresql(conn: Connection) -> list[str]:
    problems: list[str] = []
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
