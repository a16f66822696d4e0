"""``ledger_index.current``: stored only where corrections changed an event, and checked by ``verify``.

NULL for an event that reads as recorded (and for every correction), JSON ``null`` for a
retracted event, the corrected JSON otherwise (``projections.readmodel.layout``). The
ledger below holds one event of each kind, on both backends; each tampering of the column
must fail ``verify`` at that event, and ``rebuild`` must write the same column again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from ledger.errors import IntegrityFailure
from ledger.service import Ledger
from projections.readmodel.registry import dumps
from tests.integration.test_correction_rules import ANN, SUS, announce, correct, retract, suspend
from tests.integration.test_tamper import raw, stored_state, tamper

GONE = "00000000-0000-0000-0000-0000000000a1"  # announced, then retracted
UNDONE = "00000000-0000-0000-0000-0000000000a2"  # a correction of ANN, itself retracted
LINES: list[dict[str, Any]] = [
    announce(),                                            # 1 ANN: corrected, then the correction retracted
    {**suspend(), "until": "2025-05-15"},                  # 2 SUS: corrected (until moved)
    {**announce(), "id": GONE, "measure": "y"},            # 3 GONE: retracted
    {**correct(SUS, until="2025-05-30")},                  # 4
    {**correct(ANN, rate=20), "id": UNDONE},               # 5
    retract(GONE),                                         # 6
    retract(UNDONE),                                       # 7: ANN reads as recorded again
    {"type": "measure.revoked", "date": "2025-06-01", "measure": "x", "source": "s"},  # 8 never corrected
]


@pytest.fixture
def corrected(store: Ledger) -> Iterator[Ledger]:
    store.append(list(enumerate(LINES, start=1)))
    yield store


def stored_current(url: str) -> dict[int, Any]:
    engine = raw(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT position, current FROM ledger_index ORDER BY position")).all())
    finally:
        engine.dispose()


def test_current_is_stored_only_where_a_correction_changed_the_event(corrected: Ledger) -> None:
    current = stored_current(corrected.url)
    assert current[2] is not None and orjson.loads(current[2])["until"] == "2025-05-30"
    assert current[3] == "null"  # retracted
    # The correction of ANN was retracted: it reads as recorded, so nothing is stored; nor for the
    # corrections themselves, nor for the event nobody corrected.
    assert {p: v for p, v in current.items() if p not in (2, 3)} == dict.fromkeys((1, 4, 5, 6, 7, 8))
    entries = {e["position"]: e for e in corrected.history().to_json()}
    assert entries[1]["status"] == "recorded" and entries[2]["status"] == "corrected"
    assert entries[3]["status"] == "retracted"
    assert corrected.state(dt.date(2025, 5, 20)).to_json()["measures"][0]["status"] == "suspended"
    assert corrected.verify().to_json()["ok"]


def test_rebuild_writes_the_same_current_column(corrected: Ledger) -> None:
    before = stored_current(corrected.url)
    corrected.rebuild()
    assert stored_current(corrected.url) == before
    assert corrected.verify().to_json()["ok"]


TAMPERING = {
    "a copy of the event on an uncorrected event": ("UPDATE ledger_index SET current = :event WHERE position = 8", 8),
    "an uncorrected event marked retracted": ("UPDATE ledger_index SET current = 'null' WHERE position = 8", 8),
    "a correction given a current form": ("UPDATE ledger_index SET current = 'null' WHERE position = 4", 4),
    "a corrected event's form cleared": ("UPDATE ledger_index SET current = NULL WHERE position = 2", 2),
    "a retracted event's form cleared": ("UPDATE ledger_index SET current = NULL WHERE position = 3", 3),
    "a corrected event's form changed": (
        "UPDATE ledger_index SET current = replace(current, '2025-05-30', '2025-05-29') WHERE position = 2", 2),
    "an event whose correction was undone still marked corrected": (
        "UPDATE ledger_index SET current = :event WHERE position = 1", 1),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_a_tampered_current_form_fails_verify_at_that_event(corrected: Ledger, case: str) -> None:
    statement, position = TAMPERING[case]
    event = stored_state(corrected.url, position)["event"]
    if position == 1:
        event["rate"] = 20  # the form the retracted correction gave it
    tamper(corrected.url, statement, event=dumps(event))
    with pytest.raises(IntegrityFailure) as caught:
        corrected.verify().to_json()
    assert caught.value.position == position, case
    assert "full replay" in str(caught.value)
