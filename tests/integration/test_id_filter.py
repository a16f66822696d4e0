"""An import into an empty ledger asks the database only about ids it may have recorded itself
(``ledger.checks.IdFilter``): repeated ids, corrections' targets and unknown targets must still be
decided exactly as before, across chunk boundaries (each chunk's cache is dropped once written),
on both backends, with and without worker processes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from events.errors import BadInput
from ledger.append import CHUNK
from ledger.service import Ledger
from tests.scenario import ev


def measures(count: int) -> list[dict[str, Any]]:
    return [ev("measure.announced", "2025-01-02", id=str(uuid.UUID(int=n + 1)), measure=f"m-{n}", imposer="US",
               partners=["JP"], products=["8703"], rate=10, basis="test") for n in range(count)]


def lines(events: list[dict[str, Any]]) -> list[tuple[int, bytes]]:
    return [(n, json.dumps(e).encode()) for n, e in enumerate(events, start=1)]


@pytest.mark.parametrize("workers", [0, 1])
def test_a_repeated_id_in_a_later_chunk_is_a_conflict_or_a_duplicate(store: Ledger, workers: int) -> None:
    events = measures(CHUNK + 10)
    changed = {**events[2], "rate": 11}
    with pytest.raises(BadInput) as refused:
        store.append(lines([*events, changed]), author="t", workers=workers)
    assert [str(e) for e in refused.value.errors] == [
        f"line {CHUNK + 11}: id: {events[2]['id']} is already recorded with different content"]
    assert store.digest().to_json()["events"] == 0  # still empty: the next append starts from nothing too

    result = store.append(lines([*events, dict(events[2])]), author="t", workers=workers)
    assert (result.appended, result.duplicates) == (CHUNK + 10, 1)


def test_a_correction_in_a_later_chunk_finds_its_target_and_an_unknown_target_is_refused(store: Ledger) -> None:
    events = measures(CHUNK + 5)
    target = events[7]["id"]
    fix = ev("ledger.corrected", "2025-01-03", target=target, fields={"rate": 12}, reason="typo")
    assert store.append(lines([*events, fix]), author="t").appended == CHUNK + 6
    trail = store.history("measure", "m-7").to_json()
    assert [e["type"] for e in trail] == ["measure.announced", "ledger.corrected"]


def test_an_unknown_target_is_refused_in_an_empty_ledger(store: Ledger) -> None:
    missing = str(uuid.UUID(int=10**9))
    events = [*measures(CHUNK + 5), ev("ledger.retracted", "2025-01-03", target=missing, reason="no such event")]
    with pytest.raises(BadInput) as refused:
        store.append(lines(events), author="t")
    assert [e.field for e in refused.value.errors] == ["target"]
    assert store.digest().to_json()["events"] == 0
