"""The answers the ledger gives, as typed, frozen values: what ``Ledger`` methods return.

Each result knows its JSON (``to_json()``, exactly the shapes of docs/spec.md §5.4,
which the CLI prints with ``--format json``) and its rows (``rows()``, flat dicts
for a table, a CSV file or ``pandas.DataFrame(result.rows())``). A notebook gets
attributes and type hints::

    state = ledger.state(dt.date(2025, 6, 1), partner="JP")
    state.measures[0].terms.rate          # Decimal('25')
    state.negotiations[0].last_round.date # datetime.date(2025, 5, 30)
    state.to_json()["measures"][0]["rate"]  # 25

Pure values: no I/O here, and no event models (the read path stays light).

The answers about dates are here (``state``, ``rate``, the schedules); the others live beside the code
that makes them: :class:`~projections.diff.Diff`, :class:`~projections.audit.History` and
:class:`~projections.integrity.Digest` / :class:`~projections.integrity.Verification`. A cold command
builds only the classes of its answer (each frozen dataclass costs ~1 ms to make; docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from events.codes import number
from projections.rates import Component, Exclusion, RateAnswer
from projections.schedules import LineView, ScheduleHead
from projections.shapes import head_json, line_view_json, measure_json, negotiation_json
from projections.views import MeasureView

if TYPE_CHECKING:
    from projections.negotiations import NegotiationView

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class State:
    """Measures and negotiations on ``as_of``, using what was recorded by ``known_at`` (None: everything)."""

    as_of: dt.date
    known_at: str | None
    measures: tuple[MeasureView, ...]
    negotiations: tuple[NegotiationView, ...]
    #: The schedules in force (one per imposer and basis), each with its number of lines on ``as_of``.
    schedules: tuple[tuple[ScheduleHead, int], ...] = ()

    def to_json(self) -> Json:
        return {
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at,
            "measures": [measure_json(v) for v in self.measures],
            "negotiations": [negotiation_json(v) for v in self.negotiations],
            "schedules": self.schedule_rows(),
        }

    def schedule_rows(self) -> list[Json]:
        """One row per schedule in force, never its lines."""
        return [schedule_json(h, n) for h, n in self.schedules]

    def rows(self) -> list[Json]:
        """One row per measure (the negotiations are :meth:`negotiation_rows`)."""
        return [measure_json(v) for v in self.measures]

    def negotiation_rows(self) -> list[Json]:
        return [negotiation_json(v) for v in self.negotiations]


@dataclass(frozen=True, slots=True)
class Rate:
    """The stacked rate of ``partner``'s ``product`` under ``imposer`` on ``as_of``, and why.

    ``components`` (what each measure adds) sum to ``rate``; ``excluded`` names the measures
    that name the pair but do not count, with the reason. ``imposer`` is None when no
    measure of any imposer names the pair.
    """

    imposer: str | None
    partner: str
    product: str
    as_of: dt.date
    known_at: str | None
    rate: Decimal
    components: tuple[Component, ...]
    excluded: tuple[Exclusion, ...]
    #: What the rate could not count (docs/spec.md §4.4); empty when the answer is complete.
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, imposer: str | None, partner: str, product: str, as_of: dt.date, known_at: str | None,
           answer: RateAnswer) -> Rate:
        """The result for the stacking rule's ``answer`` (``projections.rates``)."""
        return cls(imposer, partner, product, as_of, known_at, answer.rate, tuple(answer.components),
                   tuple(answer.excluded), tuple(answer.warnings))

    def to_json(self) -> Json:
        return {
            "imposer": self.imposer,
            "partner": self.partner,
            "product": self.product,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at,
            "rate": number(self.rate),
            "components": [component_json(c) for c in self.components],
            "excluded": [{"measure": e.measure, "basis": e.basis, "reason": e.reason} for e in self.excluded],
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[Json]:
        """Applied components, then excluded measures, each with a ``status``."""
        data = self.to_json()
        return [{**c, "status": "applied"} for c in data["components"]] + [
            {**e, "status": "excluded"} for e in data["excluded"]]


def component_json(c: Component) -> Json:
    out: Json = {"measure": c.measure, "basis": c.basis, "rate": number(c.rate), "listed_rate": number(c.listed_rate),
                 "reduced_by": list(c.reduced_by)}
    if c.line is not None:  # a schedule's line: the prefix matched and the duty as printed
        out.update(line=c.line, text=c.text)
    return out


def schedule_json(head: ScheduleHead, lines: int | None, in_force: bool | None = None) -> Json:
    """A schedule as one row: its head, its number of lines on the date asked (and whether it is in force)."""
    out = head_json(head)
    out.pop("position")
    out["lines"] = lines
    if in_force is not None:
        out["in_force"] = in_force
    return out


@dataclass(frozen=True, slots=True)
class ScheduleList:
    """Schedules with, on ``as_of`` (when given), their number of lines and whether each is in force."""

    as_of: dt.date | None
    schedules: tuple[tuple[ScheduleHead, int | None, bool | None], ...]

    def to_json(self) -> list[Json]:
        return self.rows()

    def rows(self) -> list[Json]:
        return [schedule_json(h, n, f) for h, n, f in self.schedules]


@dataclass(frozen=True, slots=True)
class ScheduleShow:
    """One schedule's lines on ``as_of``."""

    head: ScheduleHead
    as_of: dt.date
    in_force: bool
    lines: tuple[LineView, ...]

    def to_json(self) -> Json:
        return {**schedule_json(self.head, len(self.lines), self.in_force), "as_of": self.as_of.isoformat(),
                "lines": [line_view_json(ln) for ln in self.lines]}

    def rows(self) -> list[Json]:
        return [{**line_view_json(ln), "preferential": "; ".join(f"{p} {t}" for p, t in ln.preferential)}
                for ln in self.lines]


def sequence_json(items: Sequence[Any]) -> list[Any]:
    """A sequence of results as a JSON list (each item's ``to_json()``)."""
    return [item.to_json() for item in items]
