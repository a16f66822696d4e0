"""Reading the read models: as-of answers as indexed queries, and the replay input for ``--known-at``.

``measures_as_of(conn, 2025-06-01)`` reads only the interval rows with
``valid_from <= 2025-06-01 < valid_to`` — one per measure announced by then —
whatever the length of the history behind them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from events.codes import ALL
from projections.readmodel.tables import (
    ledger_index,
    ledger_meta,
    measure_intervals,
    measure_scope,
    summit_tracks,
    track_pairs,
    track_parties,
)
from projections.views import MeasureView, Terms

if TYPE_CHECKING:
    from projections.negotiations import NegotiationView
    from projections.recorded import Recorded

# Measures are answered from dataclasses rebuilt from rows; only negotiations and replays
# decode events, so those imports (pydantic models) are made where they are needed.


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def view_from_json(data: dict[str, Any]) -> MeasureView:
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


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()  # type: ignore[no-any-return]


def _prefixes(product: str) -> list[str]:
    """Every HS prefix (2+ digits) that could name ``product``, and ``*``."""
    return [ALL] + [product[:n] for n in range(2, len(product) + 1)]


def measures_as_of(
    conn: Connection,
    day: dt.date,
    imposer: str | None = None,
    partner: str | None = None,
    product: str | None = None,
) -> list[MeasureView]:
    """Measures announced by ``day`` as they stood then; ``partner``/``product`` keep only those whose
    partners/products (in any version) could name it — the caller applies the exact rule."""
    iso = day.isoformat()
    mi, ms = measure_intervals.c, measure_scope.c
    query = select(mi.view).where(mi.valid_from <= iso, mi.valid_to > iso)
    if imposer is not None:
        query = query.where(mi.imposer == imposer)
    for axis, values in (("p", [ALL, partner] if partner else None), ("h", _prefixes(product) if product else None)):
        if values is not None:
            candidates = select(ms.measure).where(ms.axis == axis, ms.value.in_(values))
            if imposer is not None:
                candidates = candidates.where(ms.imposer == imposer)
            query = query.where(mi.measure.in_(candidates))
    views = [view_from_json(json.loads(v)) for (v,) in conn.execute(query)]
    return sorted(views, key=lambda v: (v.imposer, v.measure))


def negotiations_as_of(
    conn: Connection, day: dt.date, imposer: str | None = None, partner: str | None = None
) -> list[NegotiationView]:
    from projections.negotiations import negotiation_on
    from projections.readmodel.writer import load_subjects, subject_records
    from projections.state import keep_negotiation

    iso = day.isoformat()
    if imposer is not None and partner is not None and imposer != partner:
        tq = track_pairs.c
        query = select(tq.track).where(tq.party == imposer, tq.other == partner, tq.opened_on <= iso)
    else:
        tp = track_parties.c
        query = select(tp.track).where(tp.opened_on <= iso).distinct()
        if imposer or partner:
            query = query.where(tp.party == (imposer or partner))
    tracks = sorted(set(conn.execute(query).scalars()))
    out = []
    for slug in tracks:
        linked = conn.execute(select(summit_tracks.c.summit).where(summit_tracks.c.track == slug)).scalars().all()
        summits = load_subjects(conn, "summit", list(linked))
        view = negotiation_on(subject_records(conn, "track", slug), summits, day)
        if view is not None and keep_negotiation(view.parties, imposer, partner):
            out.append(view)
    return out


def records(conn: Connection, known_at: str | None = None) -> Iterator[Recorded]:
    """Every stored event as recorded (no corrections applied), in record order, up to ``known_at``."""
    from projections.readmodel.writer import record_from_row

    query = select(ledger_index).order_by(ledger_index.c.position)
    if known_at is not None:
        query = query.where(ledger_index.c.recorded_at <= known_at)
    for row in conn.execution_options(yield_per=2000).execute(query):
        yield record_from_row(row, "payload")


def history_rows(
    conn: Connection,
    kind: str | None = None,
    slug: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Any]:
    c = ledger_index.c
    query = select(ledger_index).order_by(c.position)
    if kind is not None:
        query = query.where(c.subject_kind == kind, c.subject == slug)
    if since is not None:
        query = query.where(c.date >= since.isoformat())
    if until is not None:
        query = query.where(c.date <= until.isoformat())
    return list(conn.execute(query).all())


def corrections_by_target(conn: Connection, event_ids: list[str]) -> dict[str, list[int]]:
    """Positions of the corrections (and retractions) of each of ``event_ids``."""
    out: dict[str, list[int]] = {}
    c = ledger_index.c
    for i in range(0, len(event_ids), 500):
        query = select(c.target, c.position).where(c.target.in_(event_ids[i : i + 500])).order_by(c.position)
        for target, position in conn.execute(query):
            out.setdefault(target, []).append(position)
    return out
