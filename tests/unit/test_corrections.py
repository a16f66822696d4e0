"""Corrections and retractions (docs/spec.md §3.6), as :func:`effective_events` applies them, cut at a record time.

``log()`` records one event a minute from T0 with ids 1, 2, …; so "known at
T0 + 2 minutes" means "the first two records".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from projections.measures import measure_on
from projections.recorded import Recorded, effective_events
from tests.scenario import ev
from tests.unit.test_events import T0, _id, log

ANNOUNCED = ev("measure.announced", "2025-04-02", measure="x", imposer="US", partners=["JP"], products=["*"],
               rate=25, basis="MFN", effective_on="2025-04-09")


def corrected(target: int, fields: dict[str, Any], date: str = "2025-05-01") -> dict[str, Any]:
    return ev("ledger.corrected", date, target=_id(target), fields=fields, reason="typo")


def retracted(target: int, date: str = "2025-05-01") -> dict[str, Any]:
    return ev("ledger.retracted", date, target=_id(target), reason="wrong")


def minute(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def payloads(records: list[Recorded]) -> list[dict[str, Any]]:
    return [r.event.payload() for r in records]


def test_without_corrections_the_events_are_as_recorded() -> None:
    records = log(ANNOUNCED, ev("measure.suspended", "2025-05-01", measure="x"))
    assert effective_events(records) == records


def test_a_correction_replaces_the_fields_it_names_and_keeps_the_position() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}))
    (rec,) = effective_events(records)
    assert rec.position == 1 and rec.recorded_at == records[0].recorded_at
    assert rec.event.rate == 20  # type: ignore[attr-defined]
    assert rec.event.payload() == {**records[0].event.payload(), "rate": 20}


def test_a_correction_can_move_the_date() -> None:
    records = log(ANNOUNCED, corrected(1, {"date": "2025-04-05", "effective_on": "2025-04-10"}))
    (rec,) = effective_events(records)
    assert measure_on([rec], dt.date(2025, 4, 4)) is None
    view = measure_on([rec], dt.date(2025, 4, 9))
    assert view is not None and view.status == "announced"


def test_a_correction_can_clear_an_optional_field() -> None:
    (rec,) = effective_events(log(ANNOUNCED, corrected(1, {"effective_on": None})))
    assert rec.event.effective_on is None  # type: ignore[attr-defined]


def test_later_corrections_build_on_earlier_ones() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20, "basis": "Section 232"}), corrected(1, {"rate": 15}))
    (rec,) = effective_events(records)
    assert (rec.event.rate, rec.event.basis) == (15, "Section 232")  # type: ignore[attr-defined]


def test_a_retracted_event_reads_as_never_recorded() -> None:
    records = log(ANNOUNCED, ev("measure.suspended", "2025-05-01", measure="x"), retracted(2))
    assert [r.position for r in effective_events(records)] == [1]


def test_a_retracted_announcement_takes_the_measure_away() -> None:
    records = log(ANNOUNCED, ev("measure.suspended", "2025-05-01", measure="x"), retracted(1))
    assert measure_on(effective_events(records), dt.date(2025, 6, 1)) is None


def test_a_correction_of_a_retracted_event_does_not_bring_it_back() -> None:
    assert effective_events(log(ANNOUNCED, retracted(1), corrected(1, {"rate": 20}))) == []


def test_retracting_a_correction_restores_the_original() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}), retracted(2))
    assert payloads(effective_events(records)) == [records[0].event.payload()]


def test_retracting_one_of_two_corrections_keeps_the_other() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}), corrected(1, {"basis": "Section 232"}), retracted(2))
    (rec,) = effective_events(records)
    assert (rec.event.rate, rec.event.basis) == (25, "Section 232")  # type: ignore[attr-defined]


def test_retracting_a_retraction_restores_the_event() -> None:
    records = log(ANNOUNCED, retracted(1), retracted(2))
    assert [r.position for r in effective_events(records)] == [1]


def test_retracting_the_retraction_of_a_retraction_takes_the_event_away_again() -> None:
    records = log(ANNOUNCED, retracted(1), retracted(2), retracted(3))
    assert effective_events(records) == []


def test_retracting_the_retraction_of_a_correction_restores_the_correction() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}), retracted(2), retracted(3))
    (rec,) = effective_events(records)
    assert rec.event.rate == 20  # type: ignore[attr-defined]


def test_a_correction_recorded_after_known_at_is_ignored() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}))
    (before,) = effective_events(records, known_at=minute(1))
    (after,) = effective_events(records, known_at=minute(2))
    assert (before.event.rate, after.event.rate) == (25, 20)  # type: ignore[attr-defined]


def test_a_retraction_recorded_after_known_at_is_ignored() -> None:
    records = log(ANNOUNCED, retracted(1))
    assert [r.position for r in effective_events(records, known_at=minute(1))] == [1]
    assert effective_events(records, known_at=minute(2)) == []


def test_known_at_drops_events_recorded_later_whatever_their_date() -> None:
    backfill = ev("measure.suspended", "2025-04-10", measure="x")
    records = log(ANNOUNCED, backfill)
    assert [r.position for r in effective_events(records, known_at=minute(1))] == [1]
    assert [r.position for r in effective_events(records, known_at=minute(1) - dt.timedelta(seconds=1))] == []


def test_the_retraction_of_a_correction_recorded_after_known_at_is_ignored() -> None:
    records = log(ANNOUNCED, corrected(1, {"rate": 20}), retracted(2))
    (rec,) = effective_events(records, known_at=minute(2))
    assert rec.event.rate == 20  # type: ignore[attr-defined]


def test_corrections_leave_other_events_alone_and_keep_record_order() -> None:
    other = ev("measure.amended", "2025-05-01", measure="x", rate=30)
    records = log(ANNOUNCED, other, corrected(1, {"rate": 20}))
    assert [r.position for r in effective_events(records)] == [1, 2]
    assert effective_events(records)[1] == records[1]
