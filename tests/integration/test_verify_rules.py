"""`verify` replays the rules as well as the folds: a row the ledger would have refused fails it at its position.

The forger here has what a PostgreSQL writer role keeps — INSERT on the log — and knows
the chain's definition, so every forged row carries a correctly computed link; `ledger
rebuild` (which such a role may run) then brings the read models in line with it. What
is left to catch it is the rules: the subject was introduced earlier, nothing is
introduced twice, a correction's target came before it, record time never goes back.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from eventsourcing.utils import get_topic
from sqlalchemy import text

from events.registry import EVENT_TYPES
from ledger.chain import link
from ledger.errors import IntegrityFailure
from ledger.schema import arm_insert_guard, disarm_insert_guard
from ledger.service import Ledger
from tests.conftest import SAMPLE, Cli
from tests.integration.test_tamper import raw, stored_state, tamper

EVENTS = sum(1 for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip())
SOURCE = {"publisher": "Federal Register", "title": "Adjusting Imports of Automobiles"}
FRESH = "2999-01-01T00:00:00.000000+00:00"  # later than any real record time


@pytest.fixture
def sample(store: Ledger) -> Ledger:
    run = Cli(store.url)("append", "--file", str(SAMPLE))
    assert run.exit_code == 0, run.stderr
    return store


def event(kind: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "date": date, "source": SOURCE,
            "recorded_by": "Federal Register", **fields}


def forge(url: str, payload: dict[str, Any], recorded_at: str) -> int:
    """Insert one event and its chain link as the ledger would have (not its read models); its position.

    The forger here owns the tables, so it can switch the insert guard off for its transaction, as
    ``restore`` does: what ``verify`` must then still catch. (A writer role cannot: the guard refuses
    its backdated rows outright, tests/integration/test_record_time_guard.py.)
    """
    engine = raw(url)
    try:
        with engine.begin() as conn:
            disarm_insert_guard(conn)
            stream, version = conn.execute(text(
                "SELECT originator_id, originator_version FROM ledger_events ORDER BY id DESC LIMIT 1")).one()
            head = conn.execute(text("SELECT digest FROM ledger_chain ORDER BY position DESC LIMIT 1")).scalar_one()
            topic = get_topic(EVENT_TYPES[payload["type"]])
            state = orjson.dumps({"recorded_at": recorded_at, "event": payload})
            conn.execute(text("INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                              "VALUES (:o, :v, :t, :s)"), {"o": stream, "v": version + 1, "t": topic, "s": state})
            conn.execute(text("INSERT INTO ledger_chain (position, digest) VALUES (:p, :d)"),
                         {"p": version + 1, "d": link(head, topic, state)})
            arm_insert_guard(conn)
        return int(version) + 1
    finally:
        engine.dispose()


def failure(ledger: Ledger, digest: str | None = None) -> IntegrityFailure:
    with pytest.raises(IntegrityFailure) as caught:
        ledger.verify(digest).to_json()
    return caught.value


@pytest.mark.parametrize("rebuilt", [False, True], ids=["as-inserted", "rebuilt"])
def test_a_backdated_forged_amendment_fails_because_record_time_goes_backwards(sample: Ledger, rebuilt: bool) -> None:
    kept = sample.digest().to_json()
    before = sample.rate("JP", "870323", _day("2025-06-01")).to_json()["rate"]
    forged = event("measure.amended", "2025-04-02", measure="us-232-autos", rate=100)
    position = forge(sample.url, forged, "2025-04-02T00:00:00.000000+00:00")
    assert position == EVENTS + 1
    if rebuilt:
        assert sample.rebuild() == EVENTS + 1
        # the forgery changes answers
        assert sample.rate("JP", "870323", _day("2025-06-01")).to_json()["rate"] != before
    for digest in (None, kept["digest"], f"{kept['digest']} {kept['events']}"):
        problem = failure(sample, digest)
        assert problem.position == position
        assert "record time goes backwards" in str(problem)
        assert problem.table == "ledger_events"


def test_a_forged_amendment_of_a_measure_never_announced_fails_as_unknown(sample: Ledger) -> None:
    position = forge(sample.url, event("measure.amended", "2025-06-01", measure="us-ghost", rate=100), FRESH)
    sample.rebuild()
    problem = failure(sample)
    assert problem.position == position
    assert str(problem) == (f"position {position}: the ledger would have refused this event: measure: unknown "
                            "measure 'us-ghost': record measure.announced for it first")


def test_a_forged_second_announcement_fails_as_introduced_twice(sample: Ledger) -> None:
    forged = event("measure.announced", "2025-06-01", measure="us-232-autos", imposer="US", partners=["*"],
                   products=["8703"], rate=100, basis="Section 232")
    position = forge(sample.url, forged, FRESH)
    sample.rebuild()
    problem = failure(sample)
    assert problem.position == position
    assert "measure 'us-232-autos' was already introduced" in str(problem)


def test_a_forged_correction_of_an_event_not_in_the_log_fails(sample: Ledger) -> None:
    forged = event("ledger.retracted", "2025-06-01", target=str(uuid.uuid4()), reason="forged")
    position = forge(sample.url, forged, FRESH)
    sample.rebuild()
    problem = failure(sample)
    assert problem.position == position
    assert f"target: no event with id {forged['target']}" in str(problem)


def test_a_forged_summit_naming_a_track_not_opened_yet_fails(sample: Ledger) -> None:
    forged = event("summit.scheduled", "2025-06-01", summit="g20-forged", name="G20", starts_on="2025-11-22",
                   tracks=["us-cn-talks"])
    position = forge(sample.url, forged, FRESH)
    sample.rebuild()
    problem = failure(sample)
    assert problem.position == position
    assert "unknown track 'us-cn-talks'" in str(problem)


def test_a_forged_row_that_follows_every_rule_is_an_append_under_any_author(sample: Ledger) -> None:
    """What INSERT on the log still allows: an event the ledger would have accepted (docs/integrity.md)."""
    forge(sample.url, event("measure.amended", "2025-06-01", measure="us-232-autos", rate=100), FRESH)
    sample.rebuild()
    assert sample.verify().to_json()["events"] == EVENTS + 1
    assert sample.history("measure", "us-232-autos").to_json()[-1]["recorded_by"] == "Federal Register"


def test_a_deleted_subject_fails_verify_and_then_so_does_what_the_cli_was_misled_into(sample: Ledger) -> None:
    tamper(sample.url, "DELETE FROM subjects WHERE kind = 'measure' AND slug = 'us-232-autos'")
    problem = failure(sample)
    assert problem.table == "subjects"
    assert "'us-232-autos'" in str(problem)
    cli = Cli(sample.url)  # the append checks read `subjects`: they now take a second announcement
    run = cli("append", "measure.announced", "--date", "2025-06-02", "--measure", "us-232-autos", "--imposer", "US",
              "--partners", "*", "--products", "8703", "--rate", "50", "--basis", "Section 232",
              "--source-title", "forged")
    assert run.exit_code == 0, run.stderr
    problem = failure(sample)
    assert problem.position == EVENTS + 1
    assert "was already introduced" in str(problem)


def test_an_invented_subject_fails_verify_and_then_so_does_what_the_cli_was_misled_into(sample: Ledger) -> None:
    tamper(sample.url, "INSERT INTO subjects (kind, slug, position, facts) VALUES ('measure', 'ghost2', 1, '{}')")
    problem = failure(sample)
    assert problem.table == "subjects"
    assert "'ghost2', which the log does not have" in str(problem)
    run = Cli(sample.url)("append", "measure.amended", "--date", "2025-06-02", "--measure", "ghost2", "--rate", "50",
                          "--source-title", "forged")
    assert run.exit_code == 0, run.stderr
    problem = failure(sample)
    assert problem.position == EVENTS + 1
    assert "unknown measure 'ghost2'" in str(problem)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_event_id_stored_twice_fails(sample: Ledger) -> None:
    """Only once the index's unique constraint is dropped (on PostgreSQL an owner can) does a copy get that far."""
    tamper(sample.url, "ALTER TABLE ledger_index DROP CONSTRAINT ledger_index_event_id_key")
    original = stored_state(sample.url, 4)["event"]
    position = forge(sample.url, original, FRESH)
    sample.rebuild()
    problem = failure(sample)
    assert problem.position == position
    assert f"event {original['id']} is stored twice" in str(problem)


def _day(text_: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text_)
