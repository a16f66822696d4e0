"""Reading the read models: every SQL query of the read side, once.

As-of answers are indexed queries: ``measures_as_of(conn, 2025-06-01)`` reads only
the interval rows with ``valid_from <= 2025-06-01 < valid_to`` — one per measure
announced by then — whatever the length of the history behind them.

Where a rule needs both SQL and a fold, the SQL here only **narrows candidates**
and the pure fold in ``projections`` decides: :func:`candidate_measures` keeps the
measures whose partners or products *in any version* could name a pair, and
``projections.rates`` applies the exact scope on the date; :func:`tracks_between`
keeps the tracks whose opening named both countries, and
``projections.negotiations.parties_between`` decides on the folded view.

This module also holds the subject loaders the writer uses to refold subjects
(:func:`load_subjects`), so reading never imports the writer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from sqlalchemy import Connection, Select, or_, select

from events.codes import ALL, Subject
from projections.readmodel.tables import (
    ledger_index,
    ledger_meta,
    measure_intervals,
    measure_scope,
    schedule_heads,
    schedule_lines,
    summit_tracks,
    track_pairs,
    track_parties,
)
from projections.schedules import LineView, ScheduleHead
from projections.shapes import head_from_json, line_from_row, view_from_json
from projections.views import MeasureView

if TYPE_CHECKING:
    from projections.negotiations import NegotiationView
    from projections.recorded import Recorded

# Measures are answered from dataclasses rebuilt from rows; only negotiations and replays
# decode events, so those imports (pydantic models) are made where they are needed.

T = TypeVar("T")
#: How many values go into one ``IN (...)`` list: well under SQLite's and psycopg's parameter limits.
IN_LIST = 500


def in_chunks(values: Sequence[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """``values`` in slices of ``size``, for ``IN`` lists and other bounded batches."""
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()  # type: ignore[no-any-return]


# -- events and subjects ------------------------------------------------------------------------


def record_from_row(row: Any, column: str = "current") -> Recorded:
    """An index row (``payload`` as recorded, or ``current`` as corrected) as a :class:`Recorded`."""
    from events.registry import EVENT_TYPES
    from projections.recorded import Recorded

    # pydantic parses the JSON text itself (in Rust): no json.loads, no intermediate dict.
    return Recorded(
        position=row.position,
        recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        recorded_by=row.recorded_by,
        event=EVENT_TYPES[row.type].model_validate_json(getattr(row, column)),
    )


def subject_records(conn: Connection, kind: str, slug: str) -> list[Recorded]:
    """A subject's live events (corrections applied, retracted ones left out), in record order."""
    return load_subjects(conn, kind, [slug]).get(slug, [])


def load_subjects(
    conn: Connection, kind: str, slugs: Sequence[str], fresh: dict[int, Recorded] | None = None
) -> dict[str, list[Recorded]]:
    """Live events of many subjects of one kind, a few queries for all of them.

    ``fresh`` holds events of the batch being written (uncorrected), keyed by position,
    so they are not decoded again from the rows just inserted.
    """
    fresh = fresh or {}
    out: dict[str, list[Recorded]] = {}
    c = ledger_index.c
    for part in in_chunks(slugs):
        rows = conn.execute(
            select(c.position, c.type, c.subject, c.recorded_at, c.recorded_by, c.current)
            .where(c.subject_kind == kind, c.subject.in_(part), c.current.is_not(None))
            .order_by(c.position)
        )
        for row in rows:
            rec = fresh.get(row.position)
            out.setdefault(row.subject, []).append(rec if rec is not None else record_from_row(row))
    return out


def base_target(conn: Connection, event_id: str) -> str:
    """The non-correction event a correction (or a retraction of one) is ultimately about.

    Only corrections have a ``target`` in the index, so following targets ends at the event.
    """
    target = conn.execute(select(ledger_index.c.target).where(ledger_index.c.event_id == event_id)).scalar()
    return base_target(conn, target) if target is not None else event_id


def event_subject(conn: Connection, event_id: UUID | str) -> Subject | None:
    row = conn.execute(
        select(ledger_index.c.subject_kind, ledger_index.c.subject).where(ledger_index.c.event_id == str(event_id))
    ).first()
    return (row.subject_kind, row.subject) if row is not None else None


def records(conn: Connection, known_at: str | None = None) -> Iterator[Recorded]:
    """Every stored event as recorded (no corrections applied), in record order, up to ``known_at``."""
    query = select(ledger_index).order_by(ledger_index.c.position)
    if known_at is not None:
        query = query.where(ledger_index.c.recorded_at <= known_at)
    for row in conn.execution_options(yield_per=2000).execute(query):
        yield record_from_row(row, "payload")


# -- measures -----------------------------------------------------------------------------------


def hs_prefixes(product: str) -> list[str]:
    """Every HS prefix (2+ digits) that could name ``product``, and ``*``."""
    return [ALL] + [product[:n] for n in range(2, len(product) + 1)]


def candidate_measures(imposer: str | None, partner: str | None, product: str | None) -> Select[Any] | None:
    """The measures whose partners / products, in any version, could name the pair (None: no narrowing).

    A candidate only: exceptions, amendments and the date are for the fold to decide.
    """
    ms = measure_scope.c
    query: Select[Any] | None = None
    for axis, values in (("p", [ALL, partner] if partner else None), ("h", hs_prefixes(product) if product else None)):
        if values is None:
            continue
        candidates = select(ms.measure).where(ms.axis == axis, ms.value.in_(values))
        if imposer is not None:
            candidates = candidates.where(ms.imposer == imposer)
        query = candidates if query is None else query.where(ms.measure.in_(candidates))
    return query


def _narrowed(query: Select[Any], imposer: str | None, partner: str | None, product: str | None) -> Select[Any]:
    mi = measure_intervals.c
    if imposer is not None:
        query = query.where(mi.imposer == imposer)
    candidates = candidate_measures(imposer, partner, product)
    return query if candidates is None else query.where(mi.measure.in_(candidates))


def measures_as_of(
    conn: Connection,
    day: dt.date,
    imposer: str | None = None,
    partner: str | None = None,
    product: str | None = None,
) -> list[MeasureView]:
    """Measures announced by ``day`` as they stood then; ``partner``/``product`` keep the candidates
    whose partners/products (in any version) could name them — the caller applies the exact rule."""
    iso = day.isoformat()
    mi = measure_intervals.c
    query = _narrowed(select(mi.view).where(mi.valid_from <= iso, mi.valid_to > iso), imposer, partner, product)
    views = [view_from_json(json.loads(v)) for (v,) in conn.execute(query)]
    return sorted(views, key=lambda v: (v.imposer, v.measure))


def interval_starts(conn: Connection, imposer: str | None, partner: str, product: str, start: dt.date,
                end: dt.date) -> list[dt.date]:
    """The days in ``(start, end]`` on which a candidate measure for the pair changes (interval starts).

    The rate of a pair can only change on such a day, so a series evaluates it there and nowhere else.
    """
    mi = measure_intervals.c
    query = select(mi.valid_from).distinct().where(mi.valid_from > start.isoformat(),
                                                   mi.valid_from <= end.isoformat())
    return sorted(dt.date.fromisoformat(v) for v in conn.execute(_narrowed(query, imposer, partner, product))
                  .scalars())


# -- schedules ----------------------------------------------------------------------------------


def schedule_heads_of(conn: Connection, imposer: str | None = None, slug: str | None = None) -> list[ScheduleHead]:
    """The heads of every schedule (of ``imposer``, or the one ``slug``): supersession is decided over these."""
    sh = schedule_heads.c
    query = select(sh.head)
    if imposer is not None:
        query = query.where(sh.imposer == imposer)
    if slug is not None:
        query = query.where(sh.schedule == slug)
    return [head_from_json(json.loads(h)) for h in conn.execute(query).scalars()]


def _line_columns() -> list[Any]:
    sl = schedule_lines.c
    return [sl.schedule, sl.product, sl.rate, sl.text, sl.specific, sl.preferential]


def schedule_lines_on(conn: Connection, slugs: Sequence[str], day: dt.date, products: Sequence[str] | None = None,
                      under: str | None = None) -> dict[str, list[LineView]]:
    """Lines of the schedules ``slugs`` that hold on ``day``: only those with a prefix in ``products``
    or, with ``under``, those under that code (``870323`` → ``87032301``…), if given."""
    iso = day.isoformat()
    sl = schedule_lines.c
    out: dict[str, list[LineView]] = {}
    for part in in_chunks(slugs):
        query = select(*_line_columns()).where(sl.schedule.in_(part), sl.valid_from <= iso, sl.valid_to > iso)
        if products is not None and under is not None:
            # HS codes are digits only, so the LIKE pattern has no wildcard of its own.
            query = query.where(or_(sl.product.in_(products), sl.product.like(f"{under}%")))
        elif products is not None:
            query = query.where(sl.product.in_(products))
        for row in conn.execute(query.order_by(sl.schedule, sl.product)):
            out.setdefault(row.schedule, []).append(
                line_from_row(row.product, row.rate, row.text, row.specific, row.preferential))
    return out


def schedule_line_counts(conn: Connection, slugs: Sequence[str], day: dt.date) -> dict[str, int]:
    """How many lines each schedule holds on ``day``."""
    from sqlalchemy import func

    iso = day.isoformat()
    sl = schedule_lines.c
    out: dict[str, int] = {}
    for part in in_chunks(slugs):
        query = (select(sl.schedule, func.count()).where(sl.schedule.in_(part), sl.valid_from <= iso,
                                                          sl.valid_to > iso).group_by(sl.schedule))
        out.update({slug: int(n) for slug, n in conn.execute(query)})
    return out


def schedule_change_days(conn: Connection, imposer: str | None, product: str, start: dt.date,
                         end: dt.date) -> list[dt.date]:
    """Days in ``(start, end]`` on which a schedule of ``imposer`` starts or a line for ``product`` changes."""
    sh, sl = schedule_heads.c, schedule_lines.c
    lo, hi = start.isoformat(), end.isoformat()
    heads = select(sh.effective_on).where(sh.effective_on > lo, sh.effective_on <= hi)
    starts = select(sl.valid_from).where(sl.product.in_(hs_prefixes(product)), sl.valid_from > lo, sl.valid_from <= hi)
    ends = select(sl.valid_to).where(sl.product.in_(hs_prefixes(product)), sl.valid_to > lo, sl.valid_to <= hi)
    if imposer is not None:
        heads, starts, ends = (q.where(c == imposer) for q, c in ((heads, sh.imposer), (starts, sl.imposer),
                                                                  (ends, sl.imposer)))
    days: set[str] = set()
    for query in (heads, starts, ends):
        days.update(conn.execute(query).scalars())
    return sorted(dt.date.fromisoformat(d) for d in days)


# -- negotiations -------------------------------------------------------------------------------


def tracks_between(conn: Connection, imposer: str | None, partner: str | None,
                   day: dt.date | None = None) -> list[str]:
    """Tracks whose opening named the given countries (all tracks when neither is given), opened by ``day``.

    Two different countries are one lookup in ``track_pairs``, however many tracks either
    has with others. Candidates only: ``parties_between`` decides on the folded view.
    """
    codes = sorted({c for c in (imposer, partner) if c is not None})
    if len(codes) == 2:
        tq = track_pairs.c
        query = select(tq.track).where(tq.party == codes[0], tq.other == codes[1])
        if day is not None:
            query = query.where(tq.opened_on <= day.isoformat())
    else:
        tp = track_parties.c
        query = select(tp.track).distinct()
        if codes:
            query = query.where(tp.party == codes[0])
        if day is not None:
            query = query.where(tp.opened_on <= day.isoformat())
    return sorted(set(conn.execute(query).scalars()))


def summits_naming(conn: Connection, tracks: Sequence[str]) -> list[str]:
    """The summits whose schedule names any of ``tracks``."""
    st = summit_tracks.c
    found: set[str] = set()
    for part in in_chunks(tracks):
        found.update(conn.execute(select(st.summit).where(st.track.in_(part))).scalars())
    return sorted(found)


def negotiation_events(conn: Connection, imposer: str | None, partner: str | None,
                       day: dt.date | None = None) -> tuple[dict[str, list[Recorded]], dict[str, list[Recorded]]]:
    """The live events of the candidate tracks between the countries, and of the summits naming them."""
    tracks = tracks_between(conn, imposer, partner, day)
    return load_subjects(conn, "track", tracks), load_subjects(conn, "summit", summits_naming(conn, tracks))


def negotiations_as_of(
    conn: Connection, day: dt.date, imposer: str | None = None, partner: str | None = None
) -> list[NegotiationView]:
    from projections.negotiations import negotiations_on

    tracks, summits = negotiation_events(conn, imposer, partner, day)
    return negotiations_on(tracks, summits, day, imposer, partner)


# -- history ------------------------------------------------------------------------------------


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
    for part in in_chunks(event_ids):
        query = select(c.target, c.position).where(c.target.in_(part)).order_by(c.position)
        for target, position in conn.execute(query):
            out.setdefault(target, []).append(position)
    return out
