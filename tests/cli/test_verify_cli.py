"""`ledger verify` and `ledger digest` through the real CLI: output, exit codes, kept digests."""

from __future__ import annotations

import re

import orjson
import pytest

from tests.conftest import Cli
from tests.integration.test_tamper import drop_append_only, raw, stored_state, tamper
from tests.scenario import ev, seed_scenario

OK_LINE = re.compile(r"OK (\d+) events, head ([0-9a-f]{64})\n")


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli.append_lines(seed_scenario()).exit_code == 0
    return cli


def test_verify_prints_ok_the_count_and_the_head_digest(seeded: Cli) -> None:
    run = seeded("verify")
    assert run.exit_code == 0, run.stderr
    match = OK_LINE.fullmatch(run.stdout)
    assert match is not None, run.stdout
    assert int(match[1]) == len(seed_scenario())
    assert seeded("digest").stdout == f"{match[2]} {match[1]}\n"


def test_verify_as_json_says_ok_with_count_digest_and_triggers(seeded: Cli) -> None:
    result = seeded("verify", "--format", "json").json()
    assert result == {"ok": True, "events": len(seed_scenario()), "digest": seeded("digest").stdout.split()[0],
                      "append_only": True}


def test_an_edited_event_exits_1_naming_its_position(seeded: Cli) -> None:
    state = stored_state(seeded.url, 3)
    state["event"]["rate"] = 1
    tamper(seeded.url, "UPDATE ledger_events SET state = :s WHERE originator_version = 3", s=orjson.dumps(state))
    run = seeded("verify")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr.startswith("error: position 3: hash chain mismatch")
    assert "Traceback" not in run.stderr


def test_a_deleted_event_exits_1_naming_its_position(seeded: Cli) -> None:
    tamper(seeded.url, "DELETE FROM ledger_events WHERE originator_version = 10")
    run = seeded("verify")
    assert run.exit_code == 1
    assert run.stderr.startswith("error: position 10: stored event out of sequence")


def test_the_line_digest_printed_earlier_verifies_later_appends(seeded: Cli) -> None:
    kept = seeded("digest").stdout.strip()
    assert seeded.append_lines([ev("measure.revoked", "2025-08-01", measure="us-232-autos")]).exit_code == 0
    for digest in (kept, kept.split()[0]):
        run = seeded("verify", "--digest", digest)
        assert run.exit_code == 0, run.stderr
        assert run.stdout.startswith(f"OK {len(seed_scenario()) + 1} events")


def test_a_digest_the_log_never_had_exits_1(seeded: Cli) -> None:
    run = seeded("verify", "--digest", "0123456789abcdef" * 4)
    assert run.exit_code == 1
    assert "does not extend digest" in run.stderr


def test_a_digest_taken_at_more_events_than_the_log_has_exits_1(seeded: Cli) -> None:
    head = seeded("digest").stdout.split()[0]
    run = seeded("verify", "--digest", f"{head} 99")
    assert run.exit_code == 1
    assert "events were deleted from the end" in run.stderr


def test_a_malformed_digest_is_bad_input(seeded: Cli) -> None:
    run = seeded("verify", "--digest", "'; DROP TABLE ledger_chain; --")
    assert run.exit_code == 2
    assert run.stderr.startswith("error: digest: expected the line `ledger digest` prints")


def test_verify_fails_when_the_append_only_triggers_are_gone_and_init_restores_them(seeded: Cli) -> None:
    engine = raw(seeded.url)
    try:
        with engine.begin() as conn:
            drop_append_only(conn)
    finally:
        engine.dispose()
    run = seeded("verify")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert "append-only triggers are not as declared" in run.stderr
    assert "`ledger init` restores them" in run.stderr
    assert "Traceback" not in run.stderr
    assert seeded("init").exit_code == 0
    run = seeded("verify")
    assert run.exit_code == 0
    assert run.stderr == ""


def test_a_failing_verify_as_json_says_what_failed_on_stdout_and_exits_1(seeded: Cli) -> None:
    tamper(seeded.url, "DELETE FROM ledger_events WHERE originator_version = 10")
    run = seeded("verify", "--format", "json")
    assert run.exit_code == 1
    assert run.json() == {"ok": False, "position": 10, "table": "ledger_events", "append_only": True,
                          "message": "stored event out of sequence (found version 11): a row was deleted, "
                                     "inserted or moved"}
    assert run.stderr.startswith("error: position 10: stored event out of sequence")


def test_verify_without_a_ledger_says_how_to_create_one(bare_cli: Cli) -> None:
    run = bare_cli("verify")
    assert run.exit_code == 1
    assert "ledger init" in run.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_room_to_sort_during_verify_is_one_line_that_names_the_temporary_directory(
        seeded: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # verify's replay reads the index sorted by subject (ledger.replay.check_replay): SQLite sorts it in
    # temporary files, and what it raises when their disk fills up is this.
    import sqlite3

    from ledger import verify

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(verify, "check_replay", full)
    run = seeded("verify", env={"LEDGER_WORKERS": "0"})
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        "error: the database failed: no room left on the disk of the ledger file (and its -wal file) or in the "
        "temporary directory SQLite sorts in ($SQLITE_TMPDIR, else $TMPDIR, else /var/tmp or /tmp) — database or "
        "disk is full"]
