"""Read-model tables as plain data, kept in the ledger's database beside the event store.

``ledger_index``   one row per stored event: position, id, subject, valid date, record time,
                   author and, only where corrections changed it, the event as it reads now
                   (``current``: the corrected JSON, or JSON ``null`` once retracted; NULL when
                   it reads as recorded). The event as recorded is the log's own copy, joined by
                   position (:func:`with_log`). History, subject folds and ``--known-at``
                   replays read it.
``ledger_chain``   the tamper-evident hash chain, one link per position (append-only).
``measure_intervals``  each measure's states over valid time as ``[valid_from, valid_to)``
                   rows, so ``--as-of D`` is an indexed range query, not a replay.
``measure_scope``  every partner and HS prefix each measure has named, for candidate lookups.
``track_parties``, ``track_pairs``, ``summit_tracks``  which tracks a country is party to (and with
                   whom), which summits name a track.
``schedule_heads``  one row per tariff schedule: imposer, basis, effective date, partners;
                   which schedule is in force on a date is decided over these rows.
``schedule_lines`` each schedule's lines over its own valid time, ``[valid_from, valid_to)``.
``subjects``       measures, tracks, summits and proposals the ledger has ever introduced
                   (a retracted opener stays introduced): what append checks consult.
``ledger_meta``    key/value: schema version and the position the read models reflect.

Which rows each read model holds — the rule that fills it from a subject's
events — is declared in :mod:`projections.readmodel.registry`; ``rebuild``,
``verify`` and the writer all take the list of read models from there.

Declared here as plain data, not SQLAlchemy: an append (the writer, the registry, the checks)
needs only names and column lists, and importing SQLAlchemy was ~130 ms of a one-event
``ledger append``. :mod:`projections.readmodel.tables` builds the SQLAlchemy Core tables from
these declarations for creating the schema and rebuilding indexes: one declaration of each table.

Dates are ISO strings and record times fixed-width ISO UTC strings, so they sort
and compare the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

# valid_to of an interval still open. No event date can reach it: events.limits.MAX_DATE stops a day
# before (tests/cli/test_hardening.py checks both ends), so `valid_to > as_of` holds for every accepted day.
OPEN_END = "9999-12-31"


@dataclass(frozen=True)
class Col:
    """A column: ``kind`` is ``position`` (a 64-bit integer; SQLite's INTEGER), ``int``, ``str`` (with ``size``)
    or ``text``."""

    name: str
    kind: str
    size: int | None = None
    nullable: bool = True
    key: bool = False
    unique: bool = False


@dataclass(frozen=True)
class TableDef:
    name: str
    cols: tuple[Col, ...]
    #: Non-unique indexes.
    indexes: tuple[IndexDef, ...] = ()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)


@dataclass(frozen=True)
class IndexDef:
    """A non-unique index of a table (``where``: the condition of a partial index).

    Its DDL is SQLAlchemy's for the same index (:mod:`~projections.readmodel.tables`), so an index built by
    ``create_all``, by ``init``'s upgrade or after a bulk load reads the same in ``sqlite_master``.
    """

    table: str
    name: str
    columns: tuple[str, ...]
    where: str | None = None

    @property
    def create_sql(self) -> str:
        """The statement that creates it.

        >>> IndexDef("t", "ix_t_a", ("a", "b"), "a IS NOT NULL").create_sql
        'CREATE INDEX ix_t_a ON t (a, b) WHERE a IS NOT NULL'
        """
        return f"CREATE INDEX {self.name} ON {self.table} ({', '.join(self.columns)})" + (
            f" WHERE {self.where}" if self.where else "")


def _s(name: str, size: int, nullable: bool = False, **kw: bool) -> Col:
    return Col(name, "str", size, nullable, **kw)


def _t(name: str, nullable: bool = False) -> Col:
    return Col(name, "text", None, nullable)


def _ix(table: str, *columns: str, suffix: str | None = None, where: str | None = None) -> IndexDef:
    return IndexDef(table, f"ix_{table}_{suffix or columns[0]}", columns, where)


POSITION = Col("position", "position", nullable=False, key=True)

ledger_index = TableDef("ledger_index", (
    POSITION,
    _s("event_id", 36, unique=True),
    _s("type", 40),
    _s("subject_kind", 10),
    _s("subject", 100),
    _s("target", 36, nullable=True),
    _s("date", 10),
    _s("recorded_at", 32),
    _t("recorded_by"),
    # No copy of the event: until schema 8 a `payload` column repeated the log's (a fifth of the database,
    # and 15-20% of what a rebuild writes; docs/performance.md). Readers join the log (with_log, event_text).
    # NULL unless a correction changed the event (581 of a generated 100k ledger, 80 of them retracted): a
    # second copy of every payload was 20% of the database, 3-8% of a 1M import's time and 15% of a rebuild's
    # (docs/performance.md). LIVE and reads_as say how to read it.
    _t("current", nullable=True),
), (
    _ix("ledger_index", "subject_kind", "subject", "position", suffix="subject"),
    # Only corrections have a target (~1% of events): an entry for every other row cost each insert
    # ~1.3 µs and was never read. `target = ?` and `target IN (…)` imply the condition, so both
    # SQLite and PostgreSQL use it.
    _ix("ledger_index", "target", where="target IS NOT NULL"),
    _ix("ledger_index", "recorded_at"),
    _ix("ledger_index", "date"),
))

#: ``ledger_index.current`` of a retracted event: JSON ``null``, the event reads as nothing.
RETRACTED = "null"
#: The condition of a live row of ``ledger_index``: not a correction, not retracted.
LIVE = f"target IS NULL AND (current IS NULL OR current <> '{RETRACTED}')"

#: The log's one stream (``ledger.storage.LEDGER_STREAM``), 16 bytes in hex.
LOG_STREAM_HEX = "6c656467657240008000000000000001"
#: Where the event's own JSON starts (1-based) in the log's ``state``, which reads
#: ``{"recorded_at":"<32 characters>","event":<the event>}`` (``ledger.log.encode_state``; the
#: insert guard holds the first 48 bytes, ``verify`` every byte). Cut out by offset, not parsed: a
#: JSON function would cost a parse per row and give back its own rewriting of the text.
EVENT_AT = len('{"recorded_at":"') + 32 + len('","event":') + 1


def with_log(postgres: bool, hint: str = "") -> str:
    """``ledger_index`` joined to the log row of each position: the FROM clause of a read of
    :func:`event_text` or :func:`reads_as` (``hint``: SQLite's ``NOT INDEXED``). Each row is one
    lookup: on SQLite by the log's row id, on PostgreSQL by its unique key (stream, version)."""
    if postgres:
        # By the key: a sequence skips the values of a rolled-back insert, so ids leave gaps.
        # CAST, not `::uuid`: the read queries' `:name` parameters would take it for one.
        return (f"ledger_index{hint} JOIN ledger_events ON ledger_events.originator_id = "
                f"CAST('{LOG_STREAM_HEX}' AS uuid) AND ledger_events.originator_version = ledger_index.position")
    # SQLite's `id` is the table's rowid, so this is one search of the table instead of one of the
    # (stream, version) index and then one of the table (half the cost per row, measured at 100k and
    # 1M, docs/performance.md). It is the position: the library inserts each row at the largest rowid
    # + 1, a rolled-back append leaves no gap, rows are never deleted, and `verify` holds every row to
    # it. CROSS JOIN keeps the index driving: every filter and order is on its columns, the log only
    # answers the lookup; left to itself, without ANALYZE statistics, SQLite walked the whole log and
    # sorted it for `ORDER BY position`, which the index's rowid gives free.
    return f"ledger_index{hint} CROSS JOIN ledger_events ON ledger_events.id = ledger_index.position"


def bytewise(postgres: bool) -> str:
    """The collation that orders text by code point, Python's order of ``str``, on both databases (appended to
    an ``ORDER BY`` term or a comparison): what a stream the database sorts must follow to merge in Python or
    be grouped as Python sorts. SQLite's default (``BINARY``) already does; a PostgreSQL locale need not."""
    return ' COLLATE "C"' if postgres else ""


def event_text(postgres: bool) -> str:
    """The event as recorded, as text, cut from the log's ``state`` (FROM :func:`with_log`)."""
    cut = f"substr(ledger_events.state, {EVENT_AT}, length(ledger_events.state) - {EVENT_AT})"
    return f"convert_from({cut}, 'UTF8')" if postgres else f"CAST({cut} AS TEXT)"


def reads_as(postgres: bool) -> str:
    """The event as it reads now: its corrected form where there is one, else as recorded."""
    return f"COALESCE(current, {event_text(postgres)})"

ledger_chain = TableDef("ledger_chain", (POSITION, _s("digest", 64)))

measure_intervals = TableDef("measure_intervals", (
    _s("measure", 100), _s("valid_from", 10), _s("valid_to", 10), _s("imposer", 2), _s("status", 10), _t("view"),
), (
    _ix("measure_intervals", "valid_from", "valid_to", suffix="asof"),
    _ix("measure_intervals", "imposer", "valid_from"),
    _ix("measure_intervals", "measure", "valid_from"),
))

# Every partner and HS prefix a measure has named in any version (axis "p" or "h"), so a
# query for one partner or one product finds its candidate measures without scanning the rest.
measure_scope = TableDef("measure_scope", (
    _s("measure", 100), _s("imposer", 2), _s("axis", 1), _s("value", 10),
), (
    _ix("measure_scope", "axis", "value", "imposer", suffix="lookup"),
    _ix("measure_scope", "measure"),
))

# Which countries are parties to which track, and which summits name which track.
track_parties = TableDef("track_parties", (
    _s("track", 100), _s("party", 2), _s("opened_on", 10),
), (
    _ix("track_parties", "party", "opened_on"),
    _ix("track_parties", "track"),
))

# Ordered pairs of parties per track: "talks between US and JP" is one index lookup, however
# many tracks either country has with others.
track_pairs = TableDef("track_pairs", (
    _s("track", 100), _s("party", 2), _s("other", 2), _s("opened_on", 10),
), (
    _ix("track_pairs", "party", "other", "opened_on", suffix="pair"),
    _ix("track_pairs", "track"),
))

summit_tracks = TableDef("summit_tracks", (
    _s("summit", 100), _s("track", 100),
), (
    _ix("summit_tracks", "track"),
    _ix("summit_tracks", "summit"),
))

# One row per schedule (its live publication): the rows "which schedule is in force" is decided over.
schedule_heads = TableDef("schedule_heads", (
    _s("schedule", 100), _s("imposer", 2), _t("basis"), _s("effective_on", 10),
    Col("position", "position", nullable=False), _t("head"),
), (
    _ix("schedule_heads", "imposer", "effective_on"),
    _ix("schedule_heads", "schedule"),
))

# Each schedule's lines over its own valid time (supersession by a newer schedule is decided at query
# time, over schedule_heads: see projections/schedules.py). rate is the ad-valorem percent as text, or NULL.
schedule_lines = TableDef("schedule_lines", (
    _s("schedule", 100), _s("imposer", 2), _t("basis"), _s("product", 10), _s("valid_from", 10), _s("valid_to", 10),
    _s("rate", 40, nullable=True), _t("text"), Col("specific", "int", nullable=False),
    _t("preferential", nullable=True),
), (
    _ix("schedule_lines", "schedule", "product", "valid_from", suffix="lookup"),
))

subjects = TableDef("subjects", (
    _s("kind", 10, key=True), _s("slug", 201, key=True), Col("position", "position", nullable=False), _t("facts"),
))

ledger_meta = TableDef("ledger_meta", (_s("key", 40, key=True), _t("value")))

#: Every table, in the order they are created.
TABLES = (ledger_index, ledger_chain, measure_intervals, measure_scope, track_parties, track_pairs, summit_tracks,
          schedule_heads, schedule_lines, subjects, ledger_meta)
#: The keys ``ledger_meta`` holds; ``verify`` refuses any other (answers depend on both).
META_KEYS = ("position", "schema_version")
