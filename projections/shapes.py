"""Views ↔ their JSON (docs/spec.md §5.4): one measure or negotiation as the answers and the read models hold it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from events.codes import number
from projections.views import MeasureView, Terms

if TYPE_CHECKING:  # the read path for rates never loads the event models
    from projections.negotiations import NegotiationView, ProposalStatus


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


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def view_from_json(data: dict[str, Any]) -> MeasureView:
    """The inverse of :func:`measure_json`: a read-model row back into the view it was written from."""
    return MeasureView(
        measure=data["measure"],
        imposer=data["imposer"],
        basis=data["basis"],
        title=data.get("title"),
        status=data["status"],
        terms=Terms(
            rate=Decimal(str(data["rate"])),
            partners=tuple(data["partners"]),
            except_partners=tuple(data["except_partners"]),
            products=tuple(data["products"]),
            except_products=tuple(data["except_products"]),
            not_with=tuple(data["not_with"]),
            inclusive_of=tuple(data["inclusive_of"]),
        ),
        announced_on=dt.date.fromisoformat(data["announced_on"]),
        effective_on=_date(data.get("effective_on")),
        suspended_until=_date(data.get("suspended_until")),
    )


def negotiation_json(view: NegotiationView) -> dict[str, Any]:
    last, nxt = view.last_round, view.next_round
    return {
        "track": view.track,
        "title": view.title,
        "parties": list(view.parties),
        "status": view.status,
        "opened_on": _iso(view.opened_on),
        "rounds_held": view.rounds_held,
        "last_round": {"round": last.round, "date": _iso(last.date), "venue": last.venue} if last else None,
        "next_round": {"round": nxt.round, "starts_on": _iso(nxt.starts_on), "venue": nxt.venue} if nxt else None,
        "proposals": [_proposal(p) for p in view.proposals],
        "summits": [{"summit": s.summit, "name": s.name, "starts_on": _iso(s.starts_on), "ends_on": _iso(s.ends_on),
                     "venue": s.venue, "status": s.status} for s in view.summits],
        "agreements": [{"title": a.title, "date": _iso(a.date), "terms": list(a.terms), "measures": list(a.measures)}
                       for a in view.agreements],
        "statements": view.statements,
        "leads": {k: list(v) for k, v in view.leads.items()},
    }


def _proposal(p: ProposalStatus) -> dict[str, Any]:
    out: dict[str, Any] = {"proposal": p.proposal, "by": p.by, "status": p.status,
                           "submitted_on": _iso(p.submitted_on), "items": list(p.items)}
    if p.answered_by is not None:  # keys only once answered, as the JSON always had them
        out.update(answered_by=p.answered_by, answered_on=_iso(p.answered_on))
    return out
