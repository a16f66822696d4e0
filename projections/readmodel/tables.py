"""The read-model tables as SQLAlchemy Core, built from their declarations in :mod:`projections.readmodel.layout`.

Creating the schema, rebuilding indexes and the log replays use these; appends and reads use the
plain declarations and SQL text, and never import SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, text

from projections.readmodel import layout
from projections.readmodel.layout import META_KEYS as META_KEYS
from projections.readmodel.layout import OPEN_END as OPEN_END
from projections.readmodel.layout import Col, IndexDef, TableDef

metadata = MetaData()
Position = BigInteger().with_variant(Integer(), "sqlite")


def _type(col: Col) -> Any:
    if col.kind == "position":
        return Position
    if col.kind == "int":
        return Integer()
    return String(col.size) if col.kind == "str" else Text


def _table(table: TableDef) -> Table:
    columns: list[Column[Any]] = [
        Column(c.name, _type(c), primary_key=c.key, nullable=c.nullable and not c.key, unique=c.unique or None,
               autoincrement=False if c.key else "auto") for c in table.cols]
    return Table(table.name, metadata, *columns, *(_index(index) for index in table.indexes))


def _index(index: IndexDef) -> Index:
    if index.where is None:
        return Index(index.name, *index.columns)
    return Index(index.name, *index.columns, sqlite_where=text(index.where), postgresql_where=text(index.where))


ledger_index, ledger_chain, measure_intervals, measure_scope, track_parties, track_pairs, summit_tracks, \
    schedule_heads, schedule_lines, subjects, ledger_meta = (_table(t) for t in layout.TABLES)

# Bumped when read models change shape or meaning (kept in `reads`, which the read path checks without
# SQLAlchemy); `ledger init` upgrades (and rebuilds) older ledgers.
from projections.readmodel.reads import SCHEMA_VERSION  # noqa: E402,F401
