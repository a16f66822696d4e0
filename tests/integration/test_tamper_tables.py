"""Every table is covered: one row deleted, edited or inserted anywhere fails `ledger verify`.

The cases run on the sample ledger (examples/us-japan-2025.jsonl), on SQLite and
PostgreSQL, through the real CLI. A table added to the schema without verify
coverage fails here twice: it is neither the log nor declared
(:func:`test_every_table_is_the_log_or_checked_by_verify`), and it has no tamper
cases (:func:`test_every_table_has_tamper_cases`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.service import Ledger
from ledger.verify import CHECKED_WITH_THE_LOG
from projections.readmodel.registry import READ_MODELS
from projections.readmodel.tables import metadata
from tests.conftest import SAMPLE, Cli
from tests.integration.test_tamper import tamper

LOG = "ledger_events"  # the eventsourcing library's table, outside the read models' metadata
# The sample, then one schedule.published (the HTS excerpt), so the schedule tables have rows to tamper with.
HTS = SAMPLE.parent.parent / "tests" / "data" / "hts-json-excerpt.json"
EVENTS = sum(1 for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()) + 1
# `{one}` picks one row of the table being tampered with (SQLite's rowid, PostgreSQL's ctid).
CASES: dict[str, dict[str, str]] = {
    LOG: {
        "delete": "DELETE FROM ledger_events WHERE originator_version = 20",
        "edit": "UPDATE ledger_events SET topic = topic || ' ' WHERE originator_version = 20",
        "insert": "INSERT INTO ledger_events (originator_id, originator_version, topic, state) SELECT "
                  f"originator_id, {EVENTS + 1}, topic, state FROM ledger_events WHERE originator_version = 20",
    },
    "ledger_chain": {
        "delete": "DELETE FROM ledger_chain WHERE position = 20",
        "edit": "UPDATE ledger_chain SET digest = replace(digest, substr(digest, 1, 1), 'x') WHERE position = 20",
        "insert": f"INSERT INTO ledger_chain (position, digest) SELECT {EVENTS + 1}, digest FROM ledger_chain "
                  "WHERE position = 20",
    },
    "ledger_index": {
        "delete": "DELETE FROM ledger_index WHERE position = 20",
        "edit": "UPDATE ledger_index SET date = '2025-01-02' WHERE position = 20",
        "insert": "INSERT INTO ledger_index (position, event_id, type, subject_kind, subject, target, date, "
                  "recorded_at, recorded_by, current) SELECT 1000, '00000000-0000-4000-8000-000000000000', "
                  "type, subject_kind, subject, target, date, recorded_at, recorded_by, current "
                  "FROM ledger_index WHERE position = 20",
    },
    "ledger_meta": {
        "delete": "DELETE FROM ledger_meta WHERE key = 'position'",
        "edit": f"UPDATE ledger_meta SET value = '{EVENTS - 1}' WHERE key = 'position'",
        "insert": "INSERT INTO ledger_meta (key, value) VALUES ('reflects', 'everything')",
    },
    "measure_intervals": {
        "delete": "DELETE FROM measure_intervals WHERE {one}",
        "edit": "UPDATE measure_intervals SET view = view || ' ' WHERE {one}",
        "insert": "INSERT INTO measure_intervals SELECT measure, '1999-01-01', '1999-02-01', imposer, status, view "
                  "FROM measure_intervals WHERE {one}",
    },
    "measure_scope": {
        "delete": "DELETE FROM measure_scope WHERE {one}",
        "edit": "UPDATE measure_scope SET value = '01' WHERE {one}",
        "insert": "INSERT INTO measure_scope (measure, imposer, axis, value) VALUES ('us-232-autos', 'US', 'p', 'CN')",
    },
    "track_parties": {
        "delete": "DELETE FROM track_parties WHERE {one}",
        "edit": "UPDATE track_parties SET opened_on = '2025-01-01' WHERE {one}",
        "insert": "INSERT INTO track_parties (track, party, opened_on) VALUES ('us-jp-tariffs', 'CN', '2025-04-07')",
    },
    "track_pairs": {
        # The case: without these rows `state --imposer US --partner JP` loses the talks.
        "delete": "DELETE FROM track_pairs",
        "edit": "UPDATE track_pairs SET other = 'CN' WHERE {one}",
        "insert": "INSERT INTO track_pairs (track, party, other, opened_on) "
                  "VALUES ('us-jp-tariffs', 'US', 'CN', '2025-04-07')",
    },
    "summit_tracks": {
        "delete": "DELETE FROM summit_tracks WHERE {one}",
        "edit": "UPDATE summit_tracks SET track = 'zz-track' WHERE {one}",
        "insert": "INSERT INTO summit_tracks (summit, track) VALUES ('ishiba-trump-2025-02-07', 'us-jp-tariffs')",
    },
    "schedule_heads": {
        "delete": "DELETE FROM schedule_heads",
        "edit": "UPDATE schedule_heads SET effective_on = '2024-01-01' WHERE {one}",
        "insert": "INSERT INTO schedule_heads SELECT 'us-hts-ghost', imposer, basis, effective_on, position, head "
                  "FROM schedule_heads WHERE {one}",
    },
    "schedule_lines": {
        "delete": "DELETE FROM schedule_lines WHERE {one}",
        "edit": "UPDATE schedule_lines SET rate = '0' WHERE product = '8704210100'",
        "insert": "INSERT INTO schedule_lines SELECT schedule, imposer, basis, '9503', valid_from, valid_to, rate, "
                  "text, specific, preferential FROM schedule_lines WHERE {one}",
    },
    "subjects": {
        # The cases: the append checks read this table.
        "delete": "DELETE FROM subjects WHERE kind = 'measure' AND slug = 'us-232-autos'",
        "edit": "UPDATE subjects SET position = position + 1 WHERE {one}",
        "insert": "INSERT INTO subjects (kind, slug, position, facts) VALUES ('measure', 'ghost2', 1, '{{}}')",
    },
}
OPERATIONS = ("delete", "edit", "insert")


def test_every_table_is_the_log_or_checked_by_verify() -> None:
    """A table verify does not vouch for cannot slip in: it is a read model of the registry, or checked with the log."""
    declared = [m.table.name for m in READ_MODELS]
    assert len(declared) == len(set(declared)), "a read model is declared twice"
    covered = set(declared) | set(CHECKED_WITH_THE_LOG)
    assert set(metadata.tables) == covered, (
        f"tables verify does not check: {sorted(set(metadata.tables) - covered)}; "
        f"declared but absent: {sorted(covered - set(metadata.tables))}")


def test_every_table_has_tamper_cases() -> None:
    assert set(CASES) == {LOG, *metadata.tables}
    assert all(set(ops) == set(OPERATIONS) for ops in CASES.values())


def loaded(store: Ledger, events_file: Path) -> Cli:
    """The CLI on ``store`` once ``events_file`` and the HTS excerpt (a schedule, so every table has rows) are in."""
    cli = Cli(store.url)
    run = cli("append", "--file", str(events_file))
    assert run.exit_code == 0, run.stderr
    run = cli("schedule", "import", str(HTS), "--imposer", "US", "--schedule", "us-hts-2025", "--effective-on",
              "2025-01-01", "--source-title", "USITC HTS excerpt")
    assert run.exit_code == 0, run.stderr
    return cli


@pytest.fixture
def sample(store: Ledger) -> Cli:
    cli = loaded(store, SAMPLE)
    assert cli("verify").exit_code == 0
    return cli


def one_row(url: str, table: str) -> str:
    if url.startswith("postgresql"):
        return f"ctid = (SELECT ctid FROM {table} LIMIT 1)"
    return f"rowid = (SELECT min(rowid) FROM {table})"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("table", sorted(CASES))
def test_tampering_with_any_table_fails_verify(sample: Cli, table: str, operation: str) -> None:
    statement = CASES[table][operation].format(one=one_row(sample.url, table))
    tamper(sample.url, statement)
    run = sample("verify", "--format", "json")
    assert run.exit_code == 1, f"{operation} in {table} passed verify: {run.stdout}"
    report = run.json()
    assert report["ok"] is False
    assert report["append_only"] is True  # found by the checks, not by the (restored) triggers
    # An edited event reads as a broken chain link: the event or the link was changed.
    assert report["table"] in ({LOG, "ledger_chain"} if table == LOG else {table}), report
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_without_track_pairs_the_talks_drop_out_of_state_and_verify_says_so(sample: Cli) -> None:
    def talks() -> list[str]:
        run = sample("state", "--as-of", "2025-06-14", "--imposer", "US", "--partner", "JP", "--format", "json")
        return [n["track"] for n in json.loads(run.stdout)["negotiations"]]

    assert talks() == ["us-jp-tariffs"]
    tamper(sample.url, "DELETE FROM track_pairs")
    assert talks() == []
    run = sample("verify")
    assert run.exit_code == 1
    assert run.stderr == ("error: track_pairs for 'us-jp-tariffs' differ from a full replay: the row "
                          "track='us-jp-tariffs', party='JP', other='US' is missing\n")
    assert sample("rebuild").exit_code == 0
    assert talks() == ["us-jp-tariffs"]
    assert sample("verify").exit_code == 0
