"""Read commands over the read models: history, state, rate, head; and export from the event store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, select, text

from ledger.errors import BadInput, InputError
from projections.rates import rate_from_views
from projections.readmodel import queries
from projections.readmodel.tables import ledger_chain
from projections.shapes import rate_json, state_json

PAGE = 1000


def history(conn: Connection, kind: str | None, slug: str | None,
            since: dt.date | None, until: dt.date | None) -> list[dict[str, Any]]:
    rows = queries.history_rows(conn, kind, slug, since, until)
    corrections = queries.corrections_by_target(conn, [row.event_id for row in rows])
    roles = _roles(conn, [row.position for row in rows])
    out = []
    for row in rows:
        payload = json.loads(row.payload)
        entry = {
            "position": row.position,
            "id": row.event_id,
            "type": row.type,
            "date": row.date,
            "recorded_at": row.recorded_at,
            "recorded_by": row.recorded_by,
            "recorded_by_role": roles.get(row.position),
            "source": payload.pop("source"),
        }
        for key in ("type", "date", "id", "recorded_by"):
            payload.pop(key, None)
        entry.update(payload)
        entry["subject"] = f"{row.subject_kind}:{row.subject}"
        entry["corrected_by"] = corrections.get(row.event_id, [])
        entry["status"] = "retracted" if row.current is None and row.target is None else (
            "corrected" if row.current is not None and row.current != row.payload else "recorded")
        out.append(entry)
    return out


def _roles(conn: Connection, positions: list[int]) -> dict[int, str]:
    """The database role that inserted each event, where one was recorded (PostgreSQL, or restored from it).

    Read from the log itself (``ledger_events.recorded_by_role``, stamped by the insert guard of
    ``ledger.schema``), not from a read model a writer could edit: ``recorded_by`` is the author
    an analyst declared, this is who the database says wrote the row.
    """
    from ledger.storage import LEDGER_STREAM

    stream = LEDGER_STREAM if conn.dialect.name == "postgresql" else LEDGER_STREAM.bytes
    query = text("SELECT originator_version, recorded_by_role FROM ledger_events WHERE originator_id = :stream "
                 "AND originator_version IN :positions AND recorded_by_role IS NOT NULL")
    query = query.bindparams(bindparam("positions", expanding=True))
    out: dict[int, str] = {}
    for i in range(0, len(positions), 500):
        out.update(conn.execute(query, {"stream": stream, "positions": positions[i : i + 500]}).tuples().all())
    return out


def export(app: Any) -> Iterator[bytes]:
    """Every stored event as one JSON line, in record order (as recorded: corrections are events too)."""
    from ledger.store import notifications

    for notification in notifications(app):
        yield orjson.dumps(orjson.loads(notification.state)["event"]) + b"\n"


class AmbiguousImposer(BadInput):
    """The question needs an imposer: several governments tax this pair."""

    def __init__(self, candidates: list[str]):
        super().__init__([InputError(None, "imposer", f"several imposers have measures naming this pair "
                                                       f"({', '.join(candidates)}): choose one with --imposer")])


def state(conn: Connection, as_of: dt.date, known_at: str | None,
          imposer: str | None, partner: str | None) -> dict[str, Any]:
    if known_at is None:
        measures = [m for m in queries.measures_as_of(conn, as_of, imposer, partner)
                    if partner is None or _covers(m, partner)]
        negotiations = queries.negotiations_as_of(conn, as_of, imposer, partner)
    else:
        from projections.recorded import effective_events
        from projections.state import state_on

        view = state_on(effective_events(queries.records(conn, known_at), None), as_of, imposer, partner)
        measures, negotiations = view.measures, view.negotiations
    return state_json(as_of, known_at, measures, negotiations)


def _covers(view: Any, partner: str) -> bool:
    from projections.state import covers_partner

    return covers_partner(view, partner)


def rate(conn: Connection, partner: str, product: str, as_of: dt.date,
         imposer: str | None, known_at: str | None) -> dict[str, Any]:
    if known_at is None:
        views = queries.measures_as_of(conn, as_of, imposer, partner, product)
    else:
        from projections.recorded import effective_events
        from projections.state import by_subject, measures_on

        views = measures_on(by_subject(effective_events(queries.records(conn, known_at))), as_of)
    try:
        chosen, answer = rate_from_views(views, partner, product, imposer)
    except LookupError as exc:
        raise AmbiguousImposer(exc.args[0]) from None
    return rate_json(chosen, partner, product, as_of, known_at, answer)


def head(conn: Connection) -> dict[str, Any]:
    row = conn.execute(select(ledger_chain).order_by(ledger_chain.c.position.desc()).limit(1)).first()
    return {"events": row.position if row else 0, "digest": row.digest if row else "0" * 64}
