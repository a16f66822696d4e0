"""A large import into an empty ledger refolds every subject from one sorted scan of the index.

So does an append of more events than ``HOLD`` (50,000) onto a ledger holding no more than it adds. Any
other append (a short file, or one smaller than its ledger) looks each slice's events up through the
subject index. Both must write the same read models, row for row: the import's are
compared with what ``rebuild`` (the lookups) writes afterwards, on a generated ledger with
corrections, retractions and every kind of subject.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ledger.append
import projections.readmodel.writer as writer
from benchmarks.generate import write_file
from ledger.append import CHUNK
from ledger.lines import split_lines
from ledger.service import Ledger
from tests.conftest import Cli, backend_url
from tests.integration.test_workers import tables


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sorted") / "big.jsonl"
    write_file(path, "big", 2 * CHUNK + 700, seed=11)
    return path


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """How many events each SortedScan handed out, by scan."""
    handed: dict[int, int] = {}
    take = writer.SortedScan.take

    def counted(self: writer.SortedScan, kind: str, slugs: Any) -> Any:
        found = take(self, kind, slugs)
        handed[id(self)] = handed.get(id(self), 0) + sum(len(events) for events in found.values())
        return found

    monkeypatch.setattr(writer.SortedScan, "take", counted)
    return handed


def test_an_empty_ledgers_import_refolds_from_one_scan_as_the_lookups_do(
        store: Ledger, events_file: Path, scans: dict[int, int]) -> None:
    cli = Cli(store.url)
    assert cli("append", "--file", str(events_file), env={"LEDGER_WORKERS": "0"}).exit_code == 0
    # Every live event of a refolded kind went through the one scan (retracted events and corrections do not).
    assert len(scans) == 1
    assert 2 * CHUNK < sum(scans.values()) <= 2 * CHUNK + 700
    imported = tables(store.url)
    assert cli("rebuild").exit_code == 0
    rebuilt = tables(store.url)
    for table in imported:
        if table.endswith("by rowid"):
            continue  # a rebuild inserts in another order
        assert imported[table] == rebuilt[table], f"{table}: the import's sorted refold differs from a rebuild"
    assert len(imported["measure_intervals"]) > 1000
    assert cli("verify").exit_code == 0


def split(events_file: Path, at: int) -> tuple[Path, Path]:
    lines = events_file.read_text().splitlines(keepends=True)
    first, rest = events_file.with_name("first.jsonl"), events_file.with_name("rest.jsonl")
    first.write_text("".join(lines[:at]))
    rest.write_text("".join(lines[at:]))
    return first, rest


def test_an_append_smaller_than_its_ledger_or_than_hold_refolds_by_lookups(
        store: Ledger, events_file: Path, scans: dict[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(store.url)
    first, rest = split(events_file, 2 * CHUNK + 100)
    assert cli("append", "--file", str(first)).exit_code == 0  # the empty ledger's import: one scan
    assert len(scans) == 1
    monkeypatch.setattr(ledger.append, "HOLD", 100)
    assert cli("append", "--file", str(rest)).exit_code == 0  # 600 events onto 4,100: lookups
    assert len(scans) == 1
    assert cli("verify").exit_code == 0


def test_an_append_larger_than_hold_and_its_ledger_refolds_from_one_scan(
        store: Ledger, events_file: Path, scans: dict[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(store.url)
    first, rest = split(events_file, 10)
    assert cli("append", "--file", str(first)).exit_code == 0
    monkeypatch.setattr(ledger.append, "HOLD", 100)
    assert cli("append", "--file", str(rest)).exit_code == 0
    # The scan hands out every live event of a refolded kind, the first append's included.
    assert len(scans) == 1 and sum(scans.values()) > 2 * CHUNK
    appended = tables(store.url)
    assert cli("rebuild").exit_code == 0
    rebuilt = tables(store.url)
    assert {t: rows for t, rows in appended.items() if not t.endswith("by rowid")} == {
        t: rows for t, rows in rebuilt.items() if not t.endswith("by rowid")}
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_take_hands_out_the_asked_subjects_in_order_and_passes_over_the_rest(
        backend: str, tmp_path: Path, events_file: Path) -> None:
    from ledger.storage import connect

    urls = backend_url(backend, tmp_path)
    url = next(urls)
    assert Cli(url)("init").exit_code == 0
    assert Cli(url)("append", "--file", str(events_file)).exit_code == 0
    db = connect(url)
    try:
        db.begin()
        slugs = sorted({slug for (slug,) in writer.fetch(db, "SELECT subject FROM ledger_index "
                                                             "WHERE subject_kind = 'measure'")})
        tracks = sorted({slug for (slug,) in writer.fetch(db, "SELECT subject FROM ledger_index "
                                                              "WHERE subject_kind = 'track'")})
        # Every third measure asked for, in slices of 50; one slice of tracks; a kind after every other.
        asked = [slugs[i:i + 150:3] for i in range(0, len(slugs), 150)]
        scan = writer.SortedScan(db)
        try:
            for part in asked:
                assert scan.take("measure", part) == writer.live_texts(db, "measure", part)
            assert scan.take("track", tracks[:40]) == writer.live_texts(db, "track", tracks[:40])
            assert scan.take("zzz", ["a"]) == {}
            assert scan.take("zzz", ["b"]) == {}  # the scan has ended
        finally:
            scan.close()
        assert sum(len(part) for part in asked) > 100 and len(tracks) > 40
    finally:
        db.end()
        db.close()
        urls.close()


def _broken_fold(kind: str, groups: Any) -> Any:
    raise RuntimeError("fold failed")


def _failing_statement(db: Any, kind: str, slugs: Any, rows: Any, replace_rows: bool) -> None:
    # On PostgreSQL the failed statement aborts the transaction, and closing the scan's server-side cursor
    # afterwards must not replace the error.
    writer.execute(db, "SELECT * FROM no_such_table")


@pytest.mark.parametrize(("name", "replacement", "error"), [
    ("fold_slice", _broken_fold, "fold failed"),
    ("_store_slice", _failing_statement, "no_such_table"),
], ids=["a failing fold", "a failing statement"])
def test_a_failure_during_the_scan_is_the_error_reported_and_nothing_is_written(
        store: Ledger, events_file: Path, monkeypatch: pytest.MonkeyPatch, name: str, replacement: Any,
        error: str) -> None:
    monkeypatch.setattr(writer, name, replacement)
    with events_file.open("rb") as stream:
        lines = list(split_lines(stream))
    with pytest.raises(Exception, match=error):
        store.append(lines, author="test", workers=0)
    monkeypatch.undo()
    exported = Cli(store.url)("export")
    assert (exported.exit_code, exported.stdout) == (0, "")
    assert Cli(store.url)("verify").exit_code == 0


def test_no_room_to_sort_is_one_line_that_names_the_temporary_directory(
        tmp_path: Path, events_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What SQLite raises when $SQLITE_TMPDIR (or the ledger's disk) fills up during the sort.
    import sqlite3

    def full(self: writer.SortedScan, db: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(writer.SortedScan, "__init__", full)
    cli = Cli(f"sqlite:///{tmp_path / 'l.db'}")
    assert cli("init").exit_code == 0
    run = cli("append", "--file", str(events_file), env={"LEDGER_WORKERS": "0"})
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        "error: the database refused the write: database or disk is full; no room left on the disk of the ledger "
        "file (and its -wal file) or in the temporary directory SQLite sorts a large import in ($SQLITE_TMPDIR, "
        "else $TMPDIR, else /var/tmp or /tmp)"]
    monkeypatch.undo()
    assert cli("export").stdout == ""


def test_a_writer_role_imports_through_the_scan(writer: tuple[str, str], events_file: Path,
                                                scans: dict[int, int]) -> None:
    # PostgreSQL: the writer role (SELECT and INSERT on the log) may declare the scan's server-side cursor.
    _, url = writer
    run = Cli(url)("append", "--file", str(events_file), env={"LEDGER_WORKERS": "0"})
    assert run.exit_code == 0, run.stderr
    assert len(scans) == 1
    assert Cli(url)("verify").exit_code == 0
