"""Rebuild and verify give the same answers with worker processes as in one process (LEDGER_WORKERS).

A generated ledger of a few thousand events (measures with every kind of change, talks,
summits, corrections and retractions) plus a tariff schedule, on SQLite and PostgreSQL.
The thresholds that keep small jobs in-process are lowered and the slices made small, so
these ledgers go through the pool in many slices, and the tests check that the pool really
was used: every read-model table must be, row for row, what the in-process rebuild writes,
and every tampering must fail ``verify`` with the same position, table and message.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

import ledger.maintenance
import ledger.replay
import ledger.verify
import ledger.workers
import projections.readmodel.writer
from benchmarks.generate import write_file
from ledger.service import Ledger
from projections.readmodel.registry import READ_MODELS
from tests.conftest import SAMPLE, Cli
from tests.integration.test_tamper import raw, stored_state, tamper
from tests.integration.test_tamper_tables import loaded, one_row
from tests.integration.test_verify_rules import FRESH, forge

SIZE = 3000
TABLES = ("ledger_index", "ledger_meta", *(m.table.name for m in READ_MODELS))


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "big.jsonl"
    write_file(path, "big", SIZE, seed=5)
    return path


@pytest.fixture
def generated(store: Ledger, events_file: Path) -> Cli:
    return loaded(store, events_file)


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Small thresholds and slices, so a test ledger goes through the pool; the names of the calls sent to it."""
    monkeypatch.setattr(ledger.workers, "PARALLEL_EVENTS", 0)
    monkeypatch.setattr(ledger.maintenance, "PAGE", 300)  # several flushes of the index, as on a big log
    monkeypatch.setattr(ledger.verify, "PAGE", 400)
    monkeypatch.setattr(ledger.replay, "SLICE_EVENTS", 150)
    monkeypatch.setattr(projections.readmodel.writer, "PARALLEL_MIN", 0)
    monkeypatch.setattr(projections.readmodel.writer, "REFOLD_SLICE", 40)
    calls: list[str] = []
    submit = concurrent.futures.ProcessPoolExecutor.submit

    def counted(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn.__name__)
        return submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "submit", counted)
    yield calls


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, sorted; on SQLite in insertion (rowid) order too."""
    engine = raw(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in TABLES:
                rows = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))]
                out[table] = sorted(rows, key=repr)
                if url.startswith("sqlite"):
                    out[f"{table} by rowid"] = [tuple(r) for r in conn.execute(
                        text(f"SELECT * FROM {table} ORDER BY rowid"))]
            return out
    finally:
        engine.dispose()


def run(cli: Cli, workers: int, *args: str) -> Any:
    result = cli(*args, env={"LEDGER_WORKERS": str(workers)})
    return result.exit_code, result.stdout, result.stderr


def test_rebuild_with_workers_writes_exactly_what_one_process_writes(generated: Cli, submitted: list[str]) -> None:
    appended = tables(generated.url)
    assert run(generated, 0, "rebuild")[0] == 0
    assert not submitted, "LEDGER_WORKERS=0 must not start workers"
    alone = tables(generated.url)
    assert run(generated, 2, "rebuild")[0] == 0
    # Several slices went to the workers, so the order of results is exercised. How many depends on timing (a
    # slice met while the workers are full is folded in this process), so only "several" is asserted.
    assert submitted.count("fold_slice") >= 2, submitted
    with_workers = tables(generated.url)
    assert set(with_workers) == set(alone)
    for table in alone:
        assert with_workers[table] == alone[table], f"{table} differs with workers"
    # And what the appends' own refolds wrote, row for row (insertion order aside).
    for table in TABLES:
        assert with_workers[table] == appended[table], f"{table}: rebuilt with workers differs from appended"
    assert len(with_workers["measure_intervals"]) > 1000 and with_workers["schedule_lines"]


def test_verify_with_workers_passes_and_uses_them(generated: Cli, submitted: list[str]) -> None:
    code, out, err = run(generated, 2, "verify", "--format", "json")
    assert code == 0, err
    assert orjson.loads(out)["events"] == SIZE + 1
    assert "replay_slice" in submitted and "validate_texts" in submitted, submitted


def _middle(url: str, sql: str) -> Any:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


# Each tampering is applied once; verify must fail the same way with and without workers.
TAMPERING: dict[str, tuple[str, ...]] = {
    "an interval's view": ("UPDATE measure_intervals SET view = view || ' ' WHERE {one:measure_intervals}",),
    "a late measure's scope": ("DELETE FROM measure_scope WHERE measure = (SELECT max(measure) FROM measure_scope)",),
    "a subject": ("DELETE FROM subjects WHERE slug = (SELECT max(slug) FROM subjects WHERE kind = 'summit')",),
    "a track pair": ("UPDATE track_pairs SET other = 'CN' WHERE {one:track_pairs}",),
    "a summit's track": ("INSERT INTO summit_tracks (summit, track) VALUES ('zz-summit', 'zz-track')",),
    "a schedule line": ("DELETE FROM schedule_lines WHERE {one:schedule_lines}",),
    "an event's current form": (
        "UPDATE ledger_index SET current = 'null' WHERE position = (SELECT min(position) + 1500 FROM ledger_index "
        "WHERE current IS NULL AND target IS NULL)",),
    # Two tables at once: the first in subject order is reported, as in one process.
    "two tables": ("DELETE FROM summit_tracks WHERE {one:summit_tracks}",
                   "DELETE FROM measure_scope WHERE measure = (SELECT max(measure) FROM measure_scope)"),
    "unknown type in the index": (
        "UPDATE ledger_index SET type = 'talks.gossip', current = NULL "
        "WHERE position = (SELECT max(position) FROM ledger_index WHERE type = 'talks.statement')",),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_a_tampered_ledger_fails_verify_the_same_way_with_workers(generated: Cli, submitted: list[str],
                                                                   case: str) -> None:
    url = generated.url
    statements = [s.replace("{one:", "{").format(**{t: one_row(url, t) for t in TABLES})
                  for s in TAMPERING[case]]
    tamper(url, *statements)
    alone = run(generated, 0, "verify", "--format", "json")
    with_workers = run(generated, 2, "verify", "--format", "json")
    assert alone[0] == 1, f"{case} passed verify: {alone}"
    assert orjson.loads(alone[1])["ok"] is False
    assert with_workers == alone
    assert submitted  # the index case fails in the first pass, while its pages are being validated


def _forged_statement(url: str, position: int) -> dict[str, Any]:
    """A copy of a stored talks.statement with a new id and a field its model refuses."""
    payload = dict(stored_state(url, position)["event"])
    payload["id"] = str(uuid.uuid4())
    payload["date"] = "2025-09-30"
    payload["recorded_by"] = "x" * 100_000  # longer than the model accepts; the folds never read it
    return payload


@pytest.mark.parametrize("forgery", ["invalid field", "unknown measure"])
def test_a_forged_event_fails_verify_at_its_position_with_workers(generated: Cli, submitted: list[str],
                                                                  forgery: str) -> None:
    url = generated.url
    if forgery == "invalid field":
        position = _middle(url, "SELECT max(position) FROM ledger_index WHERE type = 'talks.statement'")
        payload = _forged_statement(url, position)
    else:
        sample = orjson.loads(SAMPLE.read_bytes().splitlines()[1])
        payload = {**sample, "id": str(uuid.uuid4()), "type": "measure.amended", "measure": "ghost",
                   "date": "2025-09-30", "effective_on": "2025-10-01", "rate": 50}
        payload = {k: v for k, v in payload.items()
                   if k in {"id", "type", "date", "source", "recorded_by", "measure", "effective_on", "rate"}}
    at = forge(url, payload, FRESH)
    assert run(generated, 0, "rebuild")[0] == 0  # as a writer role may: the index now carries the forgery
    alone = run(generated, 0, "verify", "--format", "json")
    with_workers = run(generated, 2, "verify", "--format", "json")
    report = orjson.loads(alone[1])
    assert alone[0] == 1 and report["position"] == at, alone
    assert with_workers == alone


def test_an_appends_refold_with_held_events_and_a_pool_writes_what_it_writes_alone(generated: Cli,
                                                                                   submitted: list[str]) -> None:
    """``refold(…, held=…, pool=…)``, as an append's final refold may call it: events held in memory go to
    the workers as they are, the others as text read back; the rows replaced are the same either way."""
    from ledger.workers import process_pool
    from projections.readmodel.layout import event_text, with_log
    from projections.readmodel.queries import OnConnection
    from projections.readmodel.writer import refold

    engine = raw(generated.url)
    try:
        results = []
        for workers in (0, 2):
            with engine.connect() as conn, conn.begin() as transaction:
                postgres = conn.dialect.name == "postgresql"
                rows = conn.execute(text(f"SELECT position, subject_kind, subject, {event_text(postgres)} AS payload "
                                         f"FROM {with_log(postgres)} WHERE target IS NULL AND current IS NULL "
                                         "ORDER BY position")).all()
                touched = {(r.subject_kind, r.subject) for r in rows}
                # Every other event that reads as recorded held, as an append holds the events it just wrote.
                held = {r.position: orjson.loads(r.payload) for r in rows[::2]}
                with process_pool(workers) as pool:
                    refold(OnConnection(conn), touched, len(rows), replace_rows=True, held=held, pool=pool)
                results.append({m.table.name: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {m.table.name}"))),
                                                     key=repr)
                                for m in READ_MODELS if m.refold})
                transaction.rollback()
        assert results[0] == results[1]
        stored = tables(generated.url)  # what the appends wrote, untouched (both refolds were rolled back)
        assert results[0] == {table: stored[table] for table in results[0]}
        assert results[0]["measure_intervals"] and "fold_slice" in submitted
    finally:
        engine.dispose()
