"""A negotiation's status on a valid date (docs/spec.md §4.2): status, rounds, proposals, summits.

Every test writes one track's history (and maybe a summit) as ledger lines and
asks ``on(day)`` what the fold says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from projections.negotiations import NegotiationView, entries, negotiation_on
from projections.recorded import Recorded
from projections.shapes import negotiation_json
from projections.state import by_subject
from tests.scenario import ev
from tests.unit.test_events import log

TRACK = "us-jp"


def opened(date: str = "2025-04-11") -> dict[str, Any]:
    return ev("talks.opened", date, track=TRACK, parties=["US", "JP"])


def talk(type_: str, date: str, **fields: Any) -> dict[str, Any]:
    return ev(f"talks.{type_}", date, track=TRACK, **fields)


def scheduled(round_: int, date: str, starts_on: str, venue: str | None = None) -> dict[str, Any]:
    return talk("round_scheduled", date, round=round_, starts_on=starts_on, **({"venue": venue} if venue else {}))


def held(round_: int, date: str) -> dict[str, Any]:
    return talk("round_held", date, round=round_, venue="Washington")


def on(records: list[Recorded], day: str) -> NegotiationView:
    view = view_on(records, day)
    assert view is not None
    return view


def js(records: list[Recorded], day: str) -> dict[str, Any]:
    """The view's JSON (docs/spec.md §5 shape), where the test states the expected shape."""
    return negotiation_json(on(records, day))


def view_on(records: list[Recorded], day: str) -> NegotiationView | None:
    # Validated by the models (log), folded from their JSON as the read path folds the stored rows.
    groups = by_subject(records)
    summits = {slug: entries(evs) for (kind, slug), evs in groups.items() if kind == "summit"}
    return negotiation_on(entries(groups.get(("track", TRACK), [])), summits, dt.date.fromisoformat(day))


def test_a_negotiation_is_not_listed_before_it_opens() -> None:
    assert view_on(log(opened("2025-04-11")), "2025-04-10") is None
    assert on(log(opened("2025-04-11")), "2025-04-11").status == "opened"


def test_the_status_moves_from_opened_to_concluded() -> None:
    records = log(opened(), scheduled(1, "2025-04-12", "2025-04-16"), held(1, "2025-04-16"),
                  talk("agreement_reached", "2025-07-22", title="deal", terms=["15%"]),
                  talk("concluded", "2025-09-04", outcome="implemented"))
    statuses = [on(records, day).status for day in ("2025-04-15", "2025-04-16", "2025-07-22", "2025-09-04")]
    assert statuses == ["opened", "in_progress", "agreement_reached", "concluded"]


def test_a_statement_or_a_scheduled_round_does_not_start_the_talks() -> None:
    records = log(opened(), talk("statement", "2025-04-12", speaker="A", party="JP", text="hello"),
                  scheduled(1, "2025-04-12", "2025-04-16"))
    view = on(records, "2025-04-13")
    assert (view.status, view.statements) == ("opened", 1)


def test_a_proposal_starts_the_talks() -> None:
    records = log(opened(), talk("proposal_submitted", "2025-04-20", proposal="p", by="JP", items=["cars"]))
    assert on(records, "2025-04-20").status == "in_progress"


def test_rounds_held_counts_distinct_rounds() -> None:
    records = log(opened(), held(1, "2025-04-16"), held(1, "2025-04-17"), held(2, "2025-05-01"))
    view = on(records, "2025-05-02")
    assert view.rounds_held == 2
    assert negotiation_json(view)["last_round"] == {"round": 2, "date": "2025-05-01", "venue": "Washington"}


def test_the_next_round_is_the_earliest_scheduled_and_not_held() -> None:
    records = log(opened(), scheduled(1, "2025-04-12", "2025-04-16"), scheduled(2, "2025-04-12", "2025-05-01",
                                                                                "Tokyo"),
                  held(1, "2025-04-16"))
    assert js(records, "2025-04-15")["next_round"] == {"round": 1, "starts_on": "2025-04-16", "venue": None}
    assert js(records, "2025-04-16")["next_round"] == {"round": 2, "starts_on": "2025-05-01", "venue": "Tokyo"}


def test_a_round_scheduled_after_the_day_is_not_next_yet() -> None:
    records = log(opened(), scheduled(6, "2025-06-09", "2025-06-13"))
    assert js(records, "2025-06-08")["next_round"] is None
    assert js(records, "2025-06-09")["next_round"] == {"round": 6, "starts_on": "2025-06-13", "venue": None}


def test_a_rescheduled_round_moves_from_the_day_it_is_rescheduled() -> None:
    records = log(opened(), scheduled(3, "2025-05-01", "2025-05-20"), scheduled(3, "2025-05-10", "2025-05-30"))
    assert js(records, "2025-05-09")["next_round"] == {"round": 3, "starts_on": "2025-05-20", "venue": None}
    assert js(records, "2025-05-10")["next_round"] == {"round": 3, "starts_on": "2025-05-30", "venue": None}


def test_no_last_or_next_round_without_rounds() -> None:
    view = on(log(opened()), "2025-05-01")
    assert (view.rounds_held, view.last_round, view.next_round) == (0, None, None)


def test_a_proposals_status_is_its_latest_answer_on_or_before_the_day() -> None:
    records = log(opened(), talk("proposal_submitted", "2025-05-01", proposal="p", by="JP", items=["cars"]),
                  talk("proposal_answered", "2025-05-20", proposal="p", by="US", response="accepted"),
                  talk("proposal_answered", "2025-05-10", proposal="p", by="US", response="countered"))
    status = {day: js(records, day)["proposals"][0]["status"] for day in ("2025-05-05", "2025-05-15", "2025-05-25")}
    assert status == {"2025-05-05": "submitted", "2025-05-15": "countered", "2025-05-25": "accepted"}
    assert js(records, "2025-05-25")["proposals"][0]["by"] == "JP"


def test_a_proposal_submitted_after_the_day_is_not_listed() -> None:
    records = log(opened(), talk("proposal_submitted", "2025-05-01", proposal="p", by="JP", items=["cars"]))
    assert js(records, "2025-04-30")["proposals"] == []


def summit(tracks: list[str], held_on: str | None = None) -> list[dict[str, Any]]:
    events = [ev("summit.scheduled", "2025-06-09", summit="g7", name="G7", starts_on="2025-06-15",
                 ends_on="2025-06-17", tracks=tracks)]
    if held_on:
        events.append(ev("summit.held", held_on, summit="g7"))
    return events


def test_a_summit_naming_the_track_is_scheduled_then_held() -> None:
    records = log(opened(), *summit([TRACK], held_on="2025-06-17"))
    assert js(records, "2025-06-08")["summits"] == []
    assert [(s["summit"], s["starts_on"], s["status"]) for s in js(records, "2025-06-09")["summits"]] == [
        ("g7", "2025-06-15", "scheduled")]
    assert js(records, "2025-06-17")["summits"][0]["status"] == "held"


def test_a_summit_not_naming_the_track_is_not_listed() -> None:
    records = log(opened(), ev("talks.opened", "2025-04-11", track="eu-jp", parties=["EU", "JP"]),
                  *summit(["eu-jp"], held_on="2025-06-17"))
    assert js(records, "2025-06-20")["summits"] == []


def test_a_rescheduled_summit_shows_its_latest_dates() -> None:
    records = log(opened(), *summit([TRACK]),
                  ev("summit.scheduled", "2025-06-12", summit="g7", name="G7", starts_on="2025-06-16", tracks=[TRACK]))
    assert js(records, "2025-06-11")["summits"][0]["starts_on"] == "2025-06-15"
    assert js(records, "2025-06-12")["summits"][0]["starts_on"] == "2025-06-16"


def test_events_dated_after_the_day_never_count() -> None:
    # Recorded early (backfilled forecasts), dated later: none of it is true yet on 2025-04-20.
    records = log(opened(), held(1, "2025-05-01"),
                  talk("proposal_submitted", "2025-05-02", proposal="p", by="JP", items=["cars"]),
                  talk("agreement_reached", "2025-07-22", title="deal", terms=["15%"]),
                  talk("concluded", "2025-09-04", outcome="done"), *summit([TRACK], held_on="2025-06-17"))
    view = on(records, "2025-04-20")
    assert (view.status, view.rounds_held, view.last_round, view.proposals, view.summits, view.agreements) == (
        "opened", 0, None, (), (), ())


def test_the_order_of_recording_does_not_change_the_answer() -> None:
    events = [opened(), scheduled(1, "2025-04-12", "2025-04-16"), held(1, "2025-04-16"),
              talk("proposal_submitted", "2025-05-01", proposal="p", by="JP", items=["cars"]),
              talk("proposal_answered", "2025-05-10", proposal="p", by="US", response="rejected")]
    forward = on(log(*events), "2025-06-01")
    backward = on(log(events[0], *reversed(events[1:])), "2025-06-01")
    assert forward == backward


def test_leads_and_parties_come_from_the_opening() -> None:
    records = log(ev("talks.opened", "2025-04-11", track=TRACK, parties=["US", "JP"], leads={"JP": ["Akazawa"]}))
    view = on(records, "2025-04-11")
    assert (view.parties, negotiation_json(view)["leads"]) == (("US", "JP"), {"JP": ["Akazawa"]})


def test_many_tracks_fold_each_summit_once_and_each_sees_only_its_own(monkeypatch: Any) -> None:
    """``negotiations_on`` over every track (an unfiltered ``ledger state``) folds each summit once, not once
    per track: on a generated 1M ledger (12,000 tracks, 15,000 summits) the per-track loop took minutes."""
    import projections.negotiations as fold

    tracks = [f"t{n}" for n in range(6)]
    lines = [ev("talks.opened", "2025-04-01", track=t, parties=["US", "JP"]) for t in tracks]
    lines += [ev("summit.scheduled", "2025-05-01", summit=f"s{n}", name=f"S{n}", starts_on="2025-06-15",
                 tracks=tracks[n:n + 2]) for n in range(5)]
    groups = by_subject(log(*lines))
    track_events = {slug: entries(evs) for (kind, slug), evs in groups.items() if kind == "track"}
    summit_events = {slug: entries(evs) for (kind, slug), evs in groups.items() if kind == "summit"}
    calls = 0
    summit_on = fold.summit_on

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return summit_on(*args)

    monkeypatch.setattr(fold, "summit_on", counted)
    day = dt.date(2025, 6, 1)
    views = fold.negotiations_on(track_events, summit_events, day)
    assert calls == len(summit_events)
    # The same answer as each track folded on its own against all the summits.
    assert views == [fold.negotiation_on(track_events[t], summit_events, day) for t in sorted(track_events)]
    assert [[s.summit for s in v.summits] for v in views] == [["s0"], ["s0", "s1"], ["s1", "s2"], ["s2", "s3"],
                                                              ["s3", "s4"], ["s4"]]
