"""Read-model tables (SQLAlchemy Core), kept in the ledger's database beside the event store.

``ledger_index``   one row per stored event: position, id, subject, valid date, record time,
                   author, the event as recorded (``payload``) and as it reads after
                   corrections (``current``, NULL once retracted). History, export
                   filters, subject folds and ``--known-at`` replays read it.
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

Dates are ISO strings and record times fixed-width ISO UTC strings, so they sort
and compare the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()
Position = BigInteger().with_variant(Integer(), "sqlite")
# valid_to of an interval still open. No event date can reach it: events.limits.MAX_DATE stops a day
# before (tests/cli/test_hardening.py checks both ends), so `valid_to > as_of` holds for every accepted day.
OPEN_END = "9999-12-31"

ledger_index = Table(
    "ledger_index",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(40), nullable=False),
    Column("subject_kind", String(10), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("target", String(36)),
    Column("date", String(10), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("current", Text),
    Index("ix_ledger_index_subject", "subject_kind", "subject", "position"),
    Index("ix_ledger_index_target", "target"),
    Index("ix_ledger_index_recorded_at", "recorded_at"),
    Index("ix_ledger_index_date", "date"),
)

ledger_chain = Table(
    "ledger_chain",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
)

measure_intervals = Table(
    "measure_intervals",
    metadata,
    Column("measure", String(100), nullable=False),
    Column("valid_from", String(10), nullable=False),
    Column("valid_to", String(10), nullable=False),
    Column("imposer", String(2), nullable=False),
    Column("status", String(10), nullable=False),
    Column("view", Text, nullable=False),
    Index("ix_measure_intervals_asof", "valid_from", "valid_to"),
    Index("ix_measure_intervals_imposer", "imposer", "valid_from"),
    Index("ix_measure_intervals_measure", "measure", "valid_from"),
)

# Every partner and HS prefix a measure has named in any version (axis "p" or "h"), so a
# query for one partner or one product finds its candidate measures without scanning the rest.
measure_scope = Table(
    "measure_scope",
    metadata,
    Column("measure", String(100), nullable=False),
    Column("imposer", String(2), nullable=False),
    Column("axis", String(1), nullable=False),
    Column("value", String(10), nullable=False),
    Index("ix_measure_scope_lookup", "axis", "value", "imposer"),
    Index("ix_measure_scope_measure", "measure"),
)

# Which countries are parties to which track, and which summits name which track.
track_parties = Table(
    "track_parties",
    metadata,
    Column("track", String(100), nullable=False),
    Column("party", String(2), nullable=False),
    Column("opened_on", String(10), nullable=False),
    Index("ix_track_parties_party", "party", "opened_on"),
    Index("ix_track_parties_track", "track"),
)

# Ordered pairs of parties per track: "talks between US and JP" is one index lookup, however
# many tracks either country has with others.
track_pairs = Table(
    "track_pairs",
    metadata,
    Column("track", String(100), nullable=False),
    Column("party", String(2), nullable=False),
    Column("other", String(2), nullable=False),
    Column("opened_on", String(10), nullable=False),
    Index("ix_track_pairs_pair", "party", "other", "opened_on"),
    Index("ix_track_pairs_track", "track"),
)

summit_tracks = Table(
    "summit_tracks",
    metadata,
    Column("summit", String(100), nullable=False),
    Column("track", String(100), nullable=False),
    Index("ix_summit_tracks_track", "track"),
    Index("ix_summit_tracks_summit", "summit"),
)

# One row per schedule (its live publication): the rows "which schedule is in force" is decided over.
schedule_heads = Table(
    "schedule_heads",
    metadata,
    Column("schedule", String(100), nullable=False),
    Column("imposer", String(2), nullable=False),
    Column("basis", Text, nullable=False),
    Column("effective_on", String(10), nullable=False),
    Column("position", Position, nullable=False),
    Column("head", Text, nullable=False),
    Index("ix_schedule_heads_imposer", "imposer", "effective_on"),
    Index("ix_schedule_heads_schedule", "schedule"),
)

# Each schedule's lines over its own valid time (supersession by a newer schedule is decided at query
# time, over schedule_heads: see projections/schedules.py). rate is the ad-valorem percent as text, or NULL.
schedule_lines = Table(
    "schedule_lines",
    metadata,
    Column("schedule", String(100), nullable=False),
    Column("imposer", String(2), nullable=False),
    Column("basis", Text, nullable=False),
    Column("product", String(10), nullable=False),
    Column("valid_from", String(10), nullable=False),
    Column("valid_to", String(10), nullable=False),
    Column("rate", String(40)),
    Column("text", Text, nullable=False),
    Column("specific", Integer, nullable=False),
    Column("preferential", Text),
    Index("ix_schedule_lines_lookup", "schedule", "product", "valid_from"),
)

subjects = Table(
    "subjects",
    metadata,
    Column("kind", String(10), primary_key=True),
    Column("slug", String(201), primary_key=True),
    Column("position", Position, nullable=False),
    Column("facts", Text, nullable=False),
)

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

#: The keys ``ledger_meta`` holds; ``verify`` refuses any other (answers depend on both).
META_KEYS = ("position", "schema_version")
# Bumped when read models change shape or meaning (kept in `reads`, which the read path checks without
# SQLAlchemy); `ledger init` upgrades (and rebuilds) older ledgers.
from projections.readmodel.reads import SCHEMA_VERSION  # noqa: E402,F401
