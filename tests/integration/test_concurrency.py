"""Many writers at once: parallel OS processes appending to one ledger lose nothing and interleave nothing.

Each writer is a separate process (spawned, so no connection is shared through fork),
released together by a barrier so their transactions really overlap. Afterwards the
log holds every event exactly once at positions 1…n without a gap, the chain and the
read models verify, and each writer's own events kept their order.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ledger.service import Ledger
from tests.conftest import REPO
from tests.integration.test_tamper import raw
from tests.scenario import ev

WRITERS = 4
EACH = 250
LEDGER_BIN = Path(sys.executable).with_name("ledger")


def event(writer: int, i: int) -> dict[str, Any]:
    """Writer ``w``'s ``i``-th event: mostly new measures, every fifth an amendment of its previous one."""
    if i % 5 == 4:
        return ev("measure.amended", "2025-05-01", measure=f"w{writer}-m{i - 1}", rate=i % 50,
                  effective_on="2025-05-02")
    return ev("measure.announced", "2025-04-01", measure=f"w{writer}-m{i}", imposer="US", partners=["JP"],
              products=[f"{8700 + writer}"], rate=10, basis="test", effective_on="2025-04-02")


def append_one_by_one(url: str, writer: int, count: int, barrier: Any, results: Any) -> None:
    """In a child process: ``count`` separate appends, each its own transaction."""
    ledger = Ledger(url)
    errors = []
    barrier.wait()
    for i in range(count):
        try:
            ledger.append([(None, event(writer, i))], author=f"writer-{writer}")
        except Exception as exc:  # reported to the parent, which fails the test with it
            errors.append(f"event {i}: {exc.__class__.__name__}: {exc}")
    ledger.close()
    results.put((writer, errors))


SAME_ID = "0b9d2c9e-55b1-4f43-9a43-0e0cf3f1c0de"


def race(url: str, writer: int, barrier: Any, results: Any) -> None:
    """In a child process: two conflicting rounds, every writer released at once for each.

    Round 1: all writers send the very same event (same id). Round 2: each sends a file whose
    first line is its own new measure and whose second announces the measure ``contested``.
    """
    ledger = Ledger(url)
    outcomes = []
    for lines in ([{**event(0, 0), "id": SAME_ID}], [event(writer, 1), {**event(writer, 0), "measure": "contested"}]):
        barrier.wait()
        outcomes.append(_attempt(ledger, lines))
    ledger.close()
    results.put(outcomes)


def _attempt(ledger: Ledger, lines: list[dict[str, Any]]) -> tuple[str, str | int, int]:
    from events.errors import BadInput

    try:
        result = ledger.append(enumerate(lines, start=1), author="racer")
        return "appended", result.appended, result.duplicates
    except BadInput as exc:
        return "rejected", str(exc), 0
    except Exception as exc:  # reported to the parent, which fails the test with it
        return "failed", f"{exc.__class__.__name__}: {exc}", 0


def run_processes(target: Any, argsets: list[tuple[Any, ...]]) -> list[Any]:
    """Start one spawned process per argument tuple, release them together, collect what each reports."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(argsets))
    results = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, barrier, results)) for args in argsets]
    for p in processes:
        p.start()
    reports = [results.get(timeout=300) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    return reports


def log_versions(url: str) -> list[int]:
    """The stored events' positions in the order the store numbered them (its notification ids)."""
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT originator_version FROM ledger_events ORDER BY id")).scalars())
    finally:
        engine.dispose()


def test_four_writers_appending_250_events_each_one_by_one_lose_nothing(store: Ledger) -> None:
    reports = run_processes(append_one_by_one, [(store.url, w, EACH) for w in range(WRITERS)])
    assert [errors for _, errors in reports] == [[]] * WRITERS
    total = WRITERS * EACH
    assert log_versions(store.url) == list(range(1, total + 1))
    assert store.verify().to_json()["events"] == total
    history = store.history().to_json()
    assert [h["position"] for h in history] == list(range(1, total + 1))
    for w in range(WRITERS):
        mine = [h for h in history if h["recorded_by"] == f"writer-{w}"]
        assert [h["measure"] for h in mine] == [event(w, i)["measure"] for i in range(EACH)]
    import datetime as dt

    measures = store.state(dt.date(2025, 6, 1)).to_json()["measures"]
    assert len(measures) == total - total // 5
    amended = {m["measure"]: m["rate"] for m in measures}
    assert amended["w3-m3"] == 4  # announced at 10, amended by w3's event 4 to 4 % 50


def test_four_file_imports_at_once_land_whole_and_contiguous(store: Ledger, tmp_path: Path) -> None:
    files = []
    for w in range(WRITERS):
        path = tmp_path / f"writer-{w}.jsonl"
        path.write_text("".join(json.dumps(event(w, i)) + "\n" for i in range(EACH)))
        files.append(path)
    procs = [subprocess.Popen([str(LEDGER_BIN), "--db", store.url, "append", "--author", f"writer-{w}",
                               "--file", str(path)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for w, path in enumerate(files)]
    seen = set()
    while any(p.poll() is None for p in procs):
        # A reader meanwhile sees one snapshot: some files wholly imported, never part of one.
        seen.add(store.verify().to_json()["events"])
        time.sleep(0.05)  # leave the writers the CPU
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()
    assert [code for code, _ in outcomes] == [0] * WRITERS, outcomes
    total = WRITERS * EACH
    assert seen <= set(range(0, total + 1, EACH))
    assert log_versions(store.url) == list(range(1, total + 1))
    assert store.verify().to_json()["events"] == total
    by_writer: dict[str, list[int]] = {}
    for h in store.history().to_json():
        by_writer.setdefault(h["recorded_by"], []).append(h["position"])
    for positions in by_writer.values():
        # One transaction per file: its events form one block, never interleaved with another file's.
        assert positions == list(range(positions[0], positions[0] + EACH))


def test_conflicting_writers_are_resolved_whole_never_half_applied(store: Ledger) -> None:
    reports = run_processes(race, [(store.url, w) for w in range(WRITERS)])
    same_id = sorted(report[0] for report in reports)
    assert same_id == [("appended", 0, 1)] * (WRITERS - 1) + [("appended", 1, 0)]
    contested = sorted(report[1] for report in reports)
    assert [kind for kind, _, _ in contested] == ["appended"] + ["rejected"] * (WRITERS - 1), contested
    assert all("'contested' was already introduced" in str(detail) for kind, detail, _ in contested
               if kind == "rejected")
    # The winner's whole file went in; each loser's first line, valid on its own, did not.
    assert store.verify().to_json()["events"] == 3
    measures = [h["measure"] for h in store.history().to_json()]
    assert measures[0] == "w0-m0"
    assert measures[1] in {f"w{w}-m1" for w in range(WRITERS)}
    assert measures[2] == "contested"


def test_a_schedule_import_plans_again_when_another_writer_records_a_revision_first(
        store: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import compares the file with the stored schedule before it takes the write lock; a
    revision recorded in between would make its difference stale (here: z would survive and y be
    wrong). The append checks under the lock and the import plans again on what is stored."""
    from ledger.schedule_import import ImportOptions

    def csv(name: str, body: str) -> str:
        path = tmp_path / name
        path.write_text("hs,mfn\n" + body, encoding="utf-8")
        return str(path)

    def options(revision: str) -> ImportOptions:
        return ImportOptions(imposer="US", schedule="us-test", effective_on=dt.date(2025, 1, 1),
                             source={"title": "test schedule"}, revision=revision)

    def lines() -> dict[str, str]:
        shown = store.schedule("us-test", as_of=dt.date(2025, 6, 1)).to_json()
        return {line["product"]: line["text"] for line in shown["lines"]}

    first = csv("a.csv", "870323,2.5%\n870421,5%\n")
    store.schedule_import(first, options("a"), "csv", "hs", "mfn")
    other = csv("b.csv", "870323,2.5%\n870421,9%\n850110,1%\n")
    mine = csv("c.csv", "870323,2.5%\n870421,7%\n")

    real_append = Ledger.append
    calls = []

    def append_after_another_writer(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("precondition"))
        if len(calls) == 1:  # another process records revision b between this import's read and its lock
            monkeypatch.setattr(Ledger, "append", real_append)
            store.schedule_import(other, options("b"), "csv", "hs", "mfn")
            monkeypatch.setattr(Ledger, "append", append_after_another_writer)
        return real_append(self, *args, **kwargs)

    monkeypatch.setattr(Ledger, "append", append_after_another_writer)
    result = store.schedule_import(mine, options("c"), "csv", "hs", "mfn")
    assert len(calls) == 2 and all(calls)  # planned twice, each append guarded
    assert (result.action, result.removed) == ("amended", 1)
    assert lines() == {"870323": "2.5%", "870421": "7%"}  # exactly file c: b's 850110 removed, 870421 from c


def test_a_large_schedule_import_refreshes_the_planner_statistics(store: Ledger, tmp_path: Path) -> None:
    """One event, thousands of schedule_lines rows: PostgreSQL must ANALYZE after it, as after a bulk import."""
    from ledger.schedule_import import ImportOptions

    if not store.url.startswith("postgresql"):
        pytest.skip("planner statistics are PostgreSQL's")
    path = tmp_path / "big.csv"
    path.write_text("hs,mfn\n" + "".join(f"{10_000_000 + i},2.5%\n" for i in range(6_000)), encoding="utf-8")
    options = ImportOptions(imposer="US", schedule="us-big", effective_on=dt.date(2025, 1, 1),
                            source={"title": "generated"})
    assert store.schedule_import(str(path), options, "csv", "hs", "mfn").action == "published"
    with store.engine().connect() as conn:
        analyzed = dict(conn.execute(text("SELECT relname, analyze_count FROM pg_stat_user_tables "
                                          "WHERE schemaname = current_schema()")).all())
    # The log too: the one-pass read of every track joins it (reads.subject_scan).
    assert analyzed["schedule_lines"] >= 1 and analyzed["ledger_events"] >= 1


def test_a_command_kept_waiting_too_long_is_told_why_and_what_to_do(tmp_path: Path) -> None:
    """SQLite gives up after the 60 s ``busy_timeout`` with "database is locked"; the message says why."""
    import sqlite3

    from ledger.errors import StorageError
    from ledger.service import _open_failure, _translate

    where = str(tmp_path / "ledger.db")
    message = str(_open_failure(sqlite3.OperationalError("database is locked"), where))
    assert message.startswith(f"cannot open the ledger at {where}: OperationalError: database is locked; ")
    assert "try again once it has finished" in message

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(StorageError, match="refused the write: database is locked; .* try again once it has finished"):
        _translate(locked)
    other = str(_open_failure(sqlite3.OperationalError("unable to open database file"), "x.db"))
    assert "try again" not in other
