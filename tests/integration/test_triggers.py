"""The append-only triggers are checked and restored: neutered ones fail `verify`, and `ledger init` puts them back.

Each way of neutering a trigger that a table owner has — drop it, recreate it so it never
fires, disable it, or replace the function it runs — leaves the log open to edits. `verify`
then reports ``"append_only": false`` and exits 1 saying `ledger init` restores them; after
`init` an UPDATE of the log is refused again and `verify` passes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from ledger.schema import PG_FUNCTIONS, PG_TRIGGERS, SQLITE_TRIGGERS, append_only_problems
from tests.conftest import Cli
from tests.integration.test_tamper import raw
from tests.scenario import seed_scenario

# A change that leaves the log as it was, so only whether a trigger fires decides the outcome.
HARMLESS_UPDATE = "UPDATE ledger_events SET topic = topic WHERE originator_version = 1"
NEVER = "CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events WHEN 0 " \
        "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END"
RETURNS_NEW = "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS " \
              "$$ BEGIN RETURN NEW; END $$"


def when_never(conn: Connection) -> None:
    conn.execute(text("DROP TRIGGER ledger_events_no_update"))
    conn.execute(text(NEVER))


def disabled(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_change"))


def function_returns_new(conn: Connection) -> None:
    conn.execute(text(RETURNS_NEW))


def update_only(conn: Connection) -> None:
    conn.execute(text("DROP TRIGGER ledger_events_no_change ON ledger_events"))
    conn.execute(text("CREATE TRIGGER ledger_events_no_change BEFORE DELETE ON ledger_events FOR EACH ROW "
                      "EXECUTE FUNCTION ledger_refuse_change()"))


def dropped(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER ledger_events_no_change ON ledger_events"))
    else:
        conn.execute(text("DROP TRIGGER ledger_events_no_update"))


SQLITE = {"recreated WHEN 0": (when_never, "trigger ledger_events_no_update was altered"),
          "dropped": (dropped, "trigger ledger_events_no_update is missing")}
POSTGRESQL = {"disabled": (disabled, "trigger ledger_events_no_change is disabled"),
              "function returns NEW": (function_returns_new, "function ledger_refuse_change was replaced"),
              "UPDATE left out": (update_only, "trigger ledger_events_no_change was altered"),
              "dropped": (dropped, "trigger ledger_events_no_change is missing")}
CASES = [pytest.param("sqlite", change, problem, id=f"sqlite-{name}") for name, (change, problem) in SQLITE.items()]
CASES += [pytest.param("postgres", change, problem, id=f"postgres-{name}")
          for name, (change, problem) in POSTGRESQL.items()]


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli.append_lines(seed_scenario()).exit_code == 0
    return cli


def run_sql(url: str, *changes: Callable[[Connection], None] | str) -> None:
    engine = raw(url)
    try:
        with engine.begin() as conn:
            for change in changes:
                conn.execute(text(change)) if isinstance(change, str) else change(conn)
    finally:
        engine.dispose()


def problems(url: str) -> list[str]:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return append_only_problems(conn)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("db_url", "change", "problem"), CASES, indirect=["db_url"])
def test_a_neutered_trigger_fails_verify_and_init_restores_it(
    seeded: Cli, change: Callable[[Connection], None], problem: str
) -> None:
    run_sql(seeded.url, change)
    run_sql(seeded.url, HARMLESS_UPDATE)  # the log is open to edits now
    run = seeded("verify", "--format", "json")
    assert run.exit_code == 1
    report = run.json()
    assert report["ok"] is False
    assert report["append_only"] is False
    assert report["position"] is None
    assert report["table"] == "ledger_events" or problem.startswith("function")
    assert problem in report["message"]
    assert "`ledger init` restores them" in report["message"]
    assert run.stderr == f"error: {report['message']}\n"

    assert seeded("init").exit_code == 0
    assert problems(seeded.url) == []
    with pytest.raises(DBAPIError, match="ledger is append-only"):
        run_sql(seeded.url, HARMLESS_UPDATE)
    run = seeded("verify", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["append_only"] is True


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_function_replaced_under_disabled_triggers_is_all_reported_and_all_restored(seeded: Cli) -> None:
    run_sql(seeded.url, disabled, function_returns_new,
            "ALTER TABLE ledger_chain DISABLE TRIGGER ledger_chain_no_truncate")
    assert problems(seeded.url) == ["function ledger_refuse_change was replaced",
                                    "trigger ledger_events_no_change is disabled",
                                    "trigger ledger_chain_no_truncate is disabled"]
    assert seeded("init").exit_code == 0
    assert problems(seeded.url) == []
    assert seeded("verify").exit_code == 0


def test_init_leaves_triggers_that_are_in_place_untouched(seeded: Cli) -> None:
    def definitions() -> list[tuple[str, ...]]:
        engine = raw(seeded.url)
        try:
            with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    rows = conn.execute(text(
                        "SELECT t.oid::text, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c "
                        "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = "
                        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()) ORDER BY 1"))
                else:
                    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1"))
                return [tuple(row) for row in rows]
        finally:
            engine.dispose()

    before = definitions()
    assert len(before) == len(PG_TRIGGERS if seeded.url.startswith("postgresql") else SQLITE_TRIGGERS)
    assert seeded("init").exit_code == 0
    assert definitions() == before  # same objects (same oids on PostgreSQL): nothing recreated


def test_the_declared_triggers_are_exactly_what_init_installs(seeded: Cli) -> None:
    assert problems(seeded.url) == []
    assert set(PG_FUNCTIONS) == {"ledger_refuse_change", "ledger_check_insert"}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_role_column_losing_its_default_fails_verify_refuses_appends_and_init_restores_it(seeded: Cli) -> None:
    """The role is stamped by the column's default and checked by the guard: without the default the
    ledger's own inserts name no role, and the guard refuses them rather than store a row without one."""
    run_sql(seeded.url, "ALTER TABLE ledger_events ALTER COLUMN recorded_by_role DROP DEFAULT")
    run = seeded("verify", "--format", "json")
    assert run.exit_code == 1
    assert "column ledger_events.recorded_by_role lost its default CURRENT_USER" in run.json()["message"]
    assert run.json()["append_only"] is False
    statement = ["append", "talks.statement", "--date", "2025-10-30", "--track", "us-jp-tariffs",
                 "--speaker", "Ryosei Akazawa", "--party", "JP", "--text", "no role", "--source", "test"]
    refused = seeded(*statement)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: the database refused the write: ledger role refused")
    assert "Traceback" not in refused.stderr
    assert seeded("init").exit_code == 0
    assert problems(seeded.url) == []
    assert seeded(*statement).exit_code == 0
    assert seeded("verify").exit_code == 0
