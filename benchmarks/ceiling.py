"""What the machine can do without the ledger: the ceilings each benchmark figure is read against.

A figure means little alone: 5,000 events/s is fast on a Raspberry Pi and slow
on a server. So every run also measures, on the same machine and minute:

- raw SQLite: one transaction, ``executemany`` of ~300-byte rows (the bulk import ceiling);
- raw PostgreSQL: the same through psycopg (its pipeline mode);
- raw read + decode of the stored events (``sqlite3``/psycopg + ``orjson``): the rebuild/verify ceiling;
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
