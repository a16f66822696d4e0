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
evaluates :func:`measure_on` at each such date and merges equal neighbours into
intervals ``[valid_from, valid_to)``; the read model stores those rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from events.measure import (
    AMENDABLE,
    MeasureAmended,
    MeasureAnnounced,
    MeasureChange,
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


def _by_effect(changes: list[Recorded], kinds: tuple[type, ...], day: dt.date) -> list[MeasureChange]:
    picked = [r for r in changes if isinstance(r.event, kinds) and r.event.effective <= day]  # type: ignore[attr-defined]
    picked.sort(key=lambda r: (r.event.effective, r.position))  # type: ignore[attr-defined]
    return [r.event for r in picked]  # type: ignore[misc]


def measure_on(events: Sequence[Recorded], day: dt.date) -> MeasureView | None:
    """The measure on valid date ``day``, or ``None`` if not yet announced (or never, once retracted)."""
    if not any(isinstance(r.event, MeasureAnnounced) for r in events):
        return None
    ann, _, changes = _split(events)
    if ann.date > day:
        return None
    effective_on = ann.effective_on
    reschedules = [r for r in changes if isinstance(r.event, MeasureRescheduled) and r.event.date <= day]
    if reschedules:
        latest = max(reschedules, key=lambda r: (r.event.date, r.position))
        effective_on = latest.event.effective_on  # type: ignore[attr-defined]

    terms = _terms(ann)
    for amendment in _by_effect(changes, (MeasureAmended,), day):
        terms = _amend(terms, amendment)  # type: ignore[arg-type]

    until: dt.date | None = None
    if _by_effect(changes, (MeasureRevoked,), day):
        status = "revoked"
    elif effective_on is None or effective_on > day:
        status = "announced"
    else:
        status = "in_force"
        suspended, lapse = False, None
        for change in _by_effect(changes, (MeasureSuspended, MeasureResumed), day):
            suspended = isinstance(change, MeasureSuspended)
            lapse = change.until if isinstance(change, MeasureSuspended) else None
        if suspended and (lapse is None or day < lapse):
            status, until = "suspended", lapse
    return MeasureView(
        measure=ann.measure,
        imposer=ann.imposer,
        basis=ann.basis,
        title=ann.title,
        status=status,
        terms=terms,
        announced_on=ann.date,
        effective_on=effective_on,
        suspended_until=until,
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """``view`` holds on every valid date in ``[valid_from, valid_to)``; ``valid_to`` None is open."""

    valid_from: dt.date
    valid_to: dt.date | None
    view: MeasureView


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

    The same rules as :func:`measure_on`, walked once over the breakpoints in order:
    each kind of change sits in its own sorted queue and is taken up when its day comes,
    so a measure with n events costs O(n log n), not n calls of :func:`measure_on`.
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
