"""A ledger whose read models are of an older schema says how to upgrade, and `ledger init` does it."""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, create_engine, inspect, text

from projections.readmodel.queries import OnConnection
from projections.readmodel.tables import SCHEMA_VERSION
from projections.readmodel.writer import set_meta
from tests.scenario import seed_scenario


def test_an_older_schema_is_refused_with_the_command_that_upgrades_it(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli.append_lines(seed_scenario()).exit_code == 0
    before = cli("state", "--as-of", "2025-06-10", "--format", "json").json()
    engine = create_engine(cli.url)
    with engine.begin() as conn:
        set_meta(OnConnection(conn), "schema_version", "0")
    engine.dispose()

    refused = cli("state", "--as-of", "2025-06-10")
    assert refused.exit_code == 1
    assert "run `ledger init` to upgrade it" in refused.stderr

    assert cli("init").exit_code == 0
    assert cli("state", "--as-of", "2025-06-10", "--format", "json").json() == before
    assert SCHEMA_VERSION != "0"


def test_init_upgrades_schema_5_indexes_and_guard(cli) -> None:  # type: ignore[no-untyped-def]
    """Schema 6 made the correction-target index partial and the SQLite insert guard cheaper: `ledger init`
    of a schema-5 ledger puts both in place as declared, and the answers do not change."""
    from ledger.schema import INSERT_GUARD, SQLITE_TRIGGERS

    assert cli.append_lines(seed_scenario()).exit_code == 0
    before = cli("history", "--format", "json").json()
    engine = create_engine(cli.url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_ledger_index_target"))
        conn.execute(text("CREATE INDEX ix_ledger_index_target ON ledger_index (target)"))
        if sqlite:  # a guard other than the declared one, as an older ledger has
            conn.execute(text(f"DROP TRIGGER {INSERT_GUARD}"))
            conn.execute(text(SQLITE_TRIGGERS[INSERT_GUARD].replace("THEN 0", "OR 0 THEN 0", 1)))
        set_meta(OnConnection(conn), "schema_version", "5")
    assert "run `ledger init` to upgrade it" in cli("history").stderr
    assert "run `ledger init` to upgrade it" in cli("verify").stderr

    assert cli("init").exit_code == 0
    with engine.connect() as conn:
        if sqlite:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_ledger_index_target'")).scalar()
        else:
            sql = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_ledger_index_target' "
                                    "AND schemaname = current_schema()")).scalar()
    engine.dispose()
    assert "WHERE" in str(sql) and "target IS NOT NULL" in str(sql)
    assert cli("verify").exit_code == 0
    assert cli("history", "--format", "json").json() == before


def test_init_upgrades_a_schema_6_current_column(cli) -> None:  # type: ignore[no-untyped-def]
    """Schema 6 stored ``current`` for every event (a copy of ``payload`` where nothing corrected it, NULL once
    retracted); schema 7 stores it only where a correction changed the event. Such a ledger is refused by the
    read commands and by `verify`; `ledger init` rewrites the column, and every answer stays the same."""
    from tests.integration.test_current_form import LINES, stored_current

    assert cli.append_lines(LINES).exit_code == 0
    before = {args: cli(*args, "--format", "json").json()
              for args in (("history",), ("state", "--as-of", "2025-05-20"), ("state", "--as-of", "2025-07-01"))}
    written = stored_current(cli.url)
    engine = create_engine(cli.url)
    with engine.begin() as conn:  # the column as schema 6 wrote it
        add_payload_column(conn)
        conn.execute(text("UPDATE ledger_index SET current = payload WHERE target IS NULL AND current IS NULL"))
        conn.execute(text("UPDATE ledger_index SET current = NULL WHERE current = 'null'"))
        set_meta(OnConnection(conn), "schema_version", "6")
    engine.dispose()
    assert stored_current(cli.url) != written
    assert "run `ledger init` to upgrade it" in cli("history").stderr
    assert "run `ledger init` to upgrade it" in cli("verify").stderr

    upgraded = cli("init")
    assert upgraded.exit_code == 0
    assert f"from schema 6 to {SCHEMA_VERSION}: rebuilt from {len(LINES)} events" in upgraded.stderr
    assert "already a ledger" in cli("init").stderr  # once upgraded, nothing more to do
    assert stored_current(cli.url) == written
    assert cli("verify").exit_code == 0
    assert {args: cli(*args, "--format", "json").json() for args in before} == before


def add_payload_column(conn: Connection) -> None:
    """Put back what schemas up to 7 had: a copy of each event's text in ``ledger_index.payload``."""
    from projections.readmodel.registry import dumps

    conn.execute(text("ALTER TABLE ledger_index ADD COLUMN payload TEXT"))
    for position, state in conn.execute(text("SELECT originator_version, state FROM ledger_events")).all():
        conn.execute(text("UPDATE ledger_index SET payload = :p WHERE position = :n"),
                     {"p": dumps(orjson.loads(bytes(state))["event"]), "n": position})


def test_init_upgrades_a_schema_7_ledger_by_dropping_the_copied_events(cli) -> None:  # type: ignore[no-untyped-def]
    """Schema 8 reads each event's text from the log instead of a copy in ``ledger_index.payload``. `ledger
    init` of a schema-7 ledger drops the column, and every answer, `verify` included, stays the same."""
    from tests.integration.test_current_form import LINES

    assert cli.append_lines(LINES).exit_code == 0
    asked = (("history",), ("state", "--as-of", "2025-05-20"), ("state", "--as-of", "2025-07-01"),
             ("history", "--since", "2025-05-01"))
    before = {args: cli(*args, "--format", "json").json() for args in asked}
    engine = create_engine(cli.url)
    with engine.begin() as conn:
        add_payload_column(conn)
        set_meta(OnConnection(conn), "schema_version", "7")
    assert "run `ledger init` to upgrade it" in cli("history").stderr

    upgraded = cli("init")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert f"from schema 7 to {SCHEMA_VERSION}: rebuilt from {len(LINES)} events" in upgraded.stderr
    with engine.connect() as conn:
        assert "payload" not in {c["name"] for c in inspect(conn).get_columns("ledger_index")}
    engine.dispose()
    assert cli("verify").exit_code == 0
    assert {args: cli(*args, "--format", "json").json() for args in before} == before
