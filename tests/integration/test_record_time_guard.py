"""Record time comes from the database and only moves forward: the insert guard on the log.

Each forged row below is inserted straight into ``ledger_events`` through a raw
connection, as a script with INSERT rights would — bypassing the CLI, with the
append-only triggers left alone. The database refuses a row whose ``recorded_at``
is before the last event's, in the future, or not the fixed-width UTC form; on
PostgreSQL also one from before the inserting transaction began, and it stamps
every row with the role that inserted it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledger.log import format_time
from ledger.schema import INSERT_GUARD
from ledger.service import Ledger
from tests.conftest import Cli
from tests.integration.test_tamper import raw, stored_state
from tests.scenario import ev, seed_scenario

EVENTS = len(seed_scenario())
REFUSED = "ledger record time refused"


@pytest.fixture
def seeded(store: Ledger) -> Ledger:
    store.append(enumerate(seed_scenario(), start=1), author="tester")
    return store


def forged_state(url: str, recorded_at: str, **changes: Any) -> bytes:
    """The last stored event, amended and re-stamped: what a forger would insert next."""
    state = stored_state(url, EVENTS)
    state["recorded_at"] = recorded_at
    state["event"] = {**state["event"], "id": str(uuid.uuid4()), **changes}
    return orjson.dumps(state)


INSERT = ("INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
          "SELECT originator_id, :v, topic, :s FROM ledger_events WHERE originator_version = 1")


def insert(url: str, state: bytes, version: int = EVENTS + 1) -> None:
    engine = raw(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(INSERT), {"v": version, "s": state})
    finally:
        engine.dispose()


def insert_stamped_now(url: str, **changes: Any) -> None:
    """A forged insert stamped with the database's clock, read inside the inserting transaction."""
    engine = raw(url)
    try:
        with engine.begin() as conn:
            clock = (conn.execute(text("SELECT clock_timestamp()")).scalar_one()
                     if conn.dialect.name == "postgresql" else dt.datetime.now(dt.UTC))
            conn.execute(text(INSERT), {"v": EVENTS + 1, "s": forged_state(url, format_time(clock), **changes)})
    finally:
        engine.dispose()


def last_recorded_at(ledger: Ledger) -> str:
    return str(ledger.history().to_json()[-1]["recorded_at"])


def now() -> str:
    return format_time(dt.datetime.now(dt.UTC))


@pytest.mark.parametrize("stamp", [
    pytest.param(lambda last: "2025-04-02T00:00:00.000000+00:00", id="backdated before the last event"),
    pytest.param(lambda last: "2999-01-01T00:00:00.000000+00:00", id="in the future"),
    pytest.param(lambda last: last.replace("+00:00", "Z"), id="not the fixed-width UTC form"),
    pytest.param(lambda last: last[:10], id="a date"),
    pytest.param(lambda last: "2025-02-30T00:00:00.000000+00:00", id="not a real date"),
])
def test_a_forged_insert_with_a_bad_record_time_is_refused_by_the_database(seeded: Ledger, stamp: Any) -> None:
    state = forged_state(seeded.url, stamp(last_recorded_at(seeded)), note="forged")
    with pytest.raises(DBAPIError, match=REFUSED):
        insert(seeded.url, state)
    assert seeded.verify().to_json()["events"] == EVENTS


def test_a_forged_insert_without_a_record_time_is_refused(seeded: Ledger) -> None:
    state = orjson.loads(forged_state(seeded.url, now()))
    del state["recorded_at"]
    with pytest.raises(DBAPIError):
        insert(seeded.url, orjson.dumps(state))
    assert seeded.verify().to_json()["events"] == EVENTS


def test_a_second_record_time_hidden_behind_the_first_is_refused(seeded: Ledger) -> None:
    """SQLite's JSON functions read the first of two equal keys, Python the last: one key only."""
    good = forged_state(seeded.url, now())
    hidden = good[:-1] + b',"recorded_at":"2020-01-01T00:00:00.000000+00:00"}'
    assert orjson.loads(hidden)["recorded_at"].startswith("2020")
    with pytest.raises(DBAPIError):
        insert(seeded.url, hidden)
    assert seeded.verify().to_json()["events"] == EVENTS


def test_a_record_time_in_any_other_field_order_is_refused(seeded: Ledger) -> None:
    state = orjson.loads(forged_state(seeded.url, now()))
    with pytest.raises(DBAPIError, match=REFUSED):
        insert(seeded.url, orjson.dumps({"event": state["event"], "recorded_at": state["recorded_at"]}))


def test_what_the_guard_lets_through_a_current_record_time_under_any_author(seeded: Ledger) -> None:
    """The honest limit: an insert stamped now, after the last event, is an append like any other.

    It names whatever author it likes; ``verify`` still finds it (it has no chain link), and on
    PostgreSQL the row names the role that inserted it.
    """
    insert_stamped_now(seeded.url, recorded_by="Federal Register")
    engine = raw(seeded.url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM ledger_events")).scalar_one()
    finally:
        engine.dispose()
    assert count == EVENTS + 1
    with pytest.raises(Exception, match=f"position {EVENTS + 1}"):
        seeded.verify().to_json()


def test_appends_through_the_ledger_pass_the_guard_and_keep_moving_forward(seeded: Ledger) -> None:
    first = last_recorded_at(seeded)
    seeded.append([(1, ev("measure.revoked", "2025-08-01", measure="us-232-autos"))], author="tester")
    assert last_recorded_at(seeded) >= first
    assert seeded.verify().to_json()["events"] == EVENTS + 1


def test_init_puts_back_a_dropped_guard(seeded: Ledger) -> None:
    engine = raw(seeded.url)
    try:
        with engine.begin() as conn:
            on = " ON ledger_events" if conn.dialect.name == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER {INSERT_GUARD}{on}"))
        insert(seeded.url, forged_state(seeded.url, "2025-04-02T00:00:00.000000+00:00"))  # unguarded: it goes in
        assert seeded.init().created is False
        with pytest.raises(DBAPIError, match=REFUSED):
            insert(seeded.url, forged_state(seeded.url, "2025-04-01T00:00:00.000000+00:00"), EVENTS + 2)
    finally:
        engine.dispose()


# -- PostgreSQL: the transaction's own lifetime, and the role that inserted each row ---------------------


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgresql_refuses_a_record_time_from_before_the_inserting_transaction(seeded: Ledger) -> None:
    """After the last event, before now: SQLite lets that through, PostgreSQL does not."""
    last = dt.datetime.fromisoformat(last_recorded_at(seeded))
    with pytest.raises(DBAPIError, match="before this transaction began"):
        insert(seeded.url, forged_state(seeded.url, format_time(last + dt.timedelta(microseconds=1))))
    assert seeded.verify().to_json()["events"] == EVENTS


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_history_names_the_database_role_beside_the_declared_author(store: Ledger, writer: tuple[str, str]) -> None:
    role, url = writer
    owner = sqlalchemy.create_engine(store.url)
    with owner.connect() as conn:
        me = conn.execute(text("SELECT current_user")).scalar_one()
    owner.dispose()
    store.append([(1, seed_scenario()[0])], author="tester")
    analyst = Ledger(url)
    try:
        analyst.append([(1, seed_scenario()[1])], author="Federal Register")
        entries = analyst.history().to_json()
    finally:
        analyst.close()
    assert [(e["recorded_by"], e["recorded_by_role"]) for e in entries] == [
        ("tester", me), ("Federal Register", role)]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_writer_that_claims_another_role_in_its_own_insert_is_refused(
    seeded: Ledger, writer: tuple[str, str]
) -> None:
    role, url = writer
    forge = ("INSERT INTO ledger_events (originator_id, originator_version, topic, state, recorded_by_role) "
             "SELECT originator_id, %s, topic, %s, %s FROM ledger_events WHERE originator_version = 1")
    with psycopg.connect(_libpq(url)) as conn:
        clock = conn.execute("SELECT clock_timestamp()").fetchone()
        assert clock is not None
        state = forged_state(seeded.url, format_time(clock[0]))
        for claimed in ("postgres", None):
            refused = f"ledger role refused: .*inserting role \\({role}\\)"
            with pytest.raises(psycopg.errors.CheckViolation, match=refused), conn.transaction():
                conn.execute(forge, (EVENTS + 1, state, claimed))
        # Its own name is what the database would have stamped: that row goes in.
        conn.execute(forge, (EVENTS + 1, state, role))
        stamped = conn.execute("SELECT recorded_by_role FROM ledger_events WHERE originator_version = %s",
                               (EVENTS + 1,)).fetchone()
    assert stamped == (role,)


def test_one_statement_of_many_rows_is_checked_row_by_row(seeded: Ledger) -> None:
    """PostgreSQL checks a statement's rows together, after it ran: a row behind the row before it in the
    same statement is refused as one behind the log's last is, and the whole statement with it. The
    middle time below passes every other check (after the log's last event and, on PostgreSQL, after the
    transaction began), so only that order refuses it."""
    engine = raw(seeded.url)
    try:
        for shape in ("behind the row before", "not a time", "behind two rows back"):
            with pytest.raises(DBAPIError, match=REFUSED), engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    began, clock = conn.execute(text("SELECT transaction_timestamp(), clock_timestamp()")).one()
                else:
                    clock = dt.datetime.now(dt.UTC)
                    began = clock - dt.timedelta(milliseconds=1)
                first, middle = format_time(clock), format_time(began + (clock - began) / 2)
                assert last_recorded_at(seeded) < middle < first
                stamps = {"behind the row before": (first, middle), "not a time": (first, first[:10]),
                          "behind two rows back": (first, first, middle)}[shape]
                values = ", ".join(f"(:v{i}, :s{i})" for i in range(len(stamps)))
                params = {key: value for i, stamp in enumerate(stamps)
                          for key, value in ((f"v{i}", EVENTS + 1 + i), (f"s{i}", forged_state(seeded.url, stamp)))}
                conn.execute(text(
                    f"WITH x(v, s) AS (VALUES {values}) "
                    "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                    "SELECT e.originator_id, x.v, e.topic, x.s FROM x JOIN ledger_events e ON e.originator_version = 1 "
                    "ORDER BY x.v"), params)
    finally:
        engine.dispose()
    assert seeded.verify().to_json()["events"] == EVENTS


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_writer_can_neither_switch_the_guard_off_nor_restore(
    store: Ledger, writer: tuple[str, str], tmp_path: Path
) -> None:
    _, url = writer
    with psycopg.connect(_libpq(url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"ALTER TABLE ledger_events DISABLE TRIGGER {INSERT_GUARD}")
    with psycopg.connect(_libpq(url)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"DROP TRIGGER {INSERT_GUARD} ON ledger_events")
    source = Cli(f"sqlite:///{tmp_path / 'source.db'}")
    assert source("init").exit_code == 0
    assert source.append_lines(seed_scenario()).exit_code == 0
    run = Cli(url)("restore", "-", input=source("export", "--full").stdout)
    assert run.exit_code == 1
    assert "restore must run as the owner of the ledger's tables" in run.stderr
    assert "Traceback" not in run.stderr
    assert Cli(store.url)("digest").stdout.split() == ["0" * 64, "0"]


def test_init_upgrades_a_ledger_from_before_the_guard(seeded: Ledger) -> None:
    """A ledger made before the guard (no trigger, no role column, schema 3) is told to upgrade, and init does it."""
    from projections.readmodel.queries import OnConnection
    from projections.readmodel.writer import set_meta

    engine = raw(seeded.url)
    try:
        with engine.begin() as conn:
            on = " ON ledger_events" if conn.dialect.name == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER {INSERT_GUARD}{on}"))
            conn.execute(text("ALTER TABLE ledger_events DROP COLUMN recorded_by_role"))
            set_meta(OnConnection(conn), "schema_version", "3")
    finally:
        engine.dispose()
    old = Cli(seeded.url)
    assert "run `ledger init` to upgrade it" in old("history").stderr
    assert old("init").exit_code == 0
    assert [e["recorded_by_role"] for e in seeded.history().to_json()] == [None] * EVENTS  # nobody said, then
    with pytest.raises(DBAPIError, match=REFUSED):
        insert(seeded.url, forged_state(seeded.url, "2025-04-02T00:00:00.000000+00:00"))
    assert seeded.verify().to_json()["events"] == EVENTS
