"""The answers to read questions, written once over two sources of the same facts.

A question (``state``, ``rate``, a rate series, ``diff``) is asked of a
:class:`Source`: the read models (:class:`ReadModel`, indexed queries, the default)
or a replay of the log cut at a record time (:class:`Replay`, for ``--known-at``).
Both hand the same pure folds the same kind of values, so every answer is the
same function on either path — the property tests hold the two paths equal.

The audit trail, the timeline, the chain head and export, which read the index or the
log directly, are :mod:`ledger.trail`.

The read models are read through a DB-API connection (``ledger.storage.Reader``) with the
SQL text of :mod:`projections.readmodel.reads`: nothing on this path imports SQLAlchemy or
``eventsourcing`` (``tests/cli/test_read_imports.py``). Only the replay (``--known-at``) loads
them, inside the functions that need them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from ledger.errors import BadInput, InputError
from projections.rates import RateAnswer, pick_imposer, rate_from_views, select_measures
from projections.readmodel import reads
from projections.readmodel.reads import Db
from projections.results import Rate, ScheduleList, ScheduleShow, State
from projections.schedules import LineView, ScheduleHead, ScheduleMatch, covers_partner, in_force, matches, prefixes
from projections.views import MeasureView


class Source(Protocol):
    """What the answers need from the ledger, on either path."""

    def measures(self, day: dt.date, imposer: str | None = None, partner: str | None = None,
                 product: str | None = None) -> list[MeasureView]:
        """Measures on ``day``; at least those of ``imposer`` that could name the partner / product."""

    def negotiations(self, day: dt.date, imposer: str | None, partner: str | None,
                     limit: int | None = None) -> list[Any]:
        """Negotiations on ``day`` between the countries given, by track (the first ``limit``, if given)."""

    def negotiation_count(self, day: dt.date, imposer: str | None, partner: str | None) -> int:
        """How many :meth:`negotiations` gives without a limit."""

    def change_days(self, imposer: str | None, partner: str, product: str, start: dt.date,
                    end: dt.date) -> list[dt.date]:
        """Days in ``(start, end]`` on which a measure that could name the pair changes."""

    def negotiation_events(self, imposer: str | None, partner: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Live events of the tracks between the countries, and of the summits (at least those naming them)."""

    def schedule_heads(self, imposer: str | None = None, slug: str | None = None) -> list[ScheduleHead]:
        """The heads of the schedules (of ``imposer``, or the one ``slug``), whatever their dates."""

    def schedule_lines(self, slugs: list[str], day: dt.date, products: list[str] | None = None,
                       under: str | None = None) -> dict[str, list[LineView]]:
        """Lines of these schedules on ``day`` (with a prefix in ``products``, or under the code ``under``,
        if given), by schedule."""

    def schedule_line_counts(self, slugs: list[str], day: dt.date) -> dict[str, int]:
        """How many lines each schedule holds on ``day``."""


class ReadModel:
    """The read models: each question is a few indexed reads."""

    def __init__(self, conn: Db):
        self.conn = conn

    def measures(self, day: dt.date, imposer: str | None = None, partner: str | None = None,
                 product: str | None = None) -> list[MeasureView]:
        return reads.measures_as_of(self.conn, day, imposer, partner, product)

    def negotiations(self, day: dt.date, imposer: str | None, partner: str | None,
                     limit: int | None = None) -> list[Any]:
        return reads.negotiations_as_of(self.conn, day, imposer, partner, limit)

    def negotiation_count(self, day: dt.date, imposer: str | None, partner: str | None) -> int:
        return reads.negotiation_count(self.conn, day, imposer, partner)

    def change_days(self, imposer: str | None, partner: str, product: str, start: dt.date,
                    end: dt.date) -> list[dt.date]:
        return sorted({*reads.interval_starts(self.conn, imposer, partner, product, start, end),
                       *reads.schedule_change_days(self.conn, imposer, product, start, end)})

    def negotiation_events(self, imposer: str | None, partner: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        return reads.negotiation_events(self.conn, imposer, partner)

    def schedule_heads(self, imposer: str | None = None, slug: str | None = None) -> list[ScheduleHead]:
        return reads.schedule_heads_of(self.conn, imposer, slug)

    def schedule_lines(self, slugs: list[str], day: dt.date, products: list[str] | None = None,
                       under: str | None = None) -> dict[str, list[LineView]]:
        return reads.schedule_lines_on(self.conn, slugs, day, products, under)

    def schedule_line_counts(self, slugs: list[str], day: dt.date) -> dict[str, int]:
        return reads.schedule_line_counts(self.conn, slugs, day)


class Replay:
    """The log replayed (corrections applied) as it stood at a record time."""

    def __init__(self, records: Iterable[Any]):
        from projections.recorded import effective_events
        from projections.state import by_subject, of_kind

        groups = by_subject(effective_events(records))
        self.measure_events = of_kind(groups, "measure")
        self.track_events = of_kind(groups, "track")
        self.summit_events = of_kind(groups, "summit")
        self.schedule_events = of_kind(groups, "schedule")
        self._schedules: dict[str, tuple[ScheduleHead, dict[str, Any]]] | None = None
        self._negotiations: tuple[dict[str, Any], dict[str, Any]] | None = None

    def _plain_negotiations(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The tracks' and summits' events as the negotiation fold reads them (their JSON), once per replay."""
        if self._negotiations is None:
            from projections.negotiations import entries

            self._negotiations = ({slug: entries(evs) for slug, evs in self.track_events.items()},
                                  {slug: entries(evs) for slug, evs in self.summit_events.items()})
        return self._negotiations

    def _folded_schedules(self) -> dict[str, tuple[ScheduleHead, dict[str, Any]]]:
        """Each schedule's head and line intervals, folded once per replay."""
        if self._schedules is None:
            from projections.schedules import line_intervals, schedule_head

            self._schedules = {}
            for slug, evs in self.schedule_events.items():
                head = schedule_head(evs)
                if head is not None:
                    self._schedules[slug] = (head, line_intervals(evs))
        return self._schedules

    def schedule_heads(self, imposer: str | None = None, slug: str | None = None) -> list[ScheduleHead]:
        return [h for h, _ in self._folded_schedules().values()
                if (imposer is None or h.imposer == imposer) and (slug is None or h.schedule == slug)]

    def schedule_lines(self, slugs: list[str], day: dt.date, products: list[str] | None = None,
                       under: str | None = None) -> dict[str, list[LineView]]:
        from projections.schedules import lines_on

        folded, wanted = self._folded_schedules(), None if products is None else set(products)
        out = {}
        for slug in slugs:
            if slug in folded:
                lines = lines_on(folded[slug][1], day)
                out[slug] = sorted((ln for ln in lines if wanted is None or ln.product in wanted
                                    or (under is not None and ln.product.startswith(under))),
                                   key=lambda ln: ln.product)
        return out

    def schedule_line_counts(self, slugs: list[str], day: dt.date) -> dict[str, int]:
        return {slug: len(lines) for slug, lines in self.schedule_lines(slugs, day).items() if lines}

    def measures(self, day: dt.date, imposer: str | None = None, partner: str | None = None,
                 product: str | None = None) -> list[MeasureView]:
        from projections.state import measures_on

        return measures_on(self.measure_events, day)

    def negotiations(self, day: dt.date, imposer: str | None, partner: str | None,
                     limit: int | None = None) -> list[Any]:
        from projections.negotiations import negotiations_on

        return negotiations_on(*self._plain_negotiations(), day, imposer, partner, limit)

    def negotiation_count(self, day: dt.date, imposer: str | None, partner: str | None) -> int:
        return len(self.negotiations(day, imposer, partner))  # the reference: every track folded

    def change_days(self, imposer: str | None, partner: str, product: str, start: dt.date,
                    end: dt.date) -> list[dt.date]:
        from projections.measures import measure_timeline

        days = {iv.valid_from for evs in self.measure_events.values() for iv in measure_timeline(evs)
                if (imposer is None or iv.view.imposer == imposer) and start < iv.valid_from <= end}
        for head, intervals in self._folded_schedules().values():
            if imposer is not None and head.imposer != imposer:
                continue
            days.add(head.effective_on)
            for prefix in prefixes(product):
                for iv in intervals.get(prefix, ()):
                    days.update(d for d in (iv.valid_from, iv.valid_to) if d is not None)
        return sorted(d for d in days if start < d <= end)

    def negotiation_events(self, imposer: str | None, partner: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        from projections.negotiations import OPENED
        from projections.parties import parties_between

        def between(events: list[Any]) -> bool:
            opened = next((ev for _, ev in events if ev["type"] == OPENED), None)
            return opened is not None and parties_between(opened["parties"], imposer, partner)

        tracks, summits = self._plain_negotiations()
        return {slug: evs for slug, evs in tracks.items() if between(evs)}, summits


class AmbiguousImposer(BadInput):
    """The question needs an imposer: several governments tax this pair."""

    def __init__(self, candidates: list[str]):
        super().__init__([InputError(None, "imposer", f"several imposers have measures naming this pair "
                                                       f"({', '.join(candidates)}): choose one with --imposer")])


def state(src: Source, as_of: dt.date, known_at: str | None, imposer: str | None, partner: str | None) -> State:
    return state_head(src, as_of, known_at, imposer, partner, None)[0]


def state_head(src: Source, as_of: dt.date, known_at: str | None, imposer: str | None, partner: str | None,
               rows: int | None) -> tuple[State, dict[str, int]]:
    """The state with its first ``rows`` measures and negotiations (all when None), and how many of each the
    whole state holds: what a page shows of a state as long as the ledger, without folding every track."""
    measures = select_measures(src.measures(as_of, imposer, partner), imposer, partner)
    schedules = schedules_in_force(src, as_of, imposer, partner).schedules
    negotiations = src.negotiations(as_of, imposer, partner, rows)
    total = {"measures": len(measures), "negotiations": len(negotiations) if rows is None
             else src.negotiation_count(as_of, imposer, partner)}
    return State(as_of, known_at, tuple(measures[:rows]), tuple(negotiations),
                 tuple((h, n or 0) for h, n, _ in schedules)), total


def schedule_matches(src: Source, day: dt.date, imposer: str, partner: str, product: str) -> list[ScheduleMatch]:
    """The lines of the imposer's schedules in force on ``day`` that the pair falls under (longest prefix)."""
    heads = src.schedule_heads(imposer)
    chosen = [h.schedule for h in in_force(heads, day, imposer) if covers_partner(h, partner)]
    lines = src.schedule_lines(chosen, day, prefixes(product), under=product) if chosen else {}
    return matches(heads, lines, day, imposer, partner, product)[0]


def stack(src: Source, day: dt.date, partner: str, product: str,
          imposer: str | None) -> tuple[str | None, RateAnswer]:
    """The imposer and the stacked rate on ``day`` (schedules included); several candidate imposers are bad input."""
    views = src.measures(day, imposer, partner, product)
    found: dict[str, list[ScheduleMatch]] = {}
    if imposer is None:  # an imposer whose schedule has a line for the product names the pair too
        for candidate in sorted({h.imposer for h in in_force(src.schedule_heads(None), day)}):
            found[candidate] = schedule_matches(src, day, candidate, partner, product)
    try:
        chosen = pick_imposer(views, partner, product, imposer, [i for i, lines in found.items() if lines])
    except LookupError as exc:
        raise AmbiguousImposer(exc.args[0]) from None
    if chosen is None:
        return rate_from_views(views, partner, product, chosen, [], day)
    lines = found[chosen] if chosen in found else schedule_matches(src, day, chosen, partner, product)
    return rate_from_views(views, partner, product, chosen, lines, day)


def schedules_in_force(src: Source, day: dt.date, imposer: str | None, partner: str | None) -> ScheduleList:
    """The schedules in force on ``day`` (of ``imposer``, covering ``partner``), one row each with its line count."""
    heads = [h for h in in_force(src.schedule_heads(imposer), day, imposer)
             if partner is None or covers_partner(h, partner)]
    counts = src.schedule_line_counts([h.schedule for h in heads], day)
    return ScheduleList(day, tuple((h, counts.get(h.schedule, 0), True) for h in heads))


def schedule_list(src: Source, day: dt.date | None, imposer: str | None) -> ScheduleList:
    """Every schedule recorded (of ``imposer``); with ``day``, whether it is in force then and its lines."""
    heads = sorted(src.schedule_heads(imposer), key=lambda h: (h.imposer, h.basis, h.effective_on, h.position))
    if day is None:
        return ScheduleList(None, tuple((h, None, None) for h in heads))
    current = {h.schedule for h in in_force(heads, day, imposer)}
    counts = src.schedule_line_counts([h.schedule for h in heads], day)
    return ScheduleList(day, tuple((h, counts.get(h.schedule, 0), h.schedule in current) for h in heads))


def schedule_show(src: Source, slug: str, day: dt.date | None, product: str | None) -> ScheduleShow:
    """One schedule's lines on ``day`` (default: its effective date), those under ``product`` if given."""
    found = src.schedule_heads(slug=slug)
    if not found:
        raise BadInput([InputError(None, "schedule", f"no schedule {slug!r} in the ledger")])
    head = found[0]
    when = day or head.effective_on
    lines = src.schedule_lines([slug], when).get(slug, [])
    if product is not None:
        lines = [ln for ln in lines if ln.product.startswith(product) or product.startswith(ln.product)]
    current = {h.schedule for h in in_force(src.schedule_heads(head.imposer), when, head.imposer)}
    return ScheduleShow(head, when, slug in current, tuple(lines))


def rate(src: Source, partner: str, product: str, as_of: dt.date, imposer: str | None,
         known_at: str | None) -> Rate:
    chosen, answer = stack(src, as_of, partner, product, imposer)
    return Rate.of(chosen, partner, product, as_of, known_at, answer)


def rate_series(src: Source, partner: str, product: str, start: dt.date, end: dt.date, imposer: str | None,
                known_at: str | None) -> Any:
    """The rate on every day in ``[start, end]`` it can change, as steps, with the negotiation milestones."""
    from projections.series import RateSeries, change_days, milestones, only_imposer, rate_steps

    days = change_days(src.change_days(imposer, partner, product, start, end), start, end)
    steps = rate_steps([(day, *stack(src, day, partner, product, imposer)) for day in days], end)
    named = imposer or only_imposer(steps)
    tracks, summits = src.negotiation_events(named, partner)
    return RateSeries(partner, product, named, start, end, known_at, steps, milestones(tracks, summits, start, end))
