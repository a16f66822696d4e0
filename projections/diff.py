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


def _changes(
    key: str, fields: tuple[str, ...], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> tuple[Change, ...]:
    old = {item[key]: item for item in before}
    new = {item[key]: item for item in after}
    out: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None:
            assert b is not None
            out.append(Change(key, name, "appeared", fields, None, {f: b[f] for f in fields}))
        elif b is None:
            out.append(Change(key, name, "disappeared", fields, {f: a[f] for f in fields}, None))
        else:
            changed = tuple(f for f in fields if a[f] != b[f])
            if changed:
                out.append(Change(key, name, "changed", changed, {f: a[f] for f in changed},
                                  {f: b[f] for f in changed}))
    return tuple(out)


def diff_states(before: State, after: State) -> Diff:
    a, b = before.to_json(), after.to_json()
    return Diff(
        start=before.as_of,
        end=after.as_of,
        known_at=after.known_at,
        measures=_changes("measure", MEASURE_FIELDS, a["measures"], b["measures"]),
        negotiations=_changes("track", NEGOTIATION_FIELDS, a["negotiations"], b["negotiations"]),
    )
