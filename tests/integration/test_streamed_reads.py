"""``history`` and ``timeline`` are read a page at a time: the same entries whatever the page size, a page of
the HTTP API reads its own rows and no more, and the CLI writes the entries as they come (never the whole
history or timeline).

The ledger holds corrections of every kind (``tests/integration/test_current_form.py``), so an entry's
``corrected_by`` names positions in other pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.service import Ledger
from projections.readmodel import reads
from tests.conftest import Cli
from tests.integration.test_current_form import LINES

PAGES = reads.history_pages


@pytest.fixture
def corrected(store: Ledger) -> Ledger:
    store.append(list(enumerate(LINES, start=1)))
    return store


def paged(size: int, seen: list[int] | None = None) -> Any:
    """:func:`reads.history_pages` with pages of ``size`` rows, noting each page's length in ``seen``."""
    def pages(*args: Any, **kwargs: Any) -> Iterator[list[Any]]:
        for page in PAGES(*args, **kwargs, page=size):
            if seen is not None:
                seen.append(len(page))
            yield page
    return pages


def test_any_page_size_reads_the_same_history(corrected: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = corrected.history().to_json()
    assert [e["position"] for e in whole] == list(range(1, 9))
    # Corrections two to five positions on, retractions of corrections: in other pages once pages are small.
    assert [(e["status"], e["corrected_by"]) for e in whole[:3]] == [
        ("recorded", [5]), ("corrected", [4]), ("retracted", [6])]
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(reads, "history_pages", paged(size))
        assert corrected.history().to_json() == whole
        assert corrected.history("measure", "x").to_json() == [e for e in whole if e["subject"] == "measure:x"]


def test_a_page_after_a_position_reads_only_its_rows(corrected: Ledger) -> None:
    whole = corrected.history().to_json()
    for after in (None, 0, 1, 3, 7, 8, 100, 2**63 - 1):
        for limit in (None, 1, 2, 5, 100):
            rest = [e for e in whole if e["position"] > (after or 0)]
            assert corrected.history(after=after, limit=limit).to_json() == rest[:limit], (after, limit)
    assert corrected.history("measure", "x", after=1, limit=1).to_json() == [
        e for e in whole if e["subject"] == "measure:x" and e["position"] > 1][:1]


def test_the_entries_come_a_page_at_a_time(corrected: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(reads, "history_pages", paged(3, seen))
    entries = corrected.history_entries()
    assert next(entries).position == 1
    assert seen == [3]  # one page read for the first entry, not the history
    assert [e.position for e in entries] == list(range(2, 9))
    assert seen == [3, 3, 2]


def test_the_cli_writes_the_history_as_it_reads_it(corrected: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = corrected.history().to_json()

    def whole_history(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the CLI read the whole history at once")

    seen: list[int] = []
    monkeypatch.setattr(reads, "history_pages", paged(2, seen))
    monkeypatch.setattr(Ledger, "history", whole_history)
    cli = Cli(corrected.url)
    got = cli("history", "--format", "json")
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout) == whole and seen == [2, 2, 2, 2]
    assert got.stdout == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    lines = cli("history", "--format", "csv").stdout.splitlines()
    assert lines[0] == "position,date,type,subject,recorded_at,recorded_by,source,status" and len(lines) == 9
    table = cli("history").stdout
    assert table.startswith("History") and table.count("measure.announced") == 2
    assert cli("history", "--measure", "nothing-like-it", "--format", "json").stdout == "[]\n"


def test_the_timeline_comes_a_page_at_a_time(corrected: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = corrected.timeline().to_json()
    # 2 reads as corrected (its `until` moved): it comes from the corrected events, merged in by date.
    assert [(e["position"], e["status"]) for e in whole] == [(1, "recorded"), (3, "retracted"), (2, "corrected"),
                                                            (8, "recorded")]
    pages = reads.pages
    seen: list[int] = []

    def small(db: Any, sql: str, page: int = 2000, **params: Any) -> Iterator[list[Any]]:
        for rows in pages(db, sql, 1, **params):
            if "ORDER BY date" in sql:
                seen.append(len(rows))
            yield rows

    monkeypatch.setattr(reads, "pages", small)
    entries = corrected.timeline_entries()
    assert next(entries).position == 1 and seen == [1]  # the date-ordered stream: one row read so far
    assert [e.to_json() for e in entries] == whole[1:]

    def whole_timeline(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the CLI read the whole timeline at once")

    monkeypatch.setattr(Ledger, "timeline", whole_timeline)
    cli = Cli(corrected.url)
    got = cli("timeline", "--format", "json")
    assert got.exit_code == 0, got.stderr
    assert got.stdout == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    assert len(cli("timeline", "--format", "csv").stdout.splitlines()) == 5
    assert "[corrected] x suspended" in cli("timeline").stdout
