"""Tariff schedules over valid time: which schedule is in force, and a product's line in it.

Pure functions over (already corrected) events; docs/spec.md §4.4 rules:

- a schedule's lines are those of its ``schedule.published`` from its ``effective_on``;
  each ``schedule.amended`` replaces, adds or removes lines from its own effective date
  (amendments in order of effective date, then record order; one dated before the
  schedule takes effect counts from the schedule's start);
- of an imposer's schedules of one basis, the one in force on D is the one with the latest
  ``effective_on`` on or before D (on a tie, the one published last): a newer schedule
  supersedes an older one from its effective date, whatever lines either holds;
- a product's line is the one whose HS prefix is the longest that begins its code.

**Where supersession is decided.** Each schedule's rows depend only on its own events:
:func:`line_intervals` gives its lines as ``[valid_from, valid_to)`` intervals and
:func:`schedule_head` its imposer, basis and start. Which schedule counts on D depends
on the *other* schedules of the same imposer and basis, so it is decided at query time
(:func:`in_force`), over the heads — a handful of rows. Storing supersession in the line
rows would make one import rewrite another schedule's 30,000 rows, and a correction of
one schedule's date refold all of its neighbours; this way a subject's rows are its own,
as for every other read model, and ``verify`` checks them subject by subject.

Worked example (US, MFN)::

    us-hts-2024  published, effective 2024-01-01: 8703 2.5%, 870421 25%
    us-hts-2025  published, effective 2025-01-01: 87032301 2.5%
    us-hts-2025  amended,   effective 2025-07-01: 870421 25% added

    in force on 2024-06-01: us-hts-2024 -> 870421... matches 870421 (25%)
    in force on 2025-03-01: us-hts-2025 -> 870421... matches nothing (no line: a warning)
    in force on 2025-08-01: us-hts-2025 -> 870421... matches 870421 (25%)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from events.codes import ALL

if TYPE_CHECKING:  # the read path builds these values from rows, without the event models
    from projections.recorded import Recorded


@dataclass(frozen=True, slots=True)
class LineView:
    """One product's duty in a schedule: ``rate`` the ad-valorem part (None: none), ``text`` as printed."""

    product: str
    rate: Decimal | None
    text: str
    specific: bool
    preferential: tuple[tuple[str, str], ...] = ()  # (program symbols, rate text)


@dataclass(frozen=True, slots=True)
class ScheduleHead:
    """What a schedule is, apart from its lines; ``position`` is its publication's place in the log."""

    schedule: str
    imposer: str
    basis: str
    partners: tuple[str, ...]
    except_partners: tuple[str, ...]
    effective_on: dt.date
    position: int
    title: str | None = None
    revision: str | None = None


@dataclass(frozen=True, slots=True)
class LineInterval:
    """``line`` holds on every valid date in ``[valid_from, valid_to)``; ``valid_to`` None is open."""

    valid_from: dt.date
    valid_to: dt.date | None
    line: LineView


@dataclass(frozen=True, slots=True)
class ScheduleMatch:
    """The line of a schedule in force that a product falls under (``line.product`` the prefix matched).

    ``line`` is None when the code is shorter than the schedule's lines and those under it carry
    different duties (``differing``, their texts): the schedule covers the product, but no single
    duty can be counted, so the answer says which and asks for a longer code.
    """

    head: ScheduleHead
    line: LineView | None
    differing: tuple[str, ...] = ()


def _line(value: object) -> LineView:
    prefs = tuple((p.program, p.text) for p in getattr(value, "preferential", None) or ())
    return LineView(value.product, value.rate, value.text, value.specific, prefs)  # type: ignore[attr-defined]


def _rate(value: Any) -> Decimal | None:
    # As the model reads a JSON number: a float by its shortest repr, so 2.5 is Decimal("2.5").
    if value is None:
        return None
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def line_from_payload(value: Mapping[str, Any]) -> LineView:
    """A line of a stored event's interchange JSON (validated when appended) as a :class:`LineView`."""
    prefs = value.get("preferential")
    return LineView(value["product"], _rate(value.get("rate")), value["text"], value.get("specific", False),
                    tuple((p["program"], p["text"]) for p in prefs) if prefs else ())


@dataclass(frozen=True, slots=True)
class Revision:
    """One schedule event as the fold reads it, from a model or from stored JSON.

    ``head``: the publication's head (None for an amendment); ``effective``: the day the lines count from.
    """

    position: int
    head: ScheduleHead | None
    effective: dt.date
    lines: Sequence[LineView]
    removed: Sequence[str] = ()


def revision_from_payload(position: int, payload: Mapping[str, Any]) -> Revision | None:
    """A schedule event's interchange JSON as a :class:`Revision` (None for any other type)."""
    kind = payload.get("type")
    lines = [line_from_payload(v) for v in payload.get("lines") or ()]
    if kind == "schedule.published":
        head = ScheduleHead(payload["schedule"], payload["imposer"], payload.get("basis", "MFN"),
                            tuple(payload.get("partners", (ALL,))), tuple(payload.get("except_partners") or ()),
                            dt.date.fromisoformat(payload["effective_on"]), position, payload.get("title"),
                            payload.get("revision"))
        return Revision(position, head, head.effective_on, lines)
    if kind == "schedule.amended":
        effective = dt.date.fromisoformat(payload.get("effective_on") or payload["date"])
        return Revision(position, None, effective, lines, tuple(payload.get("removed") or ()))
    return None


def revision_from_model(rec: Recorded) -> Revision | None:
    """A schedule event model as a :class:`Revision` (the replay path folds models)."""
    from events.schedule import ScheduleAmended, SchedulePublished

    ev = rec.event
    if isinstance(ev, SchedulePublished):
        head = ScheduleHead(ev.schedule, ev.imposer, ev.basis, tuple(ev.partners), tuple(ev.except_partners or ()),
                            ev.effective_on, rec.position, ev.title, ev.revision)
        return Revision(rec.position, head, ev.effective_on, [_line(v) for v in ev.lines])
    if isinstance(ev, ScheduleAmended):
        return Revision(rec.position, None, ev.effective, [_line(v) for v in ev.lines or ()], tuple(ev.removed or ()))
    return None


def _revisions(events: Sequence[Recorded]) -> list[Revision]:
    return [r for r in map(revision_from_model, events) if r is not None]


def revisions_plain(events: Iterable[tuple[int, Mapping[str, Any]]]) -> list[Revision]:
    """``(position, interchange JSON)`` pairs of a schedule as revisions: what the writer, rebuild and verify fold."""
    return [r for r in (revision_from_payload(p, d) for p, d in events) if r is not None]


def schedule_head(events: Sequence[Recorded]) -> ScheduleHead | None:
    """The schedule's head from its (live) publication; None once that is retracted."""
    return head_of(_revisions(events))


def line_intervals(events: Sequence[Recorded]) -> dict[str, list[LineInterval]]:
    """Each product's lines over valid time, from the schedule's own events (product → intervals)."""
    return intervals_of(_revisions(events))


def head_of(revisions: Sequence[Revision]) -> ScheduleHead | None:
    """The head of the schedule's (first, live) publication; None once that is retracted."""
    return next((r.head for r in revisions if r.head is not None), None)


def intervals_of(revisions: Sequence[Revision]) -> dict[str, list[LineInterval]]:
    """The one statement of a schedule's lines over time: product → intervals."""
    published = next((r for r in revisions if r.head is not None), None)
    if published is None:
        return {}
    start = published.effective
    # product -> [(day, line or None)], in the order the changes apply.
    changes: dict[str, list[tuple[dt.date, LineView | None]]] = {}
    for line in published.lines:
        changes[line.product] = [(start, line)]
    amendments = sorted((r for r in revisions if r.head is None), key=lambda r: (r.effective, r.position))
    for amd in amendments:
        day = max(amd.effective, start)
        for line in amd.lines:
            changes.setdefault(line.product, []).append((day, line))
        for product in amd.removed:
            changes.setdefault(product, []).append((day, None))
    out: dict[str, list[LineInterval]] = {}
    for product, steps in changes.items():
        intervals: list[LineInterval] = []
        current: LineView | None = None
        for i, (day, step) in enumerate(steps):
            if i + 1 < len(steps) and steps[i + 1][0] == day:
                continue  # a later change on the same day wins
            if step == current:
                continue
            if intervals and intervals[-1].valid_to is None:
                intervals[-1] = LineInterval(intervals[-1].valid_from, day, intervals[-1].line)
            if step is not None:
                intervals.append(LineInterval(day, None, step))
            current = step
        if intervals:
            out[product] = intervals
    return out


def lines_on(intervals: Mapping[str, Sequence[LineInterval]], day: dt.date) -> list[LineView]:
    """The lines that hold on ``day``."""
    return [iv.line for ivs in intervals.values() for iv in ivs
            if iv.valid_from <= day and (iv.valid_to is None or day < iv.valid_to)]


def in_force(heads: Iterable[ScheduleHead], day: dt.date, imposer: str | None = None) -> list[ScheduleHead]:
    """Per imposer and basis, the schedule with the latest ``effective_on`` on or before ``day``."""
    best: dict[tuple[str, str], ScheduleHead] = {}
    for head in heads:
        if head.effective_on > day or (imposer is not None and head.imposer != imposer):
            continue
        key = (head.imposer, head.basis)
        if key not in best or (head.effective_on, head.position) > (best[key].effective_on, best[key].position):
            best[key] = head
    return sorted(best.values(), key=lambda h: (h.imposer, h.basis, h.schedule))


def covers_partner(head: ScheduleHead, partner: str) -> bool:
    return (partner in head.partners or ALL in head.partners) and partner not in head.except_partners


def longest_line(lines: Iterable[LineView], product: str) -> LineView | None:
    """The line whose prefix is the longest that begins ``product``."""
    best: LineView | None = None
    for line in lines:
        if product.startswith(line.product) and (best is None or len(line.product) > len(best.product)):
            best = line
    return best


def uniform_under(lines: Iterable[LineView], product: str) -> LineView | None:
    """For a code shorter than the schedule's lines: the duty every line under it shares, else None.

    ``870323`` has no line of its own when the schedule prints duties at 8 or 10 digits
    (``87032301`` 2.5%, ``87032301..`` inheriting it); when all the lines under the code read the
    same, that duty is the code's, and its line is reported as the code asked for::

        uniform_under([87032301 2.5%], "870323") -> 870323 2.5%
        uniform_under([87032301 2.5%, 87032310 Free], "870323") -> None (the answer warns: no line)
    """
    under = _under(lines, product)
    duties = {(ln.rate, ln.text, ln.specific, ln.preferential) for ln in under}
    if len(duties) != 1:
        return None
    return replace(under[0], product=product)


def _under(lines: Iterable[LineView], product: str) -> list[LineView]:
    return [ln for ln in lines if len(ln.product) > len(product) and ln.product.startswith(product)]


def duties_under(lines: Iterable[LineView], product: str) -> tuple[str, ...]:
    """The duty texts printed on the lines under a code, each once, in line order.

    >>> duties_under([LineView("87083050", Decimal("2.5"), "2.5%", False, ()),
    ...               LineView("87084011", Decimal(25), "25%", False, ()),
    ...               LineView("87085061", Decimal("2.5"), "2.5%", False, ())], "8708")
    ('2.5%', '25%')
    """
    return tuple(dict.fromkeys(ln.text.strip() for ln in sorted(_under(lines, product), key=lambda ln: ln.product)))


def matches(heads: Iterable[ScheduleHead], lines: Mapping[str, Iterable[LineView]], day: dt.date, imposer: str,
            partner: str, product: str) -> tuple[list[ScheduleMatch], bool]:
    """The lines the pair falls under on ``day``, one per schedule in force; and whether any schedule
    of the imposer is in force for the partner at all.

    ``lines`` maps a schedule slug to (at least) its lines on ``day`` whose prefixes begin ``product``.
    """
    found: list[ScheduleMatch] = []
    any_schedule = False
    for head in in_force(heads, day, imposer):
        if not covers_partner(head, partner):
            continue
        any_schedule = True
        own = list(lines.get(head.schedule, ()))
        line = longest_line(own, product) or uniform_under(own, product)
        if line is not None:
            found.append(ScheduleMatch(head, line))
        elif differing := duties_under(own, product):
            found.append(ScheduleMatch(head, None, differing))
    return found, any_schedule


def prefixes(product: str) -> list[str]:
    """Every HS prefix (2+ digits) that could be a line for ``product``."""
    return [product[:n] for n in range(2, len(product) + 1)]
