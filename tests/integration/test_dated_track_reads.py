"""The negotiation read takes only the events a fold on the day reads, and may take them in one sorted pass.

``state --as-of D`` folds each candidate track from its events dated by ``D``: the read leaves the later
ones in the database (``reads.DATED_BY``), except an event a correction changed, whose date may now be
another than the one the index holds. For most of the tracks (``reads.SCAN_TRACKS``, ``reads.SCAN_SHARE``),
the events come from one pass sorted by the database (``reads.subject_scan``) instead of one lookup per
track. Both
ways, on both databases, a correction that moves an event across the day moves it in the answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from ledger.service import Ledger
from projections.readmodel import reads

SOURCE = {"publisher": "Test wire", "title": "Talks"}
DAY = dt.date(2025, 6, 1)


def _event(kind: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "date": date, "source": SOURCE, **fields}


def statement(track: str, date: str, text: str) -> dict[str, Any]:
    return _event("talks.statement", date, track=track, speaker="A spokesperson", party="US", text=text)


def moved(target: dict[str, Any], date: str) -> dict[str, Any]:
    return _event("ledger.corrected", "2025-12-01", target=target["id"], fields={"date": date},
                  reason="the date was misread")


@pytest.fixture
def ledger(store: Ledger) -> Ledger:
    early, late, later = (statement("t-a", "2025-03-01", "early"), statement("t-a", "2025-09-01", "late"),
                          statement("t-a", "2025-10-01", "later"))
    events = [
        _event("talks.opened", "2025-01-10", track="t-a", parties=["US", "JP"], title="A"),
        _event("talks.opened", "2025-02-10", track="t-b", parties=["US", "CN"], title="B"),
        _event("talks.round_held", "2025-09-02", track="t-b", round=1),  # after the day: not read
        early, late, later,
        moved(early, "2025-08-01"),  # recorded before the day, now after it: no longer counted
        moved(late, "2025-05-01"),  # recorded after the day, now before it: counted
        _event("ledger.retracted", "2025-12-02", target=later["id"], reason="never said"),
    ]
    store.append(list(enumerate(events, start=1)))
    return store


@pytest.mark.parametrize("scan", [False, True], ids=["looked-up", "scanned"])
def test_a_correction_moves_an_event_across_the_day(ledger: Ledger, scan: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "SCAN_TRACKS", 1 if scan else 10**9)
    monkeypatch.setattr(reads, "SCAN_SHARE", 0)
    state = ledger.state(DAY)
    assert {n.track: (n.statements, n.rounds_held) for n in state.negotiations} == {"t-a": (1, 0), "t-b": (0, 0)}
    later = ledger.state(dt.date(2025, 9, 30))
    assert {n.track: (n.statements, n.rounds_held) for n in later.negotiations} == {"t-a": (2, 0), "t-b": (0, 1)}


def test_the_pass_is_taken_for_most_of_many_tracks(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "SCAN_TRACKS", 2)
    with ledger.reading() as conn:
        assert reads._scans(conn, 2) and reads._scans(conn, 1) is False  # one track of two: below the minimum
        monkeypatch.setattr(reads, "SCAN_TRACKS", 1)
        assert reads._scans(conn, 1)  # half of them
        monkeypatch.setattr(reads, "SCAN_SHARE", 0.6)
        assert not reads._scans(conn, 1)


def test_the_read_leaves_later_events_in_the_database(ledger: Ledger) -> None:
    with ledger.reading() as conn:
        dated = dict(reads.subject_groups(conn, "track", ["t-a", "t-b"], until=DAY))
        scanned = dict(reads.subject_scan(conn, "track", ["t-a", "t-b"], until=DAY))
        whole = dict(reads.subject_scan(conn, "track", ["t-a", "t-b"]))
    assert dated == scanned
    # t-a: its opening, and the two corrected statements (decided on their corrected dates by the fold).
    assert [e["date"] for _, e in dated["t-a"]] == ["2025-01-10", "2025-08-01", "2025-05-01"]
    assert [e["type"] for _, e in dated["t-b"]] == ["talks.opened"]
    assert [e["type"] for _, e in whole["t-b"]] == ["talks.opened", "talks.round_held"]
