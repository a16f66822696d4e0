"""The folds that fill the read models read stored JSON; the replay folds models. Both must say the same.

The writer, ``rebuild`` and ``verify`` fold ``(position, interchange JSON)`` pairs
(``measure_timeline_plain``, ``revisions_plain``); ``--known-at`` replays fold event models
(``measure_timeline``, ``line_intervals``, ``schedule_head``). Each pair goes through one rule,
so for the same events the two paths must give equal values.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby, islice

from benchmarks.generate import big
from projections.measures import measure_timeline, measure_timeline_plain
from projections.recorded import Recorded
from projections.schedules import head_of, intervals_of, line_intervals, revisions_plain, schedule_head
from tests.unit.test_events import log
from tests.unit.test_schedules import MFN_TRUCKS, amended, line


def _by_subject(records: list[Recorded], kind: str) -> Iterator[list[Recorded]]:
    mine = sorted((r for r in records if r.event.subject == kind), key=lambda r: (str(getattr(r.event, kind)),
                                                                                 r.position))
    for _, group in groupby(mine, key=lambda r: str(getattr(r.event, kind))):
        yield list(group)


def _plain(records: list[Recorded]) -> list[tuple[int, dict]]:  # type: ignore[type-arg]
    return [(r.position, r.event.payload()) for r in records]


def test_every_generated_measure_folds_the_same_from_json_and_from_models() -> None:
    records = log(*(e for e in islice(big(6000, seed=3), 6000) if not e["type"].startswith("ledger.")))
    measures = list(_by_subject(records, "measure"))
    assert len(measures) > 50
    for events in measures:
        assert measure_timeline_plain(_plain(events)) == measure_timeline(events)


def test_a_schedule_folds_the_same_from_json_and_from_models() -> None:
    events = log(MFN_TRUCKS, amended("us-hts", "2025-07-01", lines=[line("870421", 30)], removed=["8708"]),
                 amended("us-hts", "2024-06-01", lines=[line("8708", 3.75, preferential=[
                     {"program": "A+,AU", "text": "Free"}])]))
    revisions = revisions_plain(_plain(events))
    assert intervals_of(revisions) == line_intervals(events)
    assert head_of(revisions) == schedule_head(events)
