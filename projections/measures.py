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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from events.measure import AMENDABLE, MeasureAmended, MeasureAnnounced
from projections.recorded import Recorded
from projections.views import MeasureView, Terms


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


_ANNOUNCED, _AMENDED, _SUSPENDED, _RESUMED, _RESCHEDULED, _REVOKED = (
    "measure.announced", "measure.amended", "measure.suspended", "measure.resumed", "measure.rescheduled",
    "measure.revoked")


@dataclass(frozen=True, slots=True)
class Change:
    """One measure event as the fold reads it: plain values, whether it came from a model or stored JSON.

    ``terms`` holds the terms an announcement sets or an amendment replaces (tuples, the rate a Decimal);
    ``head`` the announcement's other fields (imposer, basis, title, measure).
    """

    position: int
    type: str
    date: dt.date
    effective_on: dt.date | None
    until: dt.date | None
    terms: dict[str, Any]
    head: tuple[str, str, str, str | None] | None = None

    @property
    def effective(self) -> dt.date:
        return self.effective_on or self.date


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _rate(value: Any) -> Decimal:
    # As the model reads a JSON number: a float by its shortest repr, so 2.5 is Decimal("2.5").
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def change_from_payload(position: int, payload: Mapping[str, Any]) -> Change:
    """A stored event's interchange JSON (already validated when appended) as a :class:`Change`."""
    kind = payload["type"]
    terms: dict[str, Any] = {}
    head = None
    if kind in (_ANNOUNCED, _AMENDED):
        for name in AMENDABLE:  # an announcement sets the same terms an amendment may replace
            value = payload.get(name)
            if value is not None:
                terms[name] = _rate(value) if name == "rate" else tuple(value)
        if kind == _ANNOUNCED:
            head = (payload["measure"], payload["imposer"], payload["basis"], payload.get("title"))
    return Change(position, kind, dt.date.fromisoformat(payload["date"]), _day(payload.get("effective_on")),
                  _day(payload.get("until")), terms, head)


def change_from_model(rec: Recorded) -> Change:
    """An event model as a :class:`Change` (the replay path folds models)."""
    ev: Any = rec.event
    terms: dict[str, Any] = {}
    head = None
    if isinstance(ev, MeasureAnnounced | MeasureAmended):
        for name in AMENDABLE:  # an announcement sets the same terms an amendment may replace
            value = getattr(ev, name)
            if value is not None:
                terms[name] = value if name == "rate" else tuple(value)
        if isinstance(ev, MeasureAnnounced):
            head = (ev.measure, ev.imposer, ev.basis, ev.title)
    return Change(rec.position, ev.type, ev.date, getattr(ev, "effective_on", None), getattr(ev, "until", None),
                  terms, head)


def measure_timeline(events: Sequence[Recorded]) -> list[Interval]:
    """Every distinct state of the measure over valid time, as consecutive intervals (from event models)."""
    return timeline([change_from_model(r) for r in events])


def measure_timeline_plain(events: Iterable[tuple[int, Mapping[str, Any]]]) -> list[Interval]:
    """The same fold over ``(position, interchange JSON)`` pairs: what the writer, rebuild and verify use."""
    return timeline([change_from_payload(p, d) for p, d in events])


# An amendment's terms are rebuilt positionally (dataclasses.replace cost more than the fold): same order.
assert tuple(f.name for f in fields(Terms)) == AMENDABLE


def _fields(terms: Terms) -> tuple[Any, ...]:
    return (terms.rate, terms.partners, terms.except_partners, terms.products, terms.except_products,
            terms.not_with, terms.inclusive_of)


def timeline(changes: Sequence[Change]) -> list[Interval]:
    """The one statement of the rules: every distinct state of the measure, as consecutive intervals.

    Walked once over the breakpoints in order: each kind of change sits in its own sorted
    queue and is taken up when its day comes, so a measure with n events costs O(n log n).
    """
    ann = next((c for c in changes if c.type == _ANNOUNCED), None)
    if ann is None:
        return []
    assert ann.head is not None
    measure, imposer, basis, title = ann.head
    # One pass sorts the changes into their queues and collects the breakpoints (this fold runs for
    # every measure on each append, rebuild and verify, so its constant factor is what they pay).
    reschedules: list[Change] = []
    amendments: list[Change] = []
    switches: list[Change] = []
    revoked_from = None
    days = set()
    for c in changes:
        days.add(c.date)
        if c.effective_on is not None:
            days.add(c.effective_on)
        if c.until is not None:
            days.add(c.until)
        if c is ann:
            continue
        kind = c.type
        if kind == _AMENDED:
            amendments.append(c)
        elif kind in (_SUSPENDED, _RESUMED):
            switches.append(c)
        elif kind == _RESCHEDULED:
            reschedules.append(c)
        elif kind == _REVOKED and (revoked_from is None or c.effective < revoked_from):
            revoked_from = c.effective
    by_effect = lambda c: (c.effective, c.position)  # noqa: E731
    reschedules.sort(key=lambda c: (c.date, c.position))
    amendments.sort(key=by_effect)
    switches.sort(key=by_effect)

    t = ann.terms
    terms = Terms(t["rate"], t["partners"], t.get("except_partners", ()), t["products"],
                  t.get("except_products", ()), t.get("not_with", ()), t.get("inclusive_of", ()))
    effective_on = ann.effective_on
    suspended, lapse = False, None
    i_res = i_amd = i_sw = 0
    n_res, n_amd, n_sw = len(reschedules), len(amendments), len(switches)
    out: list[Interval] = []
    # A view is built only when the state changed: the other fields are the announcement's.
    last: tuple[Any, ...] | None = None
    for day in sorted(days):
        if day < ann.date:
            continue
        while i_res < n_res and reschedules[i_res].date <= day:
            effective_on = reschedules[i_res].effective_on
            i_res += 1
        while i_amd < n_amd and amendments[i_amd].effective <= day:
            changed = amendments[i_amd].terms
            terms = Terms(*(changed.get(name, old) for name, old in zip(AMENDABLE, _fields(terms), strict=True)))
            i_amd += 1
        while i_sw < n_sw and switches[i_sw].effective <= day:
            change = switches[i_sw]
            suspended = change.type == _SUSPENDED
            lapse = change.until if suspended else None
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
        state = (status, terms, effective_on, until)
        if state == last:
            continue
        last = state
        view = MeasureView(measure, imposer, basis, title, status, terms, ann.date, effective_on, until)
        if out:
            out[-1] = Interval(out[-1].valid_from, day, out[-1].view)
        out.append(Interval(day, None, view))
    return out
