"""The stacked rate over a date range as steps, and the negotiation milestones to mark beside it.

A rate only changes on a date some measure event names (an ``effective_on``,
an ``until``, an announcement), so the series is the rate evaluated at each
such change date, with equal neighbours merged — never a day-by-day loop.
Worked example (Japanese cars, HS 870323, 2025)::

    change dates 01-01, 04-03, 04-05, 04-09, 04-10, …, 09-16
    rate_steps(...) ->
        [2025-01-01, 2025-04-03)   2.5   us-mfn-8703 2.5
        [2025-04-03, 2025-09-16)  27.5   us-mfn-8703 2.5 + us-232-autos 25
        [2025-09-16, 2026-01-01)  15     us-mfn-8703 2.5 + us-jp-autos-15 12.5 (15 all-in)

(the reciprocal measures never count: ``not_with`` Section 232). :func:`layers`
turns the steps into one band per measure for a stacked chart, and
:func:`milestones` picks the rounds held, agreements and summits of the tracks
between the imposer and the partner.

Pure functions: no I/O, no clock; callers pass the answers and the events in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from events.codes import number
from projections.negotiations import (
    AGREEMENT_REACHED,
    CONCLUDED,
    OPENED,
    ROUND_HELD,
    SUMMIT_HELD,
    SUMMIT_SCHEDULED,
    Entry,
)
from projections.rates import Component, RateAnswer

# The duty everything else stacks on goes at the bottom of a stacked chart.
BOTTOM_BASES = ("MFN",)


@dataclass(frozen=True, slots=True)
class Step:
    """The rate on every valid date in ``[start, end)``."""

    start: dt.date
    end: dt.date
    rate: Decimal
    parts: tuple[Component, ...]  # what each measure adds during the step
    imposer: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True, slots=True)
class Layer:
    """One measure's band in a stacked chart: its contribution during each step (0 when absent)."""

    measure: str
    basis: str
    values: tuple[Decimal, ...]
    listed_rates: tuple[Decimal, ...] = ()
    reduced_by: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        text = f"{self.measure} ({self.basis})"
        if self.reduced_by:
            listed = "/".join(f"{number(r)}%" for r in dict.fromkeys(self.listed_rates))
            text += f", {listed} all-in incl. {', '.join(self.reduced_by)}"
        return text


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated negotiation development to mark on the time axis."""

    day: dt.date
    kind: str  # opened | round | agreement | summit | concluded
    label: str  # short, for the chart (which may wrap it)
    detail: str  # longer, for tables and tooltips
    track: str | None = None


@dataclass(frozen=True)
class RateSeries:
    """Everything a rate chart needs; ``end`` is the last date shown (inclusive)."""

    partner: str
    product: str
    imposer: str | None
    start: dt.date
    end: dt.date
    known_at: str | None
    steps: list[Step]
    milestones: list[Milestone] = field(default_factory=list)

    def layers(self) -> list[Layer]:
        return layers(self.steps)

    def to_json(self) -> dict[str, Any]:
        return series_json(self)

    def rows(self) -> list[dict[str, Any]]:
        """One row per step: its dates, rate, and what each measure adds."""
        return [{"from": s["from"], "to": s["to"], "rate": s["rate"],
                 "components": "; ".join(f"{c['measure']} +{c['rate']}" for c in s["components"])}
                for s in self.to_json()["steps"]]


def change_days(candidates: Iterable[dt.date], start: dt.date, end: dt.date) -> list[dt.date]:
    """``start`` and every candidate in ``(start, end]``, sorted and distinct: where the rate is evaluated."""
    return [start, *sorted({d for d in candidates if start < d <= end})]


def rate_steps(answers: Sequence[tuple[dt.date, str | None, RateAnswer]], end: dt.date) -> list[Step]:
    """Steps from the answers at each change date (sorted), merging neighbours with the same parts.

    A step with no parts may start with no imposer and go on once one names the pair (still 0):
    it is one step, under the imposer seen first.

    ``end`` is the last date shown, so the last step runs to ``end + 1 day``.
    """
    steps: list[Step] = []
    for i, (day, imposer, answer) in enumerate(answers):
        until = answers[i + 1][0] if i + 1 < len(answers) else end + dt.timedelta(days=1)
        parts = tuple(answer.components)
        if steps and steps[-1].parts == parts:
            last = steps[-1]
            steps[-1] = Step(last.start, until, last.rate, last.parts, last.imposer or imposer)
        else:
            steps.append(Step(day, until, answer.rate, parts, imposer))
    return steps


def only_imposer(steps: Sequence[Step]) -> str | None:
    """The imposer of a series that did not name one: the only one its steps saw, else None."""
    found = sorted({s.imposer for s in steps if s.imposer is not None})
    return found[0] if len(found) == 1 else None


def _stack_key(first_seen: dict[str, int], basis: dict[str, str]) -> Any:
    def key(measure: str) -> tuple[int, int, str]:
        return (0 if basis[measure] in BOTTOM_BASES else 1, first_seen[measure], measure)

    return key


def layers(steps: Sequence[Step]) -> list[Layer]:
    """One band per measure that contributes anywhere, bottom first (MFN, then by first appearance)."""
    first_seen: dict[str, int] = {}
    basis: dict[str, str] = {}
    reduced: dict[str, dict[str, None]] = {}
    for i, step in enumerate(steps):
        for part in step.parts:
            first_seen.setdefault(part.measure, i)
            basis.setdefault(part.measure, part.basis)
            reduced.setdefault(part.measure, {}).update(dict.fromkeys(part.reduced_by))
    out = []
    for measure in sorted(first_seen, key=_stack_key(first_seen, basis)):
        values, listed = [], []
        for step in steps:
            found = next((p for p in step.parts if p.measure == measure), None)
            values.append(found.rate if found else Decimal(0))
            if found is not None and found.reduced_by:
                listed.append(found.listed_rate)
        out.append(Layer(measure, basis[measure], tuple(values), tuple(listed), tuple(reduced[measure])))
    return out


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def milestones(
    track_events: Mapping[str, Sequence[Entry]],
    summit_events: Mapping[str, Sequence[Entry]],
    start: dt.date,
    end: dt.date,
) -> list[Milestone]:
    """Talks opened, rounds held, agreements, conclusions and linked summits dated in ``[start, end]``.

    ``track_events`` holds the tracks to mark (already chosen); a summit counts
    when its schedule names one of them. A summit is marked on the day it was
    held, or on its planned start if it is still only scheduled. The events are
    ``(position, interchange JSON)`` pairs in record order, as the negotiation fold reads them.
    """
    out: list[Milestone] = []

    def keep(day: dt.date) -> bool:
        return start <= day <= end

    for slug, records in track_events.items():
        for _, ev in records:
            day, kind = dt.date.fromisoformat(ev["date"]), ev["type"]
            if not keep(day):
                continue
            if kind == OPENED:
                out.append(Milestone(day, "opened", "Talks opened", f"Talks opened: {ev.get('title') or slug}", slug))
            elif kind == ROUND_HELD:
                where = f" in {ev['venue']}" if ev.get("venue") else ""
                out.append(Milestone(day, "round", f"Round {ev['round']}", f"Round {ev['round']} held{where}", slug))
            elif kind == AGREEMENT_REACHED:
                out.append(Milestone(day, "agreement", _short(ev["title"], 60),
                                     f"Agreement reached: {ev['title']}", slug))
            elif kind == CONCLUDED:
                out.append(Milestone(day, "concluded", "Talks concluded", f"Talks concluded: {ev['outcome']}", slug))
    for records in summit_events.values():
        schedule = next((ev for _, ev in reversed(records) if ev["type"] == SUMMIT_SCHEDULED), None)
        if schedule is None or not set(schedule.get("tracks") or ()) & set(track_events):
            continue
        held = next((ev for _, ev in records if ev["type"] == SUMMIT_HELD), None)
        day = dt.date.fromisoformat(held["date"] if held is not None else schedule["starts_on"])
        if keep(day):
            state = "held" if held is not None else "scheduled"
            out.append(Milestone(day, "summit", _short(schedule["name"], 60) + ("" if held else " (planned)"),
                                 f"{schedule['name']} {state}" + (f" in {schedule['venue']}"
                                                                  if schedule.get("venue") else ""),
                                 None))
    kinds = ("opened", "round", "summit", "agreement", "concluded")
    return sorted(out, key=lambda m: (m.day, kinds.index(m.kind), m.label))


def series_json(series: RateSeries) -> dict[str, Any]:
    """The series as plain JSON: steps with their components, and the milestones."""
    return {
        "partner": series.partner,
        "product": series.product,
        "imposer": series.imposer,
        "from": series.start.isoformat(),
        "to": series.end.isoformat(),
        "known_at": series.known_at,
        "steps": [
            {
                "from": s.start.isoformat(),
                "to": (s.end - dt.timedelta(days=1)).isoformat(),
                "imposer": s.imposer,
                "rate": number(s.rate),
                "components": [
                    {"measure": p.measure, "basis": p.basis, "rate": number(p.rate),
                     "listed_rate": number(p.listed_rate), "reduced_by": list(p.reduced_by)}
                    for p in s.parts
                ],
            }
            for s in series.steps
        ],
        "milestones": [
            {"date": m.day.isoformat(), "kind": m.kind, "label": m.label, "detail": m.detail, "track": m.track}
            for m in series.milestones
        ],
    }
