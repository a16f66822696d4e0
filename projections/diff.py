"""What changed between two states: measures that appeared, changed status, rate or terms; negotiation moves.

Compares the JSON of two :class:`~projections.results.State` values, so the
replay and the read-model paths diff alike::

    diff_states(state(2025-04-01), state(2025-07-01)).measures[0]
    -> Change(key="measure", subject="us-reciprocal-jp", change="appeared",
              after={"status": "suspended", ...})
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from projections.results import State


MEASURE_FIELDS = ("status", "rate", "partners", "except_partners", "products", "except_products",
                  "not_with", "inclusive_of", "effective_on")
NEGOTIATION_FIELDS = ("status", "rounds_held", "last_round", "next_round", "proposals", "summits", "agreements")


@dataclass(frozen=True, slots=True)
class Change:
    """One measure or negotiation that appeared, disappeared or changed between two dates.

    ``before``/``after`` hold the JSON values of the fields concerned (every tracked field
    for an appearance or disappearance, the changed ones otherwise).
    """

    key: str  # "measure" or "track"
    subject: str
    change: str  # appeared | disappeared | changed
    fields: tuple[str, ...]
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.key: self.subject, "change": self.change}
        if self.change == "changed":
            out["fields"] = list(self.fields)
        if self.before is not None:
            out["from"] = dict(self.before)
        if self.after is not None:
            out["to"] = dict(self.after)
        return out


@dataclass(frozen=True, slots=True)
class Diff:
    start: dt.date
    end: dt.date
    known_at: str | None
    measures: tuple[Change, ...]
    negotiations: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "known_at": self.known_at,
            "measures": [c.to_json() for c in self.measures],
            "negotiations": [c.to_json() for c in self.negotiations],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in (*self.measures, *self.negotiations)]


@dataclass(frozen=True, slots=True)
class Side:
    """One state as the diff compares it: the tracked fields of each measure and negotiation, as JSON text by
    subject.

    Text, so that one state can be let go before the other is computed: the unfiltered state of a
    1M-event ledger is ~230 MB of objects, its tracked fields ~35 MB of text, and a diff held both
    states and both JSONs (631 MB peak RSS, docs/performance.md). Equal text is equal values; texts
    that differ are decoded and compared field by field.
    """

    as_of: dt.date
    known_at: str | None
    measures: dict[str, str]
    negotiations: dict[str, str]


def side(state: State) -> Side:
    from projections.shapes import measure_json, negotiation_json

    def tracked(item: dict[str, Any], fields: tuple[str, ...]) -> str:
        # A str, not orjson's bytes: orjson writes into a 4 kB buffer and shrinks it in place, so each bytes
        # kept holds ~4 kB (75,000 of them: 294 MB, against 18 MB as str).
        return orjson.dumps({f: item[f] for f in fields}).decode()

    return Side(state.as_of, state.known_at,
                {m.measure: tracked(measure_json(m), MEASURE_FIELDS) for m in state.measures},
                {n.track: tracked(negotiation_json(n), NEGOTIATION_FIELDS) for n in state.negotiations})


def _changes(key: str, fields: tuple[str, ...], before: Mapping[str, str],
             after: Mapping[str, str]) -> tuple[Change, ...]:
    out: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        a_text, b_text = before.get(name), after.get(name)
        if a_text == b_text:
            continue
        a = orjson.loads(a_text) if a_text is not None else None
        b = orjson.loads(b_text) if b_text is not None else None
        if a is None:
            out.append(Change(key, name, "appeared", fields, None, b))
        elif b is None:
            out.append(Change(key, name, "disappeared", fields, a, None))
        else:
            changed = tuple(f for f in fields if a[f] != b[f])
            if changed:
                out.append(Change(key, name, "changed", changed, {f: a[f] for f in changed},
                                  {f: b[f] for f in changed}))
    return tuple(out)


def diff_sides(before: Side, after: Side) -> Diff:
    return Diff(
        start=before.as_of,
        end=after.as_of,
        known_at=after.known_at,
        measures=_changes("measure", MEASURE_FIELDS, before.measures, after.measures),
        negotiations=_changes("track", NEGOTIATION_FIELDS, before.negotiations, after.negotiations),
    )


def diff_states(before: State, after: State) -> Diff:
    return diff_sides(side(before), side(after))
