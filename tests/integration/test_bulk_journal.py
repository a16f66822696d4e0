"""A large import into an empty SQLite ledger writes through a rollback journal, then puts WAL back.

In WAL mode each page of a new ledger was written twice, to the WAL and then into the file by the
checkpoint. When the append's connection is the only one open, ``ledger.append.append`` leaves WAL mode
for the transaction and comes back after it, whether it committed, failed or was killed (the next append
puts WAL back). The answers are the same either way. PostgreSQL has no journal modes: nothing here applies.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import big, write_file
from ledger.append import CHUNK
from ledger.service import Ledger
from tests.conftest import REPO, Cli
from tests.integration.test_crash import LEDGER_BIN, alive, children_of

SIZE = CHUNK + 500  # more than one chunk: a large append


def fresh(path: Path) -> str:
    url = f"sqlite:///{path}"
    store = Ledger(url)
    store.init()
    store.close()
    return url


def mode(url: str) -> str:
    with closing(sqlite3.connect(url.split(":///", 1)[1])) as db:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])


def import_watching(url: str, events: list[tuple[int, dict[str, Any]]]) -> str:
    """Append ``events`` through the library API; the journal mode the transaction ran in."""
    seen: list[str] = []
    store = Ledger(url)
    try:
        store.append(events, precondition=lambda db: seen.append(db.conn.execute("PRAGMA journal_mode").fetchone()[0]),
                     workers=0)
    finally:
        store.close()
    return seen[0]


@pytest.fixture(scope="module")
def events() -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(islice(big(SIZE, seed=5), SIZE), start=1))


def test_the_transaction_runs_in_a_rollback_journal_and_the_answers_are_the_same(
        tmp_path: Path, events: list[tuple[int, dict[str, Any]]]) -> None:
    alone = fresh(tmp_path / "alone.db")
    assert import_watching(alone, events) == "delete"
    assert mode(alone) == "wal"
    assert not (tmp_path / "alone.db-journal").exists()
    # Another connection open on the file: SQLite will not leave WAL, and the append goes on in it.
    shared = fresh(tmp_path / "shared.db")
    with closing(sqlite3.connect(tmp_path / "shared.db")) as other:
        other.execute("SELECT count(*) FROM ledger_meta").fetchone()
        assert import_watching(shared, events) == "wal"
    assert mode(shared) == "wal"
    answers = [Cli(url)("state", "--as-of", "2020-01-01", "--format", "json").json() for url in (alone, shared)]
    assert answers[0] == answers[1] and answers[0]["measures"]
    for url in (alone, shared):
        assert Cli(url)("verify").exit_code == 0


def test_a_small_append_and_one_into_a_ledger_with_events_stay_in_wal(
        tmp_path: Path, events: list[tuple[int, dict[str, Any]]]) -> None:
    url = fresh(tmp_path / "ledger.db")
    assert import_watching(url, events[:CHUNK - 1]) == "wal"
    assert import_watching(url, events[CHUNK - 1:]) == "wal"


def test_a_failed_large_import_writes_nothing_and_puts_wal_back(tmp_path: Path) -> None:
    url = fresh(tmp_path / "ledger.db")
    source = tmp_path / "big.jsonl"
    write_file(source, "big", SIZE, seed=3)
    lines = source.read_bytes().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join([*lines[: CHUNK + 10], b'{"type": "measure.revoked", "date": "2025-7-1"}']) + b"\n")
    run = Cli(url)("append", "--file", str(bad))
    assert run.exit_code == 2 and "nothing was written" in run.stderr
    assert mode(url) == "wal"
    assert Cli(url)("digest").stdout.split()[1] == "0"


def test_a_file_left_in_rollback_journal_mode_gets_wal_back_at_the_next_append(tmp_path: Path) -> None:
    url = fresh(tmp_path / "ledger.db")
    with closing(sqlite3.connect(tmp_path / "ledger.db")) as db:
        assert db.execute("PRAGMA journal_mode = delete").fetchone()[0] == "delete"
    run = Cli(url)("append", "talks.opened", "--date", "2025-04-07", "--track", "t", "--parties", "US,JP",
                   "--source", "test")
    assert run.exit_code == 0, run.stderr
    assert mode(url) == "wal"


def test_a_killed_import_into_an_empty_ledger_leaves_it_empty_and_usable(tmp_path: Path) -> None:
    """SIGKILL in the middle of the transaction leaves a hot journal: the next connection rolls it back."""
    path = tmp_path / "ledger.db"
    url = fresh(path)
    source = tmp_path / "big.jsonl"
    write_file(source, "big", 30_000, seed=3)
    start = path.stat().st_size
    proc = subprocess.Popen([str(LEDGER_BIN), "--db", url, "append", "--file", str(source)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        journal = tmp_path / "ledger.db-journal"
        # Under way in rollback-journal mode: the file itself grows (no WAL), its journal exists.
        while proc.poll() is None and not (journal.exists() and path.stat().st_size > start + (4 << 20)):
            time.sleep(0.01)
        workers = children_of(proc.pid)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL, "the import ended before it could be killed"
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (tmp_path / "ledger.db-wal").exists() or (tmp_path / "ledger.db-wal").stat().st_size == 0
    cli = Cli(url)
    assert cli("digest").stdout.split()[1] == "0"  # the hot journal was rolled back: nothing of it is left
    assert cli("verify").exit_code == 0
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"\n".join(source.read_bytes().splitlines()[:100]) + b"\n")
    run = subprocess.run([str(LEDGER_BIN), "--db", url, "append", "--file", str(small)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert mode(url) == "wal"
    assert cli("verify").exit_code == 0


def test_a_reader_kept_out_too_long_is_told_why_and_what_to_do(tmp_path: Path) -> None:
    """SQLite gives up after the 60 s ``busy_timeout`` with "database is locked"; the message says why."""
    from ledger.service import _open_failure

    where = str(tmp_path / "ledger.db")
    message = str(_open_failure(sqlite3.OperationalError("database is locked"), where))
    assert message.startswith(f"cannot open the ledger at {where}: OperationalError: database is locked; ")
    assert "large import into an empty ledger" in message and "try again once it has finished" in message
    other = str(_open_failure(sqlite3.OperationalError("unable to open database file"), "x.db"))
    assert "try again" not in other
