"""Every query of the read side, once, as SQL text run through a DB-API connection.

As-of answers are indexed queries: ``measures_as_of(db, 2025-06-01)`` reads only the
interval rows with ``valid_from <= 2025-06-01 < valid_to`` — one per measure announced
by then — whatever the length of the history behind them.

Why SQL text and not SQLAlchemy Core: a read command is one short process, and
importing SQLAlchemy (and its dialect) was over a third of its start-up. The read
models are plain tables of strings and integers, so the text below runs unchanged on
SQLite and PostgreSQL; the only difference between the drivers — the parameter style
(``?`` for ``sqlite3``, ``%s`` for ``psycopg``) — is settled once, in :func:`bind`.
Queries name their parameters ``:name``; a list or tuple value expands in place, so
``product IN (:products)`` with three products becomes ``product IN (?, ?, ?)``::

    >>> bind("SELECT view FROM t WHERE a = :day AND m IN (:ms)", {"day": "2025-06-01", "ms": ["x", "y"]}, "?")
    ('SELECT view FROM t WHERE a = ? AND m IN (?, ?)', ['2025-06-01', 'x', 'y'])

SQLAlchemy stays for the schema, the writer and the event store; this module imports
none of it (an import-linter contract checks it), and neither do the pure folds it feeds.

Where a rule needs both SQL and a fold, the SQL here only **narrows candidates** and the
pure fold in ``projections`` decides: :func:`measures_as_of` keeps the measures whose
partners or products *in any version* could name a pair, and ``projections.rates``
applies the exact scope on the date; :func:`tracks_between` keeps the tracks whose
opening named both countries, and ``projections.negotiations.parties_between`` decides
on the folded view.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson

from events.codes import ALL
from projections.readmodel import layout

if TYPE_CHECKING:  # made by the queries that return them: the audit's queries (history, digest) load none
    from projections.negotiations import Entry, NegotiationView
    from projections.schedules import LineView, ScheduleHead
    from projections.views import MeasureView

T = TypeVar("T")
#: How many values go into one ``IN (...)`` list: well under SQLite's and psycopg's parameter limits.
IN_LIST = 500
#: The read models' schema this program writes and reads (``ledger_meta.schema_version``).
SCHEMA_VERSION = "8"


class Db(Protocol):
    """A DB-API connection with its dialect (``sqlite`` or ``postgresql``) and placeholder: what every query
    here runs on (``ledger.storage.Reader``)."""

    dialect: str
    placeholder: str

    def execute(self, sql: str, args: Sequence[Any]) -> Any:
        """A DB-API cursor over the rows of ``sql`` run with positional ``args``."""

    def cursor(self, stream: str | None = None) -> Any:
        """A new DB-API cursor (``stream``: see :meth:`projections.readmodel.driver.DriverDb.cursor`)."""


_PARAM = re.compile(r":([a-z_]+)")


def postgres(db: Db) -> bool:
    """Whether ``db`` is PostgreSQL, where the SQL of the two databases differs (``layout.with_log``)."""
    return db.dialect == "postgresql"


def bind(sql: str, params: Mapping[str, Any], placeholder: str) -> tuple[str, list[Any]]:
    """``sql`` with each ``:name`` replaced by the driver's placeholder, and the positional arguments."""
    args: list[Any] = []

    def one(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        if isinstance(value, (list, tuple)):
            args.extend(value)
            return ", ".join([placeholder] * len(value))
        args.append(value)
        return placeholder

    return _PARAM.sub(one, sql), args


def rows(db: Db, sql: str, **params: Any) -> list[Any]:
    """The rows of ``sql`` as tuples."""
    text, args = bind(sql, params, db.placeholder)
    return list(db.execute(text, args).fetchall())


def named_rows(db: Db, sql: str, **params: Any) -> list[Any]:
    """The rows of ``sql`` as named tuples (``row.position``), for folds that read columns by name."""
    text, args = bind(sql, params, db.placeholder)
    cursor = db.execute(text, args)
    make = row_class(tuple(d[0] for d in cursor.description))
    return [make._make(r) for r in cursor.fetchall()]


_ROW_CLASSES: dict[tuple[str, ...], Any] = {}
_CURSORS = itertools.count()


def row_class(names: tuple[str, ...]) -> Any:
    if names not in _ROW_CLASSES:
        _ROW_CLASSES[names] = namedtuple("Row", names)  # type: ignore[misc]  # noqa: PYI024
    return _ROW_CLASSES[names]


def column(db: Db, sql: str, **params: Any) -> list[Any]:
    """The first column of the rows of ``sql``."""
    return [r[0] for r in rows(db, sql, **params)]


def in_chunks(values: Sequence[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """``values`` in slices of ``size``, for ``IN`` lists and other bounded batches."""
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


# -- the ledger itself --------------------------------------------------------------------------


def meta_value(db: Db, key: str) -> str | None:
    """A ``ledger_meta`` value (``schema_version``, ``position``), None when unset."""
    found = column(db, "SELECT value FROM ledger_meta WHERE key = :key", key=key)
    return found[0] if found else None


def last_of_kind(db: Db, kind: str) -> int:
    """The last log position of an event about a subject of ``kind`` (0: none). A reader plans on it, and the
    writer checks it again under its lock (``schedule import``)."""
    found = column(db, "SELECT MAX(position) FROM ledger_index WHERE subject_kind = :kind", kind=kind)
    return int(found[0] or 0) if found else 0


def chain_head(db: Db) -> tuple[int, str] | None:
    """The last link of the hash chain, ``(position, digest)``; None for an empty ledger."""
    found = rows(db, "SELECT position, digest FROM ledger_chain ORDER BY position DESC LIMIT 1")
    return (int(found[0][0]), found[0][1]) if found else None


# -- measures -----------------------------------------------------------------------------------


def hs_prefixes(product: str) -> list[str]:
    """Every HS prefix (2+ digits) that could name ``product``, and ``*``."""
    return [ALL] + [product[:n] for n in range(2, len(product) + 1)]


def _narrowing(imposer: str | None, partner: str | None, product: str | None) -> tuple[str, dict[str, Any]]:
    """The ``AND …`` clauses that keep the imposer's measures whose partners / products, in any version,
    could name the pair. A candidate only: exceptions, amendments and the date are for the fold to decide."""
    sql, params = "", {"imposer": imposer, "partners": [ALL, partner], "prefixes": hs_prefixes(product or "")}
    scoped = " AND imposer = :imposer" if imposer is not None else ""
    if imposer is not None:
        sql += " AND imposer = :imposer"
    if partner is not None:
        sql += (" AND measure IN (SELECT measure FROM measure_scope WHERE axis = 'p' AND value IN (:partners)"
                f"{scoped})")
    if product is not None:
        sql += (" AND measure IN (SELECT measure FROM measure_scope WHERE axis = 'h' AND value IN (:prefixes)"
                f"{scoped})")
    return sql, params


def measures_as_of(db: Db, day: dt.date, imposer: str | None = None, partner: str | None = None,
                   product: str | None = None) -> list[MeasureView]:
    """Measures announced by ``day`` as they stood then; ``partner``/``product`` keep the candidates
    whose partners/products (in any version) could name them — the caller applies the exact rule."""
    from projections.shapes import view_from_json

    narrow, params = _narrowing(imposer, partner, product)
    found = column(db, f"SELECT view FROM measure_intervals WHERE valid_from <= :day AND valid_to > :day{narrow}",
                   day=day.isoformat(), **params)
    views = [view_from_json(orjson.loads(v)) for v in found]
    return sorted(views, key=lambda v: (v.imposer, v.measure))


def interval_starts(db: Db, imposer: str | None, partner: str, product: str, start: dt.date,
                    end: dt.date) -> list[dt.date]:
    """The days in ``(start, end]`` on which a candidate measure for the pair changes (interval starts).

    The rate of a pair can only change on such a day, so a series evaluates it there and nowhere else.
    """
    narrow, params = _narrowing(imposer, partner, product)
    found = column(db, "SELECT DISTINCT valid_from FROM measure_intervals WHERE valid_from > :lo "
                       f"AND valid_from <= :hi{narrow}", lo=start.isoformat(), hi=end.isoformat(), **params)
    return sorted(dt.date.fromisoformat(v) for v in found)


# -- schedules ----------------------------------------------------------------------------------


def schedule_heads_of(db: Db, imposer: str | None = None, slug: str | None = None) -> list[ScheduleHead]:
    """The heads of every schedule (of ``imposer``, or the one ``slug``): supersession is decided over these."""
    from projections.shapes import head_from_json

    sql = "SELECT head FROM schedule_heads WHERE 1 = 1"
    sql += " AND imposer = :imposer" if imposer is not None else ""
    sql += " AND schedule = :slug" if slug is not None else ""
    return [head_from_json(orjson.loads(h)) for h in column(db, sql, imposer=imposer, slug=slug)]


def schedule_lines_on(db: Db, slugs: Sequence[str], day: dt.date, products: Sequence[str] | None = None,
                      under: str | None = None) -> dict[str, list[LineView]]:
    """Lines of the schedules ``slugs`` that hold on ``day``: only those with a prefix in ``products``
    or, with ``under``, those under that code (``870323`` → ``87032301``…), if given.

    Each filter is an index range on ``(schedule, product, valid_from)``: a 30,000-line schedule
    answers a product from a handful of rows (``benchmarks/schedules.py`` times it).
    """
    from projections.shapes import line_from_row

    sql = ("SELECT schedule, product, rate, text, specific, preferential FROM schedule_lines "
           "WHERE schedule IN (:slugs) AND valid_from <= :day AND valid_to > :day")
    if products is not None and under is not None:
        # Two index ranges, not `product LIKE '870323%'` (which neither database searches with this index)
        # nor an OR (which SQLite answers by reading every line of the schedule). HS codes are digit strings
        # of at most 10 digits, so those starting with 870323 are exactly those from 870323 to 870323999999.
        sql = f"{sql} AND product IN (:products) UNION {sql} AND product >= :under AND product <= :last"
    elif products is not None:
        sql += " AND product IN (:products)"
    out: dict[str, list[LineView]] = {}
    for part in in_chunks(slugs):
        for slug, product, rate, text, specific, preferential in rows(
                db, sql + " ORDER BY schedule, product", slugs=part, day=day.isoformat(),
                products=list(products or ()), under=under, last=f"{under}{'9' * 12}"):
            out.setdefault(slug, []).append(line_from_row(product, rate, text, specific, preferential))
    return out


def schedule_line_counts(db: Db, slugs: Sequence[str], day: dt.date) -> dict[str, int]:
    """How many lines each schedule holds on ``day``."""
    out: dict[str, int] = {}
    for part in in_chunks(slugs):
        out.update({slug: int(n) for slug, n in rows(
            db, "SELECT schedule, COUNT(*) FROM schedule_lines WHERE schedule IN (:slugs) AND valid_from <= :day "
                "AND valid_to > :day GROUP BY schedule", slugs=part, day=day.isoformat())})
    return out


def schedule_change_days(db: Db, imposer: str | None, product: str, start: dt.date,
                         end: dt.date) -> list[dt.date]:
    """Days in ``(start, end]`` on which a schedule of ``imposer`` starts or a line for ``product`` changes."""
    scoped = " AND imposer = :imposer" if imposer is not None else ""
    params = {"imposer": imposer, "prefixes": hs_prefixes(product), "lo": start.isoformat(), "hi": end.isoformat()}
    days: set[str] = set()
    for sql in ("SELECT effective_on FROM schedule_heads WHERE effective_on > :lo AND effective_on <= :hi",
                "SELECT valid_from FROM schedule_lines WHERE product IN (:prefixes) AND valid_from > :lo "
                "AND valid_from <= :hi",
                "SELECT valid_to FROM schedule_lines WHERE product IN (:prefixes) AND valid_to > :lo "
                "AND valid_to <= :hi"):
        days.update(column(db, sql + scoped, **params))
    return sorted(dt.date.fromisoformat(d) for d in days)


# -- negotiations -------------------------------------------------------------------------------


def tracks_between(db: Db, imposer: str | None, partner: str | None, day: dt.date | None = None) -> list[str]:
    """Tracks whose opening named the given countries (all tracks when neither is given), opened by ``day``.

    Two different countries are one lookup in ``track_pairs``, however many tracks either
    has with others. Candidates only: ``parties_between`` decides on the folded view.
    """
    codes = sorted({c for c in (imposer, partner) if c is not None})
    opened = " AND opened_on <= :day" if day is not None else ""
    iso = day.isoformat() if day is not None else None
    if len(codes) == 2:
        found = column(db, f"SELECT track FROM track_pairs WHERE party = :party AND other = :other{opened}",
                       party=codes[0], other=codes[1], day=iso)
    else:
        party = " AND party = :party" if codes else ""
        found = column(db, f"SELECT DISTINCT track FROM track_parties WHERE 1 = 1{party}{opened}",
                       party=codes[0] if codes else None, day=iso)
    return sorted(set(found))


def summits_naming(db: Db, tracks: Sequence[str]) -> list[str]:
    """The summits whose schedule names any of ``tracks``."""
    found: set[str] = set()
    for part in in_chunks(tracks):
        found.update(column(db, "SELECT summit FROM summit_tracks WHERE track IN (:tracks)", tracks=part))
    return sorted(found)


#: An event a fold on a day needs: dated by then as it reads, or corrected (its date may differ from the one
#: recorded, which is the index's ``date``; the fold decides on the corrected one).
DATED_BY = "(date <= :until OR current IS NOT NULL)"
#: When the negotiation read takes one sorted pass over every track's events (:func:`subject_scan`) instead
#: of looking each candidate's up through the subject index: from this many candidates, and this share of
#: all tracks. On the 1M ledger the pass costs ~1.6 s whatever it keeps, then ~0.17 ms a track; a lookup
#: ~0.47 ms a track: even at about 45% of the tracks (docs/performance.md).
SCAN_TRACKS = 1000
SCAN_SHARE = 0.5


def subject_groups(db: Db, kind: str, slugs: Sequence[str], size: int = IN_LIST,
                   until: dt.date | None = None) -> Iterator[tuple[str, list[Entry]]]:
    """Live events of the subjects ``slugs`` (tracks or summits), one subject at a time in slug order:
    ``(slug, [(position, interchange JSON), …])`` in record order, with corrections applied and
    retracted events left out; with ``until``, the events a fold on that day reads (:data:`DATED_BY`),
    each subject that has any.

    Only negotiations are folded from events on the read path, and their fold
    (``projections.negotiations``) reads the stored JSON as it is: the events were validated when
    appended, so decoding them into models again would only cost the import of pydantic and of the
    talks and summit models (~45 ms of a cold ``ledger state``, ``python -X importtime``). A slice of
    ``size`` subjects is read and decoded at a time, so a caller that folds each subject as it
    comes holds one slice, not every event: an unfiltered ``state`` of a 1M-event ledger reads
    400,000 talks events.
    """
    ordered = sorted(set(slugs))
    pg = postgres(db)
    sql = (f"SELECT subject, position, {layout.reads_as(pg)} FROM {layout.with_log(pg)} "
           f"WHERE subject_kind = :kind AND subject IN (:slugs) AND {layout.LIVE}"
           + (f" AND {DATED_BY}" if until is not None else ""))
    for part in in_chunks(ordered, size):
        found: dict[str, list[Entry]] = {}
        for slug, position, text in rows(db, sql, kind=kind, slugs=part, until=_iso(until)):
            found.setdefault(slug, []).append((position, orjson.loads(text)))
        # Sorted here, not by the database: its collation need not sort slugs as Python does.
        for slug in part:
            if slug in found:
                yield slug, sorted(found.pop(slug), key=itemgetter(0))


def subject_scan(db: Db, kind: str, slugs: Sequence[str], until: dt.date | None = None,
                 page: int = 2000) -> Iterator[tuple[str, list[Entry]]]:
    """:func:`subject_groups` from one pass over the live events of every subject of ``kind``, sorted by the
    database; those of subjects not in ``slugs`` are passed over undecoded.

    For most of the subjects of a kind (an unfiltered ``state``): looking each event up through the subject
    index is a random read of the log per event, where the pass reads the index and the log in position order
    and sorts what it keeps (SQLite: ``NOT INDEXED``, temporary files; PostgreSQL: on the server, read a page
    at a time), as ``verify`` and a large import's refold do. Both databases order the slugs bytewise, which
    is Python's order of ``str``.
    """
    wanted = set(slugs)
    pg = postgres(db)
    # NOT INDEXED: through the subject index SQLite would skip the sort and read the log row by row.
    source = layout.with_log(pg, "" if pg else " NOT INDEXED")
    sql = (f"SELECT subject, position, {layout.reads_as(pg)} FROM {source} "
           f"WHERE subject_kind = :kind AND {layout.LIVE}" + (f" AND {DATED_BY}" if until is not None else "")
           + f" ORDER BY subject{layout.bytewise(pg)}, position")
    text, args = bind(sql, {"kind": kind, "until": _iso(until)}, db.placeholder)
    cursor = db.cursor(stream=f"ledger_scan_{next(_CURSORS)}")
    try:
        cursor.execute(text, args)
        stream = (row for chunk in iter(lambda: cursor.fetchmany(page), []) for row in chunk)
        for slug, group in itertools.groupby(stream, key=itemgetter(0)):
            if slug in wanted:
                yield slug, [(position, orjson.loads(event)) for _, position, event in group]
    finally:
        cursor.close()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def subject_events(db: Db, kind: str, slugs: Sequence[str], until: dt.date | None = None) -> dict[str, list[Entry]]:
    """:func:`subject_groups` as a mapping, every subject's events held at once."""
    return dict(subject_groups(db, kind, slugs, until=until))


def negotiation_events(db: Db, imposer: str | None, partner: str | None, day: dt.date | None = None
                       ) -> tuple[dict[str, list[Entry]], dict[str, list[Entry]]]:
    """The live events of the candidate tracks between the countries, and of the summits naming them."""
    tracks = tracks_between(db, imposer, partner, day)
    if not tracks:
        return {}, {}
    return subject_events(db, "track", tracks), subject_events(db, "summit", summits_naming(db, tracks))


def negotiations_as_of(db: Db, day: dt.date, imposer: str | None = None,
                       partner: str | None = None, limit: int | None = None) -> list[NegotiationView]:
    """Every negotiation between the countries on ``day``, by track (the first ``limit``, if given). The
    summits naming the candidate tracks are read first (fewer, and each folded once); then each track is
    folded as its events are read, and dropped. With a limit, the candidates go ``limit`` at a time, and
    the fold stops once it has that many: a page of an unfiltered state of a 1M-event ledger reads 500
    tracks, not 12,000. Only the events dated by ``day`` are read (or corrected: :data:`DATED_BY`); for
    most of the tracks, in one sorted pass (:func:`subject_scan`, :data:`SCAN_TRACKS`)."""
    tracks = sorted(set(tracks_between(db, imposer, partner, day)))
    if not tracks:
        return []
    from projections.negotiations import negotiations_on

    out: list[NegotiationView] = []
    for part in in_chunks(tracks, limit or len(tracks)):
        summits = subject_events(db, "summit", summits_naming(db, part), until=day)
        groups = (subject_scan(db, "track", part, until=day) if _scans(db, len(part))
                  else subject_groups(db, "track", part, until=day))
        out.extend(negotiations_on(groups, summits, day, imposer, partner,
                                   None if limit is None else limit - len(out)))
        if limit is not None and len(out) >= limit:
            break
    return out


def _scans(db: Db, candidates: int) -> bool:
    """Whether reading the events of this many candidate tracks is cheaper in one pass over every track's."""
    return candidates >= SCAN_TRACKS and candidates >= SCAN_SHARE * column(
        db, "SELECT count(*) FROM subjects WHERE kind = 'track'")[0]


def negotiation_count(db: Db, day: dt.date, imposer: str | None = None, partner: str | None = None) -> int:
    """How many negotiations :func:`negotiations_as_of` gives, without folding them: the candidate tracks are
    those whose live opening, dated by ``day``, names the countries (``track_parties``, ``track_pairs``), and
    that is when the fold gives a track (``projections.negotiations.negotiation_on``). The property test
    (tests/integration/test_replay_property.py) holds the count to a full replay's."""
    return len(set(tracks_between(db, imposer, partner, day)))


# -- history ------------------------------------------------------------------------------------

#: Every column of ``ledger_index``, as a select list.
INDEX_COLUMNS = ", ".join(layout.ledger_index.columns)


def index_rows_sql(db: Db) -> str:
    """``SELECT`` every column of ``ledger_index`` and the event as recorded (``payload``, from the log)."""
    pg = postgres(db)
    return f"SELECT {INDEX_COLUMNS}, {layout.event_text(pg)} AS payload FROM {layout.with_log(pg)}"


def history_pages(db: Db, kind: str | None = None, slug: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, after: int | None = None, limit: int | None = None,
                  page: int = 2000) -> Iterator[list[Any]]:
    """Index rows (every column, by name, with the event as recorded, ``payload``, and the ``role`` that
    inserted it) in record order, a page at a time (:func:`pages`): of one subject, dated in a range,
    after position ``after``, at most ``limit`` of them, if given. A 1M-event history is 1M rows; a caller that
    handles each page and lets it go holds one page."""
    # The database role that inserted each event, where one was recorded (PostgreSQL, or restored from it),
    # is read from the log row the query joins anyway, not from a read model a writer could edit.
    pg = postgres(db)
    sql = (f"SELECT {INDEX_COLUMNS}, {layout.event_text(pg)} AS payload, ledger_events.recorded_by_role AS role "
           f"FROM {layout.with_log(pg)} WHERE 1 = 1")
    sql += " AND subject_kind = :kind AND subject = :slug" if kind is not None else ""
    sql += " AND date >= :since" if since is not None else ""
    sql += " AND date <= :until" if until is not None else ""
    sql += " AND position > :after" if after is not None else ""
    sql += " ORDER BY position" + (" LIMIT :limit" if limit is not None else "")
    return pages(db, sql, page, kind=kind, slug=slug, since=since.isoformat() if since else None,
                 until=until.isoformat() if until else None, after=after, limit=limit)


def pages(db: Db, sql: str, page: int = 2000, **params: Any) -> Iterator[list[Any]]:
    """The rows of ``sql`` as named tuples, a page at a time from one cursor: a server-side one on
    PostgreSQL, whose ordinary cursor would receive every row at once (SQLite's steps as it is read)."""
    text, args = bind(sql, params, db.placeholder)
    cursor = db.cursor(stream=f"ledger_pages_{next(_CURSORS)}")
    try:
        cursor.execute(text, args)
        make = row_class(tuple(d[0] for d in cursor.description))
        while chunk := cursor.fetchmany(page):
            yield [make._make(r) for r in chunk]
    finally:
        cursor.close()


# -- the timeline -------------------------------------------------------------------------------

#: The index rows the timeline shows as recorded: never corrected, or retracted (a retracted event is
#: listed as it was recorded, marked). The others read as their ``current``, corrected form.
SHOWN_AS_RECORDED = f"(current IS NULL OR current = '{layout.RETRACTED}')"
#: How an event reads in the timeline (FROM :func:`layout.with_log`).
AS_SHOWN = f"CASE WHEN {SHOWN_AS_RECORDED} THEN {{text}} ELSE current END"


def timeline_learnt(db: Db, types: Sequence[str], measures: bool) -> Iterator[list[Any]]:
    """``(subject_kind, subject, event)`` of the events of ``types`` (and of every measure event, if
    ``measures``) as the timeline shows them, in record order, a page at a time."""
    pg = postgres(db)
    which = "type IN (:types)" + (" OR subject_kind = 'measure'" if measures else "")
    sql = (f"SELECT subject_kind, subject, {AS_SHOWN.format(text=layout.event_text(pg))} AS event "
           f"FROM {layout.with_log(pg)} WHERE target IS NULL AND ({which}) ORDER BY position")
    return pages(db, sql, types=list(types))


def correction_rows(db: Db) -> list[Any]:
    """Every correction's index row and event as recorded (``payload``), in record order."""
    return named_rows(db, f"{index_rows_sql(db)} WHERE target IS NOT NULL ORDER BY position")


def dated_pages(db: Db, since: dt.date | None, until: dt.date | None, measure: str | None,
                after: tuple[str, int] | None = None) -> Iterator[list[Any]]:
    """The index rows and events (``payload``) that read as recorded, corrections aside, in (date,
    position) order, dated in a range, of one measure and past ``after`` (a date and a position) if given:
    the timeline's main stream. (An event that reads as recorded has the date it was recorded with, the
    index's ``date``.)"""
    # Bytewise on PostgreSQL, as Python merges: a locale's collation need not order text as it does.
    bytewise = layout.bytewise(postgres(db))
    sql = (f"{index_rows_sql(db)} WHERE target IS NULL AND {SHOWN_AS_RECORDED}"
           + (" AND date >= :since" if since is not None else "") + (" AND date <= :until" if until is not None else "")
           + (" AND subject_kind = 'measure' AND subject = :measure" if measure is not None else "")
           + (f" AND (date{bytewise} > :day OR (date = :day AND position > :position))" if after is not None else "")
           + f" ORDER BY date{bytewise}, position")
    day, position = after if after is not None else (None, None)
    return pages(db, sql, since=since.isoformat() if since else None, until=until.isoformat() if until else None,
                 measure=measure, day=day, position=position)


def corrected_rows(db: Db, event_ids: Sequence[str]) -> list[Any]:
    """The index rows of ``event_ids`` that corrections changed and did not retract (their ``current``
    is the event as it reads)."""
    out: list[Any] = []
    for part in in_chunks(sorted(event_ids)):
        out += named_rows(db, f"SELECT {INDEX_COLUMNS} FROM ledger_index WHERE event_id IN (:ids) AND target IS NULL "
                              f"AND NOT {SHOWN_AS_RECORDED}", ids=part)
    return out


def corrections_by_target(db: Db, event_ids: Sequence[str]) -> dict[str, list[int]]:
    """Positions of the corrections (and retractions) of each of ``event_ids``."""
    out: dict[str, list[int]] = {}
    for part in in_chunks(event_ids):
        for target, position in rows(db, "SELECT target, position FROM ledger_index WHERE target IN (:ids) "
                                         "ORDER BY position", ids=part):
            out.setdefault(target, []).append(position)
    return out
