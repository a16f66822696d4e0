"""A negotiation's status on a valid date, folded from its track's events and its summits.

docs/spec.md §4.2: only events dated on or before D count. Status is ``opened`` until a
round is held or a proposal submitted (``in_progress``), then
``agreement_reached`` from an agreement and ``concluded`` from
``talks.concluded``. Example (US–Japan, 2025-06-10)::

    opened 04-11; rounds 1-5 held 04-16 … 06-06; round 6 scheduled on 06-09 for 06-13;
    G7 (15-17 June) scheduled naming the track

    -> status in_progress, rounds_held 5, last_round 5 (2025-06-06),
       next_round 6 (starts 2025-06-13), summits [g7-2025 scheduled]

The fold reads plain values, ``(position, interchange JSON)`` :data:`Entry` pairs, never event
models: the read path hands it the read model's ``current`` column decoded by orjson, so ``ledger
state`` imports neither pydantic nor the talks and summit models; the ``--known-at`` replay hands it
its corrected models' ``payload()`` (:func:`entries`), the very JSON the read model stores. One fold,
so the two paths cannot disagree (``tests/unit/test_plain_folds.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from projections.parties import parties_between

#: One event as the fold reads it: its log position and its interchange JSON — the read model's
#: ``current`` column as stored, or a replayed model's ``payload()`` (the same JSON: it is what was stored).
Entry = tuple[int, Mapping[str, Any]]

# The event types the fold reads (tests/unit/test_plain_folds.py checks each is a model's ``type``).
OPENED, ROUND_SCHEDULED, ROUND_HELD = "talks.opened", "talks.round_scheduled", "talks.round_held"
PROPOSAL_SUBMITTED, PROPOSAL_ANSWERED = "talks.proposal_submitted", "talks.proposal_answered"
STATEMENT, AGREEMENT_REACHED, CONCLUDED = "talks.statement", "talks.agreement_reached", "talks.concluded"
SUMMIT_SCHEDULED, SUMMIT_HELD = "summit.scheduled", "summit.held"
FOLDED_TYPES = (OPENED, ROUND_SCHEDULED, ROUND_HELD, PROPOSAL_SUBMITTED, PROPOSAL_ANSWERED, STATEMENT,
                AGREEMENT_REACHED, CONCLUDED, SUMMIT_SCHEDULED, SUMMIT_HELD)

STATUSES = ("opened", "in_progress", "agreement_reached", "concluded")


@dataclass(frozen=True, slots=True)
class HeldRound:
    round: int
    date: dt.date
    venue: str | None


@dataclass(frozen=True, slots=True)
class ScheduledRound:
    round: int
    starts_on: dt.date
    venue: str | None


@dataclass(frozen=True, slots=True)
class ProposalStatus:
    """A proposal on the date: ``status`` is ``submitted`` or its latest answer."""

    proposal: str
    by: str
    status: str
    submitted_on: dt.date
    items: tuple[str, ...]
    answered_by: str | None = None
    answered_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class SummitStatus:
    """A summit that names the track, as scheduled on the date; ``status`` is ``scheduled`` or ``held``."""

    summit: str
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    venue: str | None
    status: str
    tracks: tuple[str, ...] = ()
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    title: str
    date: dt.date
    terms: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NegotiationView:
    """What one negotiation looked like on one valid date."""

    track: str
    title: str | None
    parties: tuple[str, ...]
    opened_on: dt.date
    status: str
    rounds_held: int
    last_round: HeldRound | None
    next_round: ScheduledRound | None
    proposals: tuple[ProposalStatus, ...] = ()
    summits: tuple[SummitStatus, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    statements: int = 0
    leads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class _Model(Protocol):
    def payload(self) -> dict[str, Any]: ...


class _Replayed(Protocol):
    """A ``projections.recorded.Recorded``, named by its shape: this module imports no model, not even for types."""

    @property
    def position(self) -> int: ...

    @property
    def event(self) -> _Model: ...


def entries(records: Iterable[_Replayed]) -> list[Entry]:
    """Replayed events (models) as the fold's entries: the replay and the read path fold the same JSON."""
    return [(r.position, r.event.payload()) for r in records]


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _upto(events: Iterable[Entry], day: dt.date) -> list[tuple[dt.date, Mapping[str, Any]]]:
    """The events dated on or before ``day`` with their dates, in (date, position) order."""
    dated = [(dt.date.fromisoformat(ev["date"]), position, ev) for position, ev in events]
    dated.sort(key=lambda d: (d[0], d[1]))
    return [(when, ev) for when, _, ev in dated if when <= day]


def summit_on(events: Sequence[Entry], day: dt.date) -> SummitStatus | None:
    """A summit's latest schedule and status on ``day`` (None before it is scheduled)."""
    schedule: Mapping[str, Any] | None = None
    held: Mapping[str, Any] | None = None
    for _, ev in _upto(events, day):
        if ev["type"] == SUMMIT_SCHEDULED:
            schedule = ev
        elif ev["type"] == SUMMIT_HELD:
            held = ev
    if schedule is None:
        return None
    return SummitStatus(
        summit=schedule["summit"],
        name=schedule["name"],
        starts_on=dt.date.fromisoformat(schedule["starts_on"]),
        ends_on=_day(schedule.get("ends_on")),
        venue=schedule.get("venue"),
        status="held" if held is not None else "scheduled",
        tracks=tuple(schedule.get("tracks") or ()),
        outcome=held.get("outcome") if held is not None else None,
    )


def summits_by_track(summit_events: Mapping[str, Sequence[Entry]], day: dt.date) -> dict[str, list[SummitStatus]]:
    """Each summit folded once on ``day``, filed under every track its schedule names."""
    out: dict[str, list[SummitStatus]] = {}
    for slug in sorted(summit_events):
        view = summit_on(summit_events[slug], day)
        if view is not None:
            for track in dict.fromkeys(view.tracks):
                out.setdefault(track, []).append(view)
    return out


def negotiation_on(
    track_events: Sequence[Entry], summit_events: Mapping[str, Sequence[Entry]], day: dt.date,
    by_track: Mapping[str, Sequence[SummitStatus]] | None = None,
) -> NegotiationView | None:
    """The track on ``day``; ``summit_events`` maps summit slugs to their events (all summits may be given).

    ``by_track``: :func:`summits_by_track` of the same summits, when many tracks are folded at once, so
    each summit is folded once rather than once per track (12,000 tracks and 15,000 summits took
    ``ledger state`` minutes).
    """
    events = _upto(track_events, day)
    opened = next(((when, ev) for when, ev in events if ev["type"] == OPENED), None)
    if opened is None:
        return None
    opened_on, opening = opened
    held: dict[int, HeldRound] = {}
    scheduled: dict[int, ScheduledRound] = {}
    proposals: dict[str, ProposalStatus] = {}
    agreements: list[Agreement] = []
    status, statements, concluded = "opened", 0, False
    for when, ev in events:
        kind = ev["type"]
        if kind == ROUND_HELD:
            held.setdefault(ev["round"], HeldRound(ev["round"], when, ev.get("venue")))
        elif kind == ROUND_SCHEDULED:  # a later schedule for the same round moves it
            scheduled[ev["round"]] = ScheduledRound(ev["round"], dt.date.fromisoformat(ev["starts_on"]),
                                                    ev.get("venue"))
        elif kind == PROPOSAL_SUBMITTED:
            proposals.setdefault(ev["proposal"], ProposalStatus(ev["proposal"], ev["by"], "submitted", when,
                                                                tuple(ev["items"])))
        elif kind == PROPOSAL_ANSWERED and ev["proposal"] in proposals:
            proposals[ev["proposal"]] = replace(proposals[ev["proposal"]], status=ev["response"],
                                                answered_by=ev["by"], answered_on=when)
        elif kind == AGREEMENT_REACHED:
            agreements.append(Agreement(ev["title"], when, tuple(ev["terms"]), tuple(ev.get("measures") or ())))
        elif kind == STATEMENT:
            statements += 1
        elif kind == CONCLUDED:
            concluded = True
    if held or proposals:
        status = "in_progress"
    if agreements:
        status = "agreement_reached"
    if concluded:
        status = "concluded"

    last = max(held.values(), key=lambda r: (r.date, r.round)) if held else None
    waiting = [s for n, s in scheduled.items() if n not in held]
    nxt = min(waiting, key=lambda s: (s.starts_on, s.round)) if waiting else None
    track = opening["track"]
    if by_track is None:
        by_track = summits_by_track(summit_events, day)
    summits = list(by_track.get(track, ()))
    summits.sort(key=lambda s: (s.starts_on, s.summit))
    return NegotiationView(
        track=track,
        title=opening.get("title"),
        parties=tuple(opening["parties"]),
        opened_on=opened_on,
        status=status,
        rounds_held=len(held),
        last_round=last,
        next_round=nxt,
        proposals=tuple(sorted(proposals.values(), key=lambda p: (p.submitted_on, p.proposal))),
        summits=tuple(summits),
        agreements=tuple(agreements),
        statements=statements,
        leads={k: tuple(v) for k, v in (opening.get("leads") or {}).items()},
    )


def negotiations_on(
    tracks: Mapping[str, Sequence[Entry]] | Iterable[tuple[str, Sequence[Entry]]],
    summits: Mapping[str, Sequence[Entry]], day: dt.date, imposer: str | None = None, partner: str | None = None,
    limit: int | None = None,
) -> list[NegotiationView]:
    """Every track on ``day`` between the countries given, by slug (the first ``limit`` of them, if given).

    ``tracks``: each track's events by slug, or ``(slug, events)`` pairs in slug order, which may be
    read as they are folded (``projections.readmodel.reads.subject_groups``).
    """
    out: list[NegotiationView] = []
    if limit is not None and limit <= 0:
        return out
    by_track = summits_by_track(summits, day)
    pairs = sorted(tracks.items()) if isinstance(tracks, Mapping) else tracks
    for _, events in pairs:
        view = negotiation_on(events, summits, day, by_track)
        if view is not None and parties_between(view.parties, imposer, partner):
            out.append(view)
            if len(out) == limit:
                break
    return out
