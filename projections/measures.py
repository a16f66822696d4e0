"""A tariff measure's status and terms on a valid date, and its whole timeline.

Pure functions over one measure's (already corrected) events. docs/spec.md §4.1 rules:

- not listed before its announcement ``date``;
- ``announced`` while its effective date is unknown or later (a ``measure.rescheduled``
  dated on or before D moves that date);
- ``in_force`` from the effective date; ``suspended`` from a suspension's ``effective_on``
  until its ``until`` (exclusive) or a resumption; ``revoked`` from a revocation;
- amendments change the terms from their ``effective_on``.

Worked example — the Japan-specific reciprocal rate of 2025::

    announced 2025-04-02, effective_on 2025-04-09, rate 14
    suspended 2025-04-09, effective_on 2025-04-10, until 2025-07-09

    measure_on(events, 2025-04-08).status == "announced"
    measure_on(events, 2025-04-09).status == "in_force"
    measure_on(events, 2025-06-01).status == "suspended"
    measure_on(events, 2025-07-09).status == "in_force"

Changes only happen on dates some event names, so :func:`measure_timeline`
walks those dates once, in order, and merges equal neighbours into intervals
``[valid_from, valid_to)``. It is the one statement of the rules: the read model
stores its rows, and :func:`measure_on` reads the interval holding a date.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from events.measure import (
    AMENDABLE,
    MeasureAmended,
    MeasureAnnounced,
    MeasureRescheduled,
    MeasureResumed,
    MeasureRevoked,
    MeasureSuspended,
)
from projections.recorded import Recorded
from projections.views import MeasureView, Terms


def _terms(ann: MeasureAnnounced) -> Terms:
    return Terms(
        rate=ann.rate,
        partners=tuple(ann.partners),
        except_partners=tuple(ann.except_partners or ()),
        products=tuple(ann.products),
        except_products=tuple(ann.except_products or ()),
        not_with=tuple(ann.not_with or ()),
        inclusive_of=tuple(ann.inclusive_of or ()),
    )


def _amend(terms: Terms, amendment: MeasureAmended) -> Terms:
    changes: dict[str, Any] = {}
    for name in AMENDABLE:
        value = getattr(amendment, name)
        if value is not None:
            changes[name] = value if name == "rate" else tuple(value)
    return replace(terms, **changes)


def _split(events: Sequence[Recorded]) -> tuple[MeasureAnnounced, Recorded, list[Recorded]]:
    for i, rec in enumerate(events):
        if isinstance(rec.event, MeasureAnnounced):
            return rec.event, rec, [r for j, r in enumerate(events) if j != i]
    raise ValueError("a measure's events must include its announcement")


@dataclass(frozen=True, slots=True)
class Interval:
    """``view`` holds on every valid date in ``[valid_from, valid_to)``; ``valid_to`` None is open."""

    valid_from: dt.date
    valid_to: dt.date | None
    view: MeasureView


def measure_on(events: Sequence[Recorded], day: dt.date) -> MeasureView | None:
    """The measure on valid date ``day``, or ``None`` if not yet announced (or never, once retracted).

    Read off :func:`measure_timeline`: the fold that writes the read model's intervals is the
    only statement of the rules, so the replay and the read model cannot disagree.
    """
    return interval_on(measure_timeline(events), day)


def interval_on(timeline: Sequence[Interval], day: dt.date) -> MeasureView | None:
    """The view of the interval of ``timeline`` that holds on ``day`` (None before the first)."""
    i = bisect.bisect_right([iv.valid_from for iv in timeline], day) - 1
    if i < 0:
        return None
    found = timeline[i]
    return found.view if found.valid_to is None or day < found.valid_to else None


def _breakpoints(events: Sequence[Recorded]) -> list[dt.date]:
    days: set[dt.date] = set()
    for rec in events:
        ev = rec.event
        days.add(ev.date)
        for name in ("effective_on", "until"):
            value = getattr(ev, name, None)
            if value is not None:
                days.add(value)
    return sorted(days)


def measure_timeline(events: Sequence[Recorded]) -> list[Interval]:
    """Every distinct state of the measure over valid time, as consecutive intervals.

    Walked once over the breakpoints in order: each kind of change sits in its own sorted
    queue and is taken up when its day comes, so a measure with n events costs O(n log n).
    """
    if not any(isinstance(r.event, MeasureAnnounced) for r in events):
        return []
    ann, _, changes = _split(events)

    def queue(kinds: tuple[type, ...], key: Any) -> list[Any]:
        return sorted((r for r in changes if isinstance(r.event, kinds)), key=key)

    by_effect = lambda r: (r.event.effective, r.position)  # noqa: E731
    reschedules = queue((MeasureRescheduled,), lambda r: (r.event.date, r.position))
    amendments = queue((MeasureAmended,), by_effect)
    switches = queue((MeasureSuspended, MeasureResumed), by_effect)
    revoked_from = min((r.event.effective for r in changes if isinstance(r.event, MeasureRevoked)), default=None)

    terms, effective_on = _terms(ann), ann.effective_on
    suspended, lapse = False, None
    i_res = i_amd = i_sw = 0
    out: list[Interval] = []
    for day in _breakpoints(events):
        if day < ann.date:
            continue
        while i_res < len(reschedules) and reschedules[i_res].event.date <= day:
            effective_on = reschedules[i_res].event.effective_on
            i_res += 1
        while i_amd < len(amendments) and amendments[i_amd].event.effective <= day:
            terms = _amend(terms, amendments[i_amd].event)
            i_amd += 1
        while i_sw < len(switches) and switches[i_sw].event.effective <= day:
            change = switches[i_sw].event
            suspended = isinstance(change, MeasureSuspended)
            lapse = change.until if isinstance(change, MeasureSuspended) else None
            i_sw += 1
        until = None
        if revoked_from is not None and revoked_from <= day:
            status = "revoked"
        elif effective_on is None or effective_on > day:
            status = "announced"
        elif suspended and (lapse is None or day < lapse):
            status, until = "suspended", lapse
        else:
            status = "in_force"
        view = MeasureView(ann.measure, ann.imposer, ann.basis, ann.title, status, terms, ann.date, effective_on, until)
        if out and out[-1].view == view:
            continue
        if out:
            out[-1] = replace(out[-1], valid_to=day)
        out.append(Interval(day, None, view))
    return out
