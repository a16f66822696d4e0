"""Every read of an event's text goes through ``ledger_index`` joined to its log row (schema 8), and the
index drives each such query on SQLite, with or without the planner's statistics (the ledger runs no
``ANALYZE`` on SQLite; a user may).

The log's only key here is ``(stream, version)``, with the same stream on every row; a plan that walks
the log first reads every event and then sorts them, where the index gives the rows in order (by
position) or narrows them (by subject) first. The statements are the ones the commands really run,
caught with the driver's trace callback and explained on a second connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.integration.test_current_form import LINES

SAMPLE = Path(__file__).parents[2] / "examples" / "us-japan-2025.jsonl"
JOIN = "ledger_events.id = ledger_index.position"


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement run on a SQLite connection opened meanwhile, parameters bound."""
    statements: list[str] = []
    connect = sqlite3.connect

    def tracing(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", tracing)
    yield statements


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "after ANALYZE"])
def test_the_index_drives_every_read_of_the_logs_text(cli: Cli, traced: list[str], statistics: bool) -> None:
    env = {"LEDGER_WORKERS": "0"}  # every query in this process, where the trace sees it
    assert cli("append", "--file", str(SAMPLE), env=env).exit_code == 0
    path = cli.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # not traced: the fixture has not patched this reference
        conn.execute("ANALYZE" if statistics else "DROP TABLE IF EXISTS sqlite_stat1")
    measure = cli("history", "--format", "json").json()[0]["subject"].split(":", 1)[1]
    traced.clear()
    for args in (("history",), ("history", "--measure", measure), ("history", "--since", "2025-07-01"),
                 ("state", "--as-of", "2025-08-01", "--known-at", "2025-09-01T00:00:00Z"),
                 ("export",), ("verify",), ("rebuild",)):
        run = cli(*args, env=env)
        assert run.exit_code == 0, (args, run.stderr)
    # Then a short append onto it: the ledger's corrections and retractions, refolding their subjects
    # from the events read back through the index (the sample's events are untouched; LINES is its own).
    assert cli.append_lines(LINES[:5]).exit_code == 0
    assert cli.append_lines(LINES[5:]).exit_code == 0
    joined = sorted({s for s in traced if JOIN in s})
    assert len(joined) >= 4, joined
    with connect_untraced(path) as conn:
        for statement in joined:
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}")]
            assert "ledger_index" in plan[0], (statement, plan)
            # and the log answers each row with one search of its table, by row id
            assert any(step.startswith("SEARCH ledger_events USING INTEGER PRIMARY KEY") for step in plan), plan
            # The sorted scan of a large import sorts on purpose. With statistics of a table this small,
            # SQLite may scan a narrower index and sort, as it did before the join: its choice, per table.
            if "NOT INDEXED" not in statement and not statistics:
                assert not any("TEMP B-TREE" in step for step in plan), (statement, plan)


connect_untraced = sqlite3.connect  # taken before any test patches the module's
