"""Views ↔ their JSON (docs/spec.md §5.4): one measure or negotiation as the answers and the read models hold it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from events.codes import number
from projections.schedules import LineView, ScheduleHead
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


def head_json(head: ScheduleHead) -> dict[str, Any]:
    """A schedule's head as ``schedule list`` and the ``schedule_heads`` rows give it."""
    return {"schedule": head.schedule, "imposer": head.imposer, "basis": head.basis,
            "partners": list(head.partners), "except_partners": list(head.except_partners),
            "effective_on": head.effective_on.isoformat(), "title": head.title, "revision": head.revision,
            "position": head.position}


def head_from_json(data: dict[str, Any]) -> ScheduleHead:
    """The inverse of :func:`head_json`."""
    return ScheduleHead(data["schedule"], data["imposer"], data["basis"], tuple(data["partners"]),
                        tuple(data["except_partners"]), dt.date.fromisoformat(data["effective_on"]),
                        int(data["position"]), data.get("title"), data.get("revision"))


def line_json(line: LineView) -> dict[str, Any]:
    """A schedule line's columns of ``schedule_lines``: strings and integers only, equal on every database.

    >>> line_json(LineView("870421", Decimal("25.0"), "25%", False, (("KR", "Free"),)))
    {'rate': '25', 'text': '25%', 'specific': 0, 'preferential': '[["KR","Free"]]'}
    """
    return {"rate": None if line.rate is None else format(line.rate.normalize(), "f"), "text": line.text,
            "specific": int(line.specific),
            "preferential": orjson.dumps([list(p) for p in line.preferential]).decode() if line.preferential else None}


def line_from_row(product: str, rate: str | None, text: str, specific: int, preferential: str | None) -> LineView:
    """The inverse of :func:`line_json`, with the line's product."""
    prefs = tuple((p, t) for p, t in orjson.loads(preferential)) if preferential else ()
    return LineView(product, None if rate is None else Decimal(rate), text, bool(specific), prefs)


def line_view_json(line: LineView) -> dict[str, Any]:
    """A line as answers show it: ``{"product", "rate", "text", "specific", "preferential"}``."""
    return {"product": line.product, "rate": None if line.rate is None else number(line.rate), "text": line.text,
            "specific": line.specific, "preferential": [{"program": p, "text": t} for p, t in line.preferential]}
