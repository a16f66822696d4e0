"""The folds that fill the read models read stored JSON; the replay folds models. Both must say the same.

The writer, ``rebuild`` and ``verify`` fold ``(position, interchange JSON)`` pairs
(``measure_timeline_plain``, ``revisions_plain``); ``--known-at`` replays fold event models
(``measure_timeline``, ``line_intervals``, ``schedule_head``). Each pair goes through one rule,
so for the same events the two paths must give equal values.

Negotiations are folded on read, from plain JSON only: ``state`` hands the fold the stored
``current`` rows, the replay its corrected models' ``payload()`` (``entries``). Here both are
taken from one real ledger of generated events, corrections and retractions included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby, islice
from pathlib import Path

import orjson
import pytest

from benchmarks.generate import big
from events import summit, talks
from events.common import types_of
from events.parse import parse_event
from ledger.service import Ledger
from projections.measures import measure_timeline, measure_timeline_plain
from projections.negotiations import FOLDED_TYPES, Entry, NegotiationView, entries, negotiation_on, negotiations_on
from projections.readmodel import reads
from projections.recorded import Recorded, effective_events
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


def test_the_negotiation_fold_reads_every_talks_and_summit_type_by_its_models_name() -> None:
    # The plain fold dispatches on type strings: a model renamed without the fold would fall through silently.
    assert set(FOLDED_TYPES) == {*types_of(talks), *types_of(summit)}


def _naming(summits: Mapping[str, Sequence[Entry]], track: str) -> dict[str, Sequence[Entry]]:
    """The summits some schedule of which names ``track`` (the others never change its view)."""
    return {slug: evs for slug, evs in summits.items()
            if any(track in ev.get("tracks", ()) for _, ev in evs if ev["type"] == "summit.scheduled")}


def test_every_generated_negotiation_folds_the_same_from_stored_json_and_from_replayed_models(tmp_path: Path) -> None:
    lines = list(islice(big(6000, seed=3), 6000))
    assert any(e["type"].startswith("ledger.") for e in lines), "corrections and retractions are part of it"
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.init()
    try:
        ledger.append(list(enumerate(lines, start=1)))
        with ledger.reading() as conn:  # what `ledger state` folds: the `current` rows, decoded by orjson
            stored = reads.negotiation_events(conn, None, None)
            # Read a slice of tracks at a time, in slug order across slices, each track whole.
            streamed = list(reads.subject_groups(conn, "track", list(reversed(stored[0])), size=7))
            answers = {who: reads.negotiations_as_of(conn, dt.date(2025, 6, 10), None, who) for who in (None, "JP")}
        exported = [orjson.loads(line) for line in ledger.export()]
    finally:
        ledger.close()
    # What `--known-at` folds: the log as recorded, validated by the models, corrections applied by them.
    records = [Recorded(n, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "", parse_event(e))
               for n, e in enumerate(exported, start=1)]
    replayed: dict[str, dict[str, list[Recorded]]] = {"track": {}, "summit": {}}
    for rec in effective_events(records):
        kind, slug = rec.event.subject_key()
        if kind in replayed:
            replayed[kind].setdefault(slug, []).append(rec)
    from_models = ({slug: entries(evs) for slug, evs in replayed["track"].items()},
                   {slug: entries(evs) for slug, evs in replayed["summit"].items()})

    # Every track; the read model gives only the summits naming some track, the replay every summit.
    assert stored[0].keys() == from_models[0].keys() and stored[1].keys() <= from_models[1].keys()
    assert len(stored[0]) > 50
    views: list[NegotiationView] = []
    for track, events in stored[0].items():
        summits, summits_m = _naming(stored[1], track), _naming(from_models[1], track)
        days = sorted({dt.date.fromisoformat(ev["date"]) for evs in (events, *summits.values()) for _, ev in evs})
        for day in (days[0] - dt.timedelta(days=1), *days):
            view = negotiation_on(events, summits, day)
            assert view == negotiation_on(from_models[0][track], summits_m, day), (track, day)
            if view is not None:
                views.append(view)
    # Every branch of the fold was taken somewhere, so the comparison above covers it.
    assert {v.status for v in views} == {"opened", "in_progress", "agreement_reached", "concluded"}
    assert any(p.answered_by for v in views for p in v.proposals)
    assert any(s.status == "held" for v in views for s in v.summits)
    assert any(v.next_round for v in views) and any(v.statements for v in views) and any(v.leads for v in views)
    day = dt.date(2025, 6, 10)
    assert negotiations_on(*stored, day, None, "JP") == negotiations_on(*from_models, day, None, "JP") != []
    assert streamed == sorted(stored[0].items())
    for who, answer in answers.items():  # folded as read, each track then dropped: the same answer
        assert answer == negotiations_on(*from_models, day, None, who) != []


def test_the_sorted_pass_and_the_day_give_each_track_the_events_its_fold_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = list(islice(big(6000, seed=3), 6000))
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.init()
    day = dt.date(2010, 6, 10)
    try:
        ledger.append(list(enumerate(lines, start=1)))
        with ledger.reading() as conn:
            every = dict(reads.subject_groups(conn, "track", reads.tracks_between(conn, None, None)))
            some = sorted(every)[::3]
            scanned = list(reads.subject_scan(conn, "track", some, page=7))
            dated = list(reads.subject_groups(conn, "track", sorted(every), until=day))
            dated_scanned = list(reads.subject_scan(conn, "track", sorted(every), until=day))
            looked_up = reads.negotiations_as_of(conn, day)
            monkeypatch.setattr(reads, "SCAN_TRACKS", 1)
            monkeypatch.setattr(reads, "SCAN_SHARE", 0)
            answers = {who: (reads.negotiations_as_of(conn, day, None, who),
                             reads.negotiations_as_of(conn, day, "US", who)) for who in (None, "JP", "CN")}
            monkeypatch.setattr(reads, "SCAN_TRACKS", 10**9)
            expected = {who: (reads.negotiations_as_of(conn, day, None, who),
                              reads.negotiations_as_of(conn, day, "US", who)) for who in (None, "JP", "CN")}
    finally:
        ledger.close()
    assert scanned == [(track, every[track]) for track in some] and len(scanned) > 20
    # Passed over: the events dated after the day (unless a correction changed them); kept: every one before.
    assert dated == dated_scanned and 0 < len(dated) < len(every)
    for track, events in dated:
        assert all(event in every[track] for event in events)
        kept = [(p, e) for p, e in every[track] if dt.date.fromisoformat(e["date"]) <= day]
        assert [(p, e) for p, e in events if dt.date.fromisoformat(e["date"]) <= day] == kept
        assert negotiation_on(events, {}, day) == negotiation_on(every[track], {}, day)
    assert sum(len(e) for _, e in dated) < sum(len(e) for e in every.values()) / 2
    assert answers == expected and looked_up == expected[None][0] and len(looked_up) > 20
