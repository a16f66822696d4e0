"""What the machine can do without the ledger: the ceilings each benchmark figure is read against.

A figure means little alone: 5,000 events/s is fast on a Raspberry Pi and slow
on a server. So every run also measures, on the same machine and minute:

- raw SQLite: one transaction, ``executemany`` of ~300-byte rows (the bulk import ceiling);
- raw PostgreSQL: the same through psycopg (its pipeline mode);
- raw read + decode of the stored events (``sqlite3``/psycopg + ``orjson``): the rebuild/verify ceiling;
- the write floor: the database alone writing the rows a rebuild writes (and an import: those and the
  log's), copied table to table with ``INSERT … SELECT``, no Python per row (:func:`write_floor`);
- a raw indexed query on the read model: the in-process query ceiling;
- Python start-up (``python -c pass``, and with ``sqlite3, json, argparse`` imported): the cold CLI floor.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROW = ("x" * 280)  # with the id and SQLite's record header: a ~300-byte row


def _rows(count: int) -> list[tuple[int, str]]:
    return [(i, f"{i:012d}{ROW}") for i in range(count)]


def sqlite_insert_rate(count: int = 200_000, repeats: int = 3) -> float:
    """Rows/s for one transaction of ``executemany`` into a fresh SQLite file (WAL, as the ledger uses)."""
    rows = _rows(count)
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(repeats):
            path = Path(tmp) / f"ceiling{n}.db"
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
            start = time.perf_counter()
            db.execute("BEGIN")
            db.executemany("INSERT INTO t VALUES (?, ?)", rows)
            db.execute("COMMIT")
            rates.append(count / (time.perf_counter() - start))
            db.close()
    return statistics.median(rates)


def postgres_insert_rate(libpq_url: str, count: int = 100_000, repeats: int = 3) -> float:
    """Rows/s for one transaction of psycopg ``executemany`` into a temporary table."""
    import psycopg

    rows = _rows(count)
    rates = []
    with psycopg.connect(libpq_url) as conn:
        for _ in range(repeats):
            with conn.transaction():
                conn.execute("CREATE TEMP TABLE ceiling (id bigint PRIMARY KEY, payload text NOT NULL) "
                             "ON COMMIT DROP")
                start = time.perf_counter()
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO ceiling VALUES (%s, %s)", rows)
                rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def sqlite_read_decode_rate(path: Path, table: str = "ledger_events", column: str = "state") -> float | None:
    """Rows/s reading and decoding every stored event with ``sqlite3`` + ``orjson`` (None if no such table)."""
    import orjson

    db = sqlite3.connect(path)
    try:
        start = time.perf_counter()
        count = 0
        loads = orjson.loads
        for (state,) in db.execute(f"SELECT {column} FROM {table} ORDER BY id"):  # noqa: S608 (fixed names)
            loads(state)
            count += 1
        elapsed = time.perf_counter() - start
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return count / elapsed if count else None


def postgres_read_decode_rate(libpq_url: str, table: str = "ledger_events", column: str = "state") -> float | None:
    import orjson
    import psycopg

    try:
        with psycopg.connect(libpq_url) as conn, conn.cursor(name="ceiling") as cur:
            cur.itersize = 5000
            start = time.perf_counter()
            cur.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
            count = 0
            for (state,) in cur:
                orjson.loads(state)
                count += 1
            elapsed = time.perf_counter() - start
    except psycopg.Error:
        return None
    return count / elapsed if count else None


def _floor_tables(with_log: bool) -> list[tuple[str, list[Any]]]:
    """(table, its non-partial indexes) for what a rebuild writes, and the log before them for an import."""
    from projections.readmodel.layout import ledger_chain, ledger_index, subjects
    from projections.readmodel.registry import READ_MODELS

    derived = list(dict.fromkeys([ledger_index, subjects, *(m.table for m in READ_MODELS)]))  # subjects is one
    tables = [(t.name, [i for i in t.indexes if i.where is None]) for t in derived]
    return ([("ledger_events", []), (ledger_chain.name, [])] if with_log else []) + tables


def write_floor(source: str, target: str, with_log: bool) -> float:
    """Seconds the database alone takes to write what a rebuild writes (``with_log``: what an import writes).

    ``source`` is a ledger and ``target`` an empty one just made by ``ledger init`` (SQLite paths, or
    libpq URLs whose ``search_path`` picks the schema), on the same database server or disk. In one
    transaction, timed from its start to its commit: the non-partial indexes dropped, every table copied
    with ``INSERT … SELECT`` in the source's order, the indexes built again from the sorted rows (as a
    rebuild and an import into an empty SQLite ledger do). No Python runs per row, nothing is decoded,
    folded or checked, so no ledger can write the same rows faster on this machine: a rebuild of n
    events cannot beat n ÷ this many seconds. On SQLite the log's insert guard runs, as for an import;
    on PostgreSQL it is switched off inside the transaction, because it refuses record times older than
    the transaction, which every copied row has (docs/performance.md gives its cost per row).
    """
    tables = _floor_tables(with_log)
    if target.startswith("postgresql://"):
        return _postgres_floor(source, target, tables, with_log)
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute("PRAGMA cache_size = -131072")  # the writer's (ledger.append.WRITE_CACHE_KB)
        db.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        for _, indexes in tables:
            for index in indexes:
                db.execute(f"DROP INDEX IF EXISTS main.{index.name}")
        for name, _ in tables:
            cols = ", ".join(f'"{r[1]}"' for r in db.execute(f"PRAGMA main.table_info({name})"))
            db.execute(f"INSERT INTO main.{name} ({cols}) SELECT {cols} FROM src.{name} ORDER BY rowid")  # noqa: S608
        for _, indexes in tables:
            for index in indexes:
                db.execute(index.create_sql)
        db.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        db.close()


def _postgres_floor(source: str, target: str, tables: list[tuple[str, list[Any]]], with_log: bool) -> float:
    import psycopg

    with psycopg.connect(source) as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None
    schema = row[0]
    with psycopg.connect(target) as conn:
        start = time.perf_counter()
        with conn.transaction():
            if with_log:
                conn.execute("ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_insert_guard")
            for _, indexes in tables:
                for index in indexes:
                    conn.execute(f"DROP INDEX IF EXISTS {index.name}")
            for name, _ in tables:
                cols = ", ".join(f'"{c}"' for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s ORDER BY ordinal_position", (name,)))
                conn.execute(f'INSERT INTO {name} ({cols}) SELECT {cols} FROM "{schema}".{name}')  # noqa: S608
            for _, indexes in tables:
                for index in indexes:
                    conn.execute(index.create_sql)
            if with_log:
                conn.execute("ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_insert_guard")
        return time.perf_counter() - start


INTERVALS_SQL = "SELECT view FROM measure_intervals WHERE imposer = {0} AND valid_from <= {0} AND valid_to > {0}"


def postgres_query_ms(libpq_url: str, imposer: str, day: str, repeats: int = 200) -> float | None:
    """The same hand-made as-of lookup through psycopg: the PostgreSQL query ceiling."""
    import json

    import psycopg

    sql = INTERVALS_SQL.format("%s")
    try:
        with psycopg.connect(libpq_url) as conn:
            return median_ms(lambda: [json.loads(v) for (v,) in conn.execute(sql, (imposer, day, day))], repeats, 1.0)
    except psycopg.Error:
        return None


def sqlite_query_ms(path: Path, imposer: str, day: str, repeats: int = 200) -> float | None:
    """Median ms of the as-of lookup done by hand: indexed interval rows of one imposer, JSON-decoded."""
    import json

    db = sqlite3.connect(path)
    sql = INTERVALS_SQL.format("?")
    try:
        return median_ms(lambda: [json.loads(v) for (v,) in db.execute(sql, (imposer, day, day))], repeats, 1.0)
    except sqlite3.Error:
        return None
    finally:
        db.close()


def median_ms(call: Callable[[], Any], repeats: int, budget_s: float = 3.0) -> float:
    """Median wall time of ``call`` in ms, after one warm-up; stops early when the budget is spent."""
    return median_times(call, repeats, budget_s)[0]


def median_times(call: Callable[[], Any], repeats: int, budget_s: float = 3.0) -> tuple[float, float]:
    """Median wall ms and median CPU ms (this process) of ``call``, after one warm-up.

    The CPU figure does not count a database server's work, but it hardly moves when other
    jobs share the machine, so it is the one to compare across runs on a busy machine.
    """
    call()
    walls: list[float] = []
    cpus: list[float] = []
    deadline = time.perf_counter() + budget_s
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        if len(walls) >= 5 and time.perf_counter() > deadline:
            break
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def startup_ms(code: str, repeats: int = 10) -> float:
    """Median wall ms of ``python -c code`` (the same interpreter, a fresh process)."""
    times = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    for _ in range(repeats + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1000


def postgres_schema_mb(libpq_url: str) -> float:
    """Size of the ledger's tables with their indexes and TOAST, in the schema the URL selects."""
    import psycopg

    with psycopg.connect(libpq_url) as conn:
        size = conn.execute(
            "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ).fetchone()
    return round(float(size[0] if size else 0) / 2**20, 1)
