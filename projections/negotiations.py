"""A negotiation's status on a valid date, folded from its track's events and its summits.

docs/spec.md §4.2: only events dated on or before D count. Status is ``opened`` until a
round is held or a proposal submitted (``in_progress``), then
``agreement_reached`` from an agreement and ``concluded`` from
``talks.concluded``. Example (US–Japan, 2025-06-10)::

    opened 04-11; rounds 1-5 held 04-16 … 06-06; round 6 scheduled on 06-09 for 06-13;
    G7 (15-17 June) scheduled naming the track

    -> status in_progress, rounds_held 5, last_round 5 (2025-06-06),
       next_round 6 (starts 2025-06-13), summits [g7-2025 scheduled]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from events.summit import SummitHeld, SummitScheduled
from events.talks import (
    AgreementReached,
    ProposalAnswered,
    ProposalSubmitted,
    RoundHeld,
    RoundScheduled,
    Statement,
    TalksConcluded,
    TalksOpened,
)
from projections.parties import parties_between
from projections.recorded import Recorded

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


def _upto(events: Iterable[Recorded], day: dt.date) -> list[Recorded]:
    return sorted((r for r in events if r.event.date <= day), key=lambda r: (r.event.date, r.position))


def summit_on(events: Sequence[Recorded], day: dt.date) -> SummitStatus | None:
    """A summit's latest schedule and status on ``day`` (None before it is scheduled)."""
    schedule: SummitScheduled | None = None
    held: SummitHeld | None = None
    for rec in _upto(events, day):
        if isinstance(rec.event, SummitScheduled):
            schedule = rec.event
        elif isinstance(rec.event, SummitHeld):
            held = rec.event
    if schedule is None:
        return None
    return SummitStatus(
        summit=schedule.summit,
        name=schedule.name,
        starts_on=schedule.starts_on,
        ends_on=schedule.ends_on,
        venue=schedule.venue,
        status="held" if held is not None else "scheduled",
        tracks=tuple(schedule.tracks or ()),
        outcome=held.outcome if held is not None else None,
    )


def negotiation_on(
    track_events: Sequence[Recorded], summit_events: Mapping[str, Sequence[Recorded]], day: dt.date
) -> NegotiationView | None:
    """The track on ``day``; ``summit_events`` maps summit slugs to their events (all summits may be given)."""
    events = _upto(track_events, day)
    opened = next((r.event for r in events if isinstance(r.event, TalksOpened)), None)
    if opened is None:
        return None
    held: dict[int, RoundHeld] = {}
    scheduled: dict[int, RoundScheduled] = {}
    proposals: dict[str, ProposalStatus] = {}
    agreements: list[Agreement] = []
    status, statements = "opened", 0
    for rec in events:
        ev = rec.event
        if isinstance(ev, RoundHeld):
            held.setdefault(ev.round, ev)
        elif isinstance(ev, RoundScheduled):
            scheduled[ev.round] = ev  # a later schedule for the same round moves it
        elif isinstance(ev, ProposalSubmitted):
            proposals.setdefault(ev.proposal, ProposalStatus(ev.proposal, ev.by, "submitted", ev.date,
                                                             tuple(ev.items)))
        elif isinstance(ev, ProposalAnswered) and ev.proposal in proposals:
            proposals[ev.proposal] = replace(proposals[ev.proposal], status=ev.response, answered_by=ev.by,
                                             answered_on=ev.date)
        elif isinstance(ev, AgreementReached):
            agreements.append(Agreement(ev.title, ev.date, tuple(ev.terms), tuple(ev.measures or ())))
        elif isinstance(ev, Statement):
            statements += 1
    if held or proposals:
        status = "in_progress"
    if agreements:
        status = "agreement_reached"
    if any(isinstance(r.event, TalksConcluded) for r in events):
        status = "concluded"

    last = max(held.values(), key=lambda e: (e.date, e.round)) if held else None
    waiting = [s for n, s in scheduled.items() if n not in held]
    nxt = min(waiting, key=lambda s: (s.starts_on, s.round)) if waiting else None
    summits = []
    for slug in sorted(summit_events):
        view = summit_on(summit_events[slug], day)
        if view is not None and opened.track in view.tracks:
            summits.append(view)
    summits.sort(key=lambda s: (s.starts_on, s.summit))
    return NegotiationView(
        track=opened.track,
        title=opened.title,
        parties=tuple(opened.parties),
        opened_on=opened.date,
        status=status,
        rounds_held=len(held),
        last_round=HeldRound(last.round, last.date, last.venue) if last else None,
        next_round=ScheduledRound(nxt.round, nxt.starts_on, nxt.venue) if nxt else None,
        proposals=tuple(sorted(proposals.values(), key=lambda p: (p.submitted_on, p.proposal))),
        summits=tuple(summits),
        agreements=tuple(agreements),
        statements=statements,
        leads={k: tuple(v) for k, v in (opened.leads or {}).items()},
    )


def negotiations_on(
    tracks: Mapping[str, Sequence[Recorded]], summits: Mapping[str, Sequence[Recorded]], day: dt.date,
    imposer: str | None = None, partner: str | None = None,
) -> list[NegotiationView]:
    """Every track on ``day`` between the countries given, by slug."""
    out = []
    for slug in sorted(tracks):
        view = negotiation_on(tracks[slug], summits, day)
        if view is not None and parties_between(view.parties, imposer, partner):
            out.append(view)
    return out
