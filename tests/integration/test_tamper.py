"""Tamper evidence: whatever is changed behind the ledger's back, `verify` names the first bad position.

Each test edits the database through a raw connection, as someone with database
access would — after dropping the append-only triggers, which would refuse the edit,
and putting them back afterwards, so that what `verify` reports is the edit itself
(missing triggers fail `verify` on their own: tests/integration/test_triggers.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy
from sqlalchemy import Connection, text

from ledger.chain import GENESIS, link
from ledger.errors import BadInput, IntegrityFailure
from ledger.schema import INSERT_GUARD, install_append_only
from ledger.service import Ledger
from tests.scenario import seed_scenario

EVENTS = len(seed_scenario())  # 13: measures 1–4, talks 5–12, the summit 13


def drop_append_only(conn: Connection) -> None:
    """What a table owner can do: remove the triggers that refuse UPDATE and DELETE on the log, and the
    insert guard that refuses a backdated row."""
    postgres = conn.dialect.name == "postgresql"
    for table in ("ledger_events", "ledger_chain"):
        if postgres:
            for name in ("no_change", "no_truncate"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"))
        else:
            for op in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {INSERT_GUARD}{' ON ledger_events' if postgres else ''}"))


def raw(url: str) -> Any:
    """A plain SQLAlchemy engine on the ledger's database, outside the ledger's code."""
    return sqlalchemy.create_engine(url)


def tamper(url: str, *statements: str, **params: Any) -> None:
    engine = raw(url)
    try:
        with engine.begin() as conn:
            drop_append_only(conn)
            for statement in statements:
                conn.execute(text(statement), params)
            install_append_only(conn)
    finally:
        engine.dispose()


def stored_state(url: str, version: int) -> dict[str, Any]:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            state = conn.execute(text("SELECT state FROM ledger_events WHERE originator_version = :v"),
                                 {"v": version}).scalar_one()
        return orjson.loads(bytes(state))  # type: ignore[no-any-return]
    finally:
        engine.dispose()


@pytest.fixture
def seeded(store: Ledger) -> Iterator[Ledger]:
    store.append(enumerate(seed_scenario(), start=1), author="tester")
    yield store


def failure(ledger: Ledger, digest: str | None = None) -> IntegrityFailure:
    with pytest.raises(IntegrityFailure) as caught:
        ledger.verify(digest).to_json()
    return caught.value


def test_an_untouched_ledger_verifies_with_its_count_and_head(seeded: Ledger) -> None:
    result = seeded.verify().to_json()
    assert result["events"] == EVENTS
    assert result["digest"] == seeded.digest().to_json()["digest"]
    assert result["append_only"] is True


def test_an_empty_ledger_verifies_with_the_genesis_digest(store: Ledger) -> None:
    assert store.verify().to_json() == {"ok": True, "events": 0, "digest": GENESIS, "append_only": True}


def test_an_edited_event_fails_at_its_position(seeded: Ledger) -> None:
    state = stored_state(seeded.url, 4)
    state["event"]["until"] = "2030-01-01"
    tamper(seeded.url, "UPDATE ledger_events SET state = :s WHERE originator_version = 4", s=orjson.dumps(state))
    problem = failure(seeded)
    assert problem.position == 4
    assert "hash chain mismatch" in str(problem)


def test_an_edited_record_time_fails_at_its_position(seeded: Ledger) -> None:
    state = stored_state(seeded.url, 9)
    state["recorded_at"] = "2020-01-01T00:00:00.000000+00:00"
    tamper(seeded.url, "UPDATE ledger_events SET state = :s WHERE originator_version = 9", s=orjson.dumps(state))
    assert failure(seeded).position == 9


def test_a_deleted_event_fails_at_its_position(seeded: Ledger) -> None:
    tamper(seeded.url, "DELETE FROM ledger_events WHERE originator_version = 6")
    problem = failure(seeded)
    assert problem.position == 6
    assert "out of sequence" in str(problem)


def test_a_deleted_chain_link_fails_at_its_position(seeded: Ledger) -> None:
    tamper(seeded.url, "DELETE FROM ledger_chain WHERE position = 7")
    assert failure(seeded).position == 7


def test_an_edited_chain_link_fails_at_its_position(seeded: Ledger) -> None:
    tamper(seeded.url, "UPDATE ledger_chain SET digest = :d WHERE position = 3", d="f" * 64)
    assert failure(seeded).position == 3


def test_an_event_inserted_at_the_end_without_its_link_fails_there(seeded: Ledger) -> None:
    state = stored_state(seeded.url, 5)
    tamper(seeded.url, "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                       "SELECT originator_id, :v, topic, :s FROM ledger_events WHERE originator_version = 5",
           v=EVENTS + 1, s=orjson.dumps(state))
    assert failure(seeded).position == EVENTS + 1


def test_a_row_of_another_stream_inserted_in_the_middle_fails_where_it_sits(seeded: Ledger) -> None:
    # A row slipped in between positions 3 and 4 by its notification id: it sits at position 4.
    tamper(seeded.url,
           "UPDATE ledger_events SET id = id + 100 WHERE originator_version >= 4",
           "INSERT INTO ledger_events (id, originator_id, originator_version, topic, state) "
           "SELECT id + 1, :other, 1, topic, state FROM ledger_events WHERE originator_version = 3",
           other=_other_stream(seeded.url))
    problem = failure(seeded)
    assert problem.position == 4
    assert "out of sequence" in str(problem)


def _other_stream(url: str) -> Any:
    """Another stream id in the form the backend stores (16 bytes on SQLite, a uuid on PostgreSQL)."""
    import uuid

    other = uuid.uuid4()
    return str(other) if url.startswith("postgresql") else other.bytes


def test_two_swapped_events_fail_at_the_first_of_them(seeded: Ledger) -> None:
    tamper(seeded.url,
           "UPDATE ledger_events SET originator_version = -1 WHERE originator_version = 7",
           "UPDATE ledger_events SET originator_version = 7 WHERE originator_version = 8",
           "UPDATE ledger_events SET originator_version = 8 WHERE originator_version = -1")
    assert failure(seeded).position == 7


def test_two_swapped_event_bodies_fail_at_the_first_of_them(seeded: Ledger) -> None:
    a, b = stored_state(seeded.url, 2), stored_state(seeded.url, 3)
    tamper(seeded.url,
           "UPDATE ledger_events SET state = :b WHERE originator_version = 2",
           "UPDATE ledger_events SET state = :a WHERE originator_version = 3",
           a=orjson.dumps(a), b=orjson.dumps(b))
    assert failure(seeded).position == 2


def test_a_read_model_current_form_that_differs_from_the_replay_fails(seeded: Ledger) -> None:
    # Nothing corrects position 2: it reads as recorded, and JSON null would withdraw it.
    # More cases, with corrections: tests/integration/test_current_form.py.
    tamper(seeded.url, "UPDATE ledger_index SET current = 'null' WHERE position = 2")
    problem = failure(seeded)
    assert problem.position == 2
    assert "full replay" in str(problem)


def test_a_measure_interval_that_differs_from_the_replay_fails(seeded: Ledger) -> None:
    tamper(seeded.url, "UPDATE measure_intervals SET status = 'revoked' WHERE measure = 'us-reciprocal-jp'")
    problem = failure(seeded)
    assert "measure_intervals for 'us-reciprocal-jp'" in str(problem)


def test_a_missing_measure_interval_fails(seeded: Ledger) -> None:
    tamper(seeded.url, "DELETE FROM measure_intervals WHERE measure = 'us-232-autos'")
    assert "measure_intervals for 'us-232-autos'" in str(failure(seeded))


def test_intervals_for_a_measure_the_log_does_not_have_fail(seeded: Ledger) -> None:
    tamper(seeded.url, "INSERT INTO measure_intervals (measure, valid_from, valid_to, imposer, status, view) "
                       "SELECT 'zz-invented', valid_from, valid_to, imposer, status, view FROM measure_intervals "
                       "WHERE measure = 'us-232-autos'")
    assert "'zz-invented', which the log does not have" in str(failure(seeded))


def test_an_index_row_that_differs_from_the_stored_event_fails(seeded: Ledger) -> None:
    tamper(seeded.url, "UPDATE ledger_index SET recorded_by = 'mallory' WHERE position = 11")
    problem = failure(seeded)
    assert problem.position == 11
    assert "ledger_index differs" in str(problem)


def test_an_event_filed_under_another_subject_fails(seeded: Ledger) -> None:
    tamper(seeded.url, "UPDATE ledger_index SET subject = 'us-232-autos' WHERE position = 2")
    assert failure(seeded).position == 2


def test_a_digest_of_an_earlier_head_passes(seeded: Ledger) -> None:
    earlier = seeded.digest().to_json()
    seeded.append([(1, {"type": "measure.revoked", "date": "2025-08-01", "measure": "us-232-autos",
                        "source": "test"})], author="tester")
    assert seeded.verify(earlier["digest"]).to_json()["events"] == EVENTS + 1
    assert seeded.verify(f"{earlier['digest']} {earlier['events']}").to_json()["events"] == EVENTS + 1


def test_a_digest_that_is_no_link_of_the_log_fails(seeded: Ledger) -> None:
    problem = failure(seeded, "ab" * 32)
    assert problem.position is None
    assert "does not extend digest" in str(problem)


def test_a_digest_with_a_count_must_be_the_link_at_that_position(seeded: Ledger) -> None:
    head = seeded.digest().to_json()["digest"]
    assert failure(seeded, f"{head} 5").position == 5


def test_a_malformed_digest_is_bad_input(seeded: Ledger) -> None:
    with pytest.raises(BadInput):
        seeded.verify("not-a-digest").to_json()


def rechain(conn: Connection) -> None:
    """What a forger who knows the chain's definition does after an edit: recompute every link."""
    previous = GENESIS
    for version, topic, body in conn.execute(text(
            "SELECT originator_version, topic, state FROM ledger_events ORDER BY id")).all():
        previous = link(previous, topic, bytes(body))
        conn.execute(text("UPDATE ledger_chain SET digest = :d WHERE position = :p"), {"d": previous, "p": version})


def rewrite_and_rechain(url: str, version: int, state: bytes, *also: str) -> None:
    """What someone who knows the chain's rule can do: rewrite a stored event (and ``also`` run those
    statements), then recompute every link, so only the content itself can give the edit away."""
    engine = raw(url)
    try:
        with engine.begin() as conn:
            drop_append_only(conn)
            conn.execute(text("UPDATE ledger_events SET state = :s WHERE originator_version = :v"),
                         {"s": state, "v": version})
            for statement in also:
                conn.execute(text(statement))
            rechain(conn)
            install_append_only(conn)
    finally:
        engine.dispose()


def test_a_rewritten_history_with_a_recomputed_chain_passes_alone_but_not_against_a_kept_digest(
    seeded: Ledger,
) -> None:
    """Someone who can rewrite the whole database can make the chain agree; a digest kept elsewhere cannot."""
    kept = seeded.digest().to_json()
    state = stored_state(seeded.url, 2)
    state["event"]["rate"] = 99
    rewrite_and_rechain(seeded.url, 2, orjson.dumps(state))
    seeded.rebuild()
    assert seeded.verify().to_json()["events"] == EVENTS
    assert failure(seeded, kept["digest"]).position is None
    assert failure(seeded, f"{kept['digest']} {kept['events']}").position == EVENTS


def test_an_event_rewritten_into_nonsense_with_a_recomputed_chain_fails_readably(seeded: Ledger) -> None:
    rewrite_and_rechain(seeded.url, 8, b"\xff\x00 not json")
    problem = failure(seeded)
    assert problem.position == 8
    assert "cannot be read" in str(problem)


def test_an_event_rewritten_into_an_unknown_type_with_a_recomputed_chain_fails_there(seeded: Ledger) -> None:
    state = stored_state(seeded.url, 6)
    state["event"]["type"] = "talks.invented"
    rewrite_and_rechain(seeded.url, 6, orjson.dumps(state),
                        "UPDATE ledger_index SET type = 'talks.invented' WHERE position = 6")
    problem = failure(seeded)
    assert problem.position == 6
    assert "unknown type 'talks.invented'" in str(problem)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_event_stored_as_text_instead_of_bytes_fails_at_its_position(seeded: Ledger) -> None:
    tamper(seeded.url, "UPDATE ledger_events SET state = CAST(state AS TEXT) WHERE originator_version = 5")
    assert failure(seeded).position == 5


def test_cutting_the_tail_everywhere_is_caught_by_a_kept_digest_with_its_count(seeded: Ledger) -> None:
    kept = seeded.digest().to_json()
    tamper(seeded.url,
           f"DELETE FROM ledger_events WHERE originator_version = {EVENTS}",
           f"DELETE FROM ledger_chain WHERE position = {EVENTS}",
           f"DELETE FROM ledger_index WHERE position = {EVENTS}",
           f"UPDATE ledger_meta SET value = '{EVENTS - 1}' WHERE key = 'position'")
    seeded.rebuild()
    assert seeded.verify().to_json()["events"] == EVENTS - 1
    assert failure(seeded, f"{kept['digest']} {kept['events']}").position == EVENTS


@pytest.mark.parametrize("form", ["keys swapped", "spaced", "extra key", "record time without microseconds"])
def test_an_event_rewritten_into_another_json_form_with_a_recomputed_chain_fails_there(seeded: Ledger,
                                                                                      form: str) -> None:
    """Reads cut the event's text out of the stored state by offset (``layout.EVENT_AT``): a state holding
    the same event in any other JSON form would read as something else there, so ``verify`` refuses it."""
    state = stored_state(seeded.url, 4)
    rewritten = {
        "keys swapped": orjson.dumps({"event": state["event"], "recorded_at": state["recorded_at"]}),
        "spaced": json.dumps(state).encode(),
        "extra key": orjson.dumps({**state, "by": "me"}),
        # the same instant, written shorter: the event would start before the offset reads cut at
        "record time without microseconds": orjson.dumps({**state, "recorded_at": state["recorded_at"].replace(
            state["recorded_at"][19:26], "")}),
    }[form]
    assert json.loads(rewritten)["event"] == state["event"]
    rewrite_and_rechain(seeded.url, 4, rewritten)
    problem = failure(seeded)
    assert problem.position == 4
    assert "not in the form the ledger writes" in str(problem)


def joined_events(url: str) -> dict[int, str]:
    """Each position's event as the read queries find it: the index joined to the log (``layout.with_log``)."""
    from projections.readmodel.layout import event_text, with_log

    engine = raw(url)
    try:
        with engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            query = f"SELECT position, {event_text(postgres)} FROM {with_log(postgres)}"
            return dict(conn.execute(text(query)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_the_index_reads_each_event_as_the_log_stores_it(seeded: Ledger) -> None:
    """Schema 8 keeps no copy of the event in ``ledger_index``: the join by position gives the log's text."""
    joined = joined_events(seeded.url)
    assert sorted(joined) == list(range(1, EVENTS + 1))
    for position, event in joined.items():
        assert orjson.loads(event) == stored_state(seeded.url, position)["event"]


def test_log_row_ids_must_be_positions_on_sqlite_and_may_skip_on_postgresql(seeded: Ledger) -> None:
    """SQLite's reads find an event by the log's row id, PostgreSQL's by its version (a sequence skips values)."""
    tamper(seeded.url, "UPDATE ledger_events SET id = id + 100 WHERE originator_version >= 4")
    if seeded.url.startswith("postgresql"):
        seeded.verify()
        assert sorted(joined_events(seeded.url)) == list(range(1, EVENTS + 1))
    else:
        # The moved rows would read as missing: verify fails at the first of them.
        assert sorted(joined_events(seeded.url)) == [1, 2, 3]
        problem = failure(seeded)
        assert problem.position == 4
        assert "row id 104" in str(problem)
