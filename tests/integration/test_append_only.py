"""The log is append-only in the database: triggers refuse UPDATE and DELETE, a PostgreSQL role can be
limited to INSERT and SELECT, and the read models stay writable for appends and rebuilds."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledger.errors import IntegrityFailure
from ledger.service import Ledger
from tests.integration.test_tamper import drop_append_only, raw
from tests.scenario import ev, seed_scenario

JUNE = dt.date(2025, 6, 1)
CHANGES = [
    "UPDATE ledger_events SET topic = 'forged' WHERE originator_version = 1",
    "DELETE FROM ledger_events WHERE originator_version = 1",
    "DELETE FROM ledger_events",
    "UPDATE ledger_chain SET digest = 'forged' WHERE position = 1",
    "DELETE FROM ledger_chain WHERE position = 1",
]


@pytest.fixture
def seeded(store: Ledger) -> Ledger:
    store.append(enumerate(seed_scenario(), start=1), author="tester")
    return store


@pytest.mark.parametrize("statement", CHANGES)
def test_changing_the_log_through_sql_is_refused(seeded: Ledger, statement: str) -> None:
    engine = raw(seeded.url)
    try:
        with pytest.raises(DBAPIError, match="ledger is append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    assert seeded.verify().to_json()["events"] == len(seed_scenario())


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("table", ["ledger_events", "ledger_chain"])
def test_truncating_the_log_is_refused_on_postgresql(seeded: Ledger, table: str) -> None:
    engine = raw(seeded.url)
    try:
        with pytest.raises(DBAPIError, match="ledger is append-only: TRUNCATE"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
    finally:
        engine.dispose()
    assert seeded.verify().to_json()["events"] == len(seed_scenario())


def test_the_read_models_stay_writable_so_rebuild_rewrites_them(seeded: Ledger) -> None:
    before = seeded.state(JUNE).to_json()
    engine = raw(seeded.url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM measure_intervals"))
            conn.execute(text("UPDATE ledger_index SET current = NULL"))
    finally:
        engine.dispose()
    assert seeded.rebuild() == len(seed_scenario())
    assert seeded.verify().to_json()["events"] == len(seed_scenario())
    assert seeded.state(JUNE).to_json() == before


def test_appends_and_corrections_still_work_under_the_triggers(seeded: Ledger) -> None:
    target = seeded.history(kind="measure", slug="us-reciprocal-jp").to_json()[0]["id"]
    seeded.append([(1, ev("ledger.corrected", "2025-05-01", target=target, fields={"rate": 15}, reason="typo")),
                   (2, ev("measure.revoked", "2025-08-01", measure="us-232-autos"))], author="tester")
    assert seeded.verify().to_json()["events"] == len(seed_scenario()) + 2


def count_triggers(url: str) -> int:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return int(conn.execute(text(
                    "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                    "(CAST('ledger_events' AS regclass), CAST('ledger_chain' AS regclass))")).scalar_one())
            return int(conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).scalar_one())
    finally:
        engine.dispose()


def test_init_again_changes_nothing_and_puts_back_missing_triggers(seeded: Ledger) -> None:
    installed = count_triggers(seeded.url)
    assert installed == 5  # UPDATE and DELETE (and TRUNCATE) refused on the log and the chain; the insert guard
    assert seeded.init().created is False
    assert count_triggers(seeded.url) == installed
    engine = raw(seeded.url)
    try:
        with engine.begin() as conn:
            drop_append_only(conn)
    finally:
        engine.dispose()
    assert count_triggers(seeded.url) == 0
    with pytest.raises(IntegrityFailure) as caught:  # the log is unguarded: verify fails (test_triggers.py)
        seeded.verify()
    assert caught.value.append_only is False
    assert seeded.init().created is False
    assert count_triggers(seeded.url) == installed
    assert seeded.verify().to_json()["append_only"] is True


# -- PostgreSQL: an analysts' role that can append and read, never change the log ------------------------


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_role_with_insert_and_select_on_the_log_can_append_and_verify(writer: tuple[str, str]) -> None:
    role, url = writer
    analyst = Ledger(url)
    try:
        result = analyst.append(enumerate(seed_scenario(), start=1), author=role)
        assert result.appended == len(seed_scenario())
        assert analyst.init().created is False  # `init` on an existing ledger needs no ownership
        assert analyst.verify().to_json()["events"] == len(seed_scenario())
        assert analyst.state(JUNE).to_json()["measures"]
    finally:
        analyst.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("statement", [
    "UPDATE ledger_events SET topic = 'forged'",
    "DELETE FROM ledger_events",
    "UPDATE ledger_chain SET digest = 'forged'",
    "DELETE FROM ledger_chain",
])
def test_the_writer_role_is_refused_updates_and_deletes_of_the_log_by_permission(
    writer: tuple[str, str], statement: str
) -> None:
    _, url = writer
    with psycopg.connect(_libpq(url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_writer_role_can_neither_truncate_nor_drop_the_triggers(writer: tuple[str, str]) -> None:
    _, url = writer
    with psycopg.connect(_libpq(url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("TRUNCATE ledger_events CASCADE")
    with psycopg.connect(_libpq(url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DROP TRIGGER ledger_events_no_change ON ledger_events")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_writer_role_may_still_rewrite_read_models_which_verify_catches(writer: tuple[str, str]) -> None:
    """The trade-off: appends refold the read models, so the writer can edit them; a replay shows it."""
    role, url = writer
    analyst = Ledger(url)
    try:
        analyst.append(enumerate(seed_scenario(), start=1), author=role)
        with psycopg.connect(_libpq(url)) as conn:
            conn.execute("UPDATE measure_intervals SET status = 'revoked'")
        with pytest.raises(Exception, match="measure_intervals"):
            analyst.verify().to_json()
        assert analyst.rebuild() == len(seed_scenario())
        assert analyst.verify().to_json()["events"] == len(seed_scenario())
    finally:
        analyst.close()
