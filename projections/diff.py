"""What changed between two states: measures that appeared, changed status, rate or terms; negotiation moves.

Works on the JSON shapes of :mod:`projections.shapes`, so it serves both paths::

    diff_states(state(2025-04-01), state(2025-07-01))["measures"]
    -> [{"measure": "us-reciprocal-jp", "change": "appeared", "to": {"status": "suspended", ...}}, ...]
"""

from __future__ import annotations

from typing import Any

MEASURE_FIELDS = ("status", "rate", "partners", "except_partners", "products", "except_products",
                  "not_with", "inclusive_of", "effective_on")
NEGOTIATION_FIELDS = ("status", "rounds_held", "last_round", "next_round", "proposals", "summits", "agreements")


def _changes(
    key: str, fields: tuple[str, ...], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    old = {item[key]: item for item in before}
    new = {item[key]: item for item in after}
    out: list[dict[str, Any]] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None:
            out.append({key: name, "change": "appeared", "to": {f: b[f] for f in fields}})  # type: ignore[index]
        elif b is None:
            out.append({key: name, "change": "disappeared", "from": {f: a[f] for f in fields}})
        else:
            changed = [f for f in fields if a[f] != b[f]]
            if changed:
                out.append({key: name, "change": "changed", "fields": changed,
                            "from": {f: a[f] for f in changed}, "to": {f: b[f] for f in changed}})
    return out


def diff_states(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        "from": before["as_of"],
        "to": after["as_of"],
        "known_at": after.get("known_at"),
        "measures": _changes("measure", MEASURE_FIELDS, before["measures"], after["measures"]),
        "negotiations": _changes("track", NEGOTIATION_FIELDS, before["negotiations"], after["negotiations"]),
    }
