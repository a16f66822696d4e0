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
from dataclasses import dataclass, field
from typing import Any

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
from projections.recorded import Recorded

STATUSES = ("opened", "in_progress", "agreement_reached", "concluded")


@dataclass(frozen=True)
class NegotiationView:
    track: str
    title: str | None
    parties: tuple[str, ...]
    opened_on: dt.date
    status: str
    rounds_held: int
    last_round: dict[str, Any] | None
    next_round: dict[str, Any] | None
    proposals: list[dict[str, Any]] = field(default_factory=list)
    summits: list[dict[str, Any]] = field(default_factory=list)
    agreements: list[dict[str, Any]] = field(default_factory=list)
    statements: int = 0
    leads: dict[str, list[str]] = field(default_factory=dict)


def _upto(events: Iterable[Recorded], day: dt.date) -> list[Recorded]:
    return sorted((r for r in events if r.event.date <= day), key=lambda r: (r.event.date, r.position))


def summit_on(events: Sequence[Recorded], day: dt.date) -> dict[str, Any] | None:
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
    return {
        "summit": schedule.summit,
        "name": schedule.name,
        "starts_on": schedule.starts_on.isoformat(),
        "ends_on": schedule.ends_on.isoformat() if schedule.ends_on else None,
        "venue": schedule.venue,
        "tracks": list(schedule.tracks or ()),
        "status": "held" if held is not None else "scheduled",
        "outcome": held.outcome if held is not None else None,
    }


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
    proposals: dict[str, dict[str, Any]] = {}
    agreements: list[dict[str, Any]] = []
    status, statements = "opened", 0
    for rec in events:
        ev = rec.event
        if isinstance(ev, RoundHeld):
            held.setdefault(ev.round, ev)
        elif isinstance(ev, RoundScheduled):
            scheduled[ev.round] = ev  # a later schedule for the same round moves it
        elif isinstance(ev, ProposalSubmitted):
            proposals.setdefault(ev.proposal, {"proposal": ev.proposal, "by": ev.by, "status": "submitted",
                                              "submitted_on": ev.date.isoformat(), "items": list(ev.items)})
        elif isinstance(ev, ProposalAnswered) and ev.proposal in proposals:
            proposals[ev.proposal].update(status=ev.response, answered_by=ev.by, answered_on=ev.date.isoformat())
        elif isinstance(ev, AgreementReached):
            agreements.append({"title": ev.title, "date": ev.date.isoformat(), "terms": list(ev.terms),
                               "measures": list(ev.measures or ())})
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
        if view is not None and opened.track in view["tracks"]:
            summits.append({k: view[k] for k in ("summit", "name", "starts_on", "ends_on", "venue", "status")})
    summits.sort(key=lambda s: (s["starts_on"], s["summit"]))
    return NegotiationView(
        track=opened.track,
        title=opened.title,
        parties=tuple(opened.parties),
        opened_on=opened.date,
        status=status,
        rounds_held=len(held),
        last_round={"round": last.round, "date": last.date.isoformat(), "venue": last.venue} if last else None,
        next_round={"round": nxt.round, "starts_on": nxt.starts_on.isoformat(), "venue": nxt.venue} if nxt else None,
        proposals=sorted(proposals.values(), key=lambda p: (p["submitted_on"], p["proposal"])),
        summits=summits,
        agreements=agreements,
        statements=statements,
        leads={k: list(v) for k, v in (opened.leads or {}).items()},
    )
