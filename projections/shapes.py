"""Views → the JSON shapes of docs/spec.md §5.4 (plain dicts), shared by the replay and the read-model paths."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from events.codes import number
from projections.rates import RateAnswer
from projections.views import MeasureView

if TYPE_CHECKING:  # the read path for rates never loads the event models
    from projections.negotiations import NegotiationView


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def measure_json(view: MeasureView) -> dict[str, Any]:
    t = view.terms
    return {
        "measure": view.measure,
        "imposer": view.imposer,
        "status": view.status,
        "rate": number(t.rate),
        "partners": list(t.partners),
        "products": list(t.products),
        "basis": view.basis,
        "effective_on": _iso(view.effective_on),
        "except_partners": list(t.except_partners),
        "except_products": list(t.except_products),
        "not_with": list(t.not_with),
        "inclusive_of": list(t.inclusive_of),
        "title": view.title,
        "announced_on": _iso(view.announced_on),
        "suspended_until": _iso(view.suspended_until),
    }


def negotiation_json(view: NegotiationView) -> dict[str, Any]:
    return {
        "track": view.track,
        "title": view.title,
        "parties": list(view.parties),
        "status": view.status,
        "opened_on": _iso(view.opened_on),
        "rounds_held": view.rounds_held,
        "last_round": view.last_round,
        "next_round": view.next_round,
        "proposals": view.proposals,
        "summits": view.summits,
        "agreements": view.agreements,
        "statements": view.statements,
        "leads": view.leads,
    }


def state_json(
    as_of: dt.date, known_at: str | None, measures: list[MeasureView], negotiations: list[NegotiationView]
) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "known_at": known_at,
        "measures": [measure_json(v) for v in measures],
        "negotiations": [negotiation_json(v) for v in negotiations],
    }


def rate_json(
    imposer: str | None, partner: str, product: str, as_of: dt.date, known_at: str | None, answer: RateAnswer
) -> dict[str, Any]:
    return {
        "imposer": imposer,
        "partner": partner,
        "product": product,
        "as_of": as_of.isoformat(),
        "known_at": known_at,
        "rate": number(answer.rate),
        "components": [
            {"measure": c.measure, "basis": c.basis, "rate": number(c.rate), "listed_rate": number(c.listed_rate),
             "reduced_by": list(c.reduced_by)}
            for c in answer.components
        ],
        "excluded": [{"measure": e.measure, "basis": e.basis, "reason": e.reason} for e in answer.excluded],
    }
