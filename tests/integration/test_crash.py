"""Crash safety: an import killed with SIGKILL half-way leaves all of its file or none of it.

The import runs as a real ``ledger append --file`` process. The test waits until the
process is surely writing — its uncommitted rows are growing the database on disk —
then kills it with no chance to clean up, and checks what is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.service import Ledger
from ledger.storage import sqlite_path
from tests.conftest import REPO
from tests.integration.test_tamper import raw
from tests.scenario import ev, seed_scenario

LEDGER_BIN = Path(sys.executable).with_name("ledger")
BIG = 20_000
GROWTH = 512 * 1024  # bytes of uncommitted writes that prove the import is under way


def big_file(path: Path, count: int = BIG) -> Path:
    """``count`` announcements of new measures, one a line."""
    with path.open("w") as out:
        for i in range(count):
            out.write(json.dumps(ev("measure.announced", "2025-04-01", measure=f"bulk-{i}", imposer="US",
                                    partners=["JP"], products=["8703"], rate=i % 100, basis="bulk",
                                    effective_on="2025-04-02")) + "\n")
    return path


def written_bytes(url: str) -> int:
    """How much the database has physically written, committed or not."""
    path = sqlite_path(url)
    if path is not None:
        wal = path.with_name(path.name + "-wal")
        return wal.stat().st_size if wal.exists() else 0
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_relation_size('ledger_events') + "
                                         "pg_relation_size('ledger_index')")).scalar_one())
    finally:
        engine.dispose()


def children_of(pid: int) -> set[int]:
    """The live children of ``pid`` (Linux's /proc), e.g. an import's worker processes."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found.update(int(p) for p in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_while_writing(url: str, path: Path) -> tuple[int, int]:
    """Start the import, SIGKILL it once it has written GROWTH bytes; (its return code, bytes it wrote).

    Its worker processes must die with it: each holds a copy of its database connection, and an orphan
    would keep its transaction, and the ledger's write lock, open.
    """
    start = written_bytes(url)
    proc = subprocess.Popen([str(LEDGER_BIN), "--db", url, "append", "--file", str(path)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "LEDGER_WORKERS": "2"})
    try:
        grown = 0
        while proc.poll() is None and grown < GROWTH:
            time.sleep(0.01)
            grown = written_bytes(url) - start
        workers = children_of(proc.pid)
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        assert workers, "the import started no worker processes: the orphan check below would prove nothing"
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(w) for w in workers), "a worker outlived the killed import"
        return code, grown
    finally:
        if proc.poll() is None:
            proc.kill()


def stored_rows(url: str) -> int:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM ledger_events")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def seeded(store: Ledger) -> Ledger:
    store.append(enumerate(seed_scenario(), start=1), author="tester")
    return store


def test_a_killed_import_leaves_nothing_behind_and_the_ledger_goes_on(seeded: Ledger, tmp_path: Path) -> None:
    before = seeded.verify().to_json()
    code, grown = kill_while_writing(seeded.url, big_file(tmp_path / "big.jsonl"))
    assert code == -signal.SIGKILL, "the import finished before it could be killed: make the file bigger"
    assert grown >= GROWTH
    assert seeded.verify().to_json() == before
    assert stored_rows(seeded.url) == before["events"]
    # Nothing is left locked or half-done: the next import goes in whole.
    small = big_file(tmp_path / "small.jsonl", 100)
    run = subprocess.run([str(LEDGER_BIN), "--db", seeded.url, "append", "--file", str(small)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert seeded.verify().to_json()["events"] == before["events"] + 100
    assert stored_rows(seeded.url) == before["events"] + 100
