"""The write floor (``benchmarks.ceiling.write_floor``): the database alone writing what a rebuild and an
import write. It is only a yardstick if it writes all of it: every row of every table, every index again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from benchmarks.ceiling import _floor_tables, write_floor
from benchmarks.run import driver_place
from ledger.service import Ledger
from tests.conftest import pg_schema_url
from tests.integration.test_benchmark_generator import generated_ledger, rendered


@contextmanager
def _fresh(db_url: str, directory: Path, name: str) -> Iterator[str]:
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{directory / name}"
    else:
        yield from pg_schema_url()


def _facts(url: str) -> tuple[dict[str, int], set[str], list[Any]]:
    """Row counts of every table the floor writes, the names of the indexes, and the insert guard's state."""
    names = [name for name, _ in _floor_tables(True)]
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(driver_place(url))) as db:
            counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in names}  # noqa: S608
            indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
            guard = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ledger_events_insert_guard'").fetchall()
        return counts, indexes, guard
    import psycopg

    with psycopg.connect(driver_place(url)) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in names}  # type: ignore[index]
        indexes = {n for (n,) in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
        guard = conn.execute("SELECT t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN "
                             "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "
                             "t.tgname = 'ledger_events_insert_guard'").fetchall()
    return counts, indexes, guard


@pytest.mark.parametrize("with_log", [False, True], ids=["rebuild", "import"])
def test_the_floor_writes_every_row_and_builds_every_index_again(db_url: str, tmp_path: Path, with_log: bool) -> None:
    generated_ledger(db_url, seed=4)
    expected, indexes, guard = _facts(db_url)
    assert expected["measure_intervals"] > 0 and expected["subjects"] > 0  # a ledger with read models to copy
    with _fresh(db_url, tmp_path, "floor.db") as target:
        empty = Ledger(target)
        empty.init()
        empty.close()
        seconds = write_floor(driver_place(db_url), driver_place(target), with_log)
        counts, target_indexes, target_guard = _facts(target)
    assert seconds > 0
    written = {name for name, _ in _floor_tables(with_log)}
    assert {t: n for t, n in counts.items() if t in written} == {t: n for t, n in expected.items() if t in written}
    assert all(counts[t] == 0 for t in set(counts) - written)  # a rebuild's floor leaves the log alone
    assert {"ledger_events", "ledger_chain"} <= written if with_log else not written & {"ledger_events", "ledger_chain"}
    assert target_indexes == indexes  # each dropped index was built again
    assert target_guard == guard  # PostgreSQL: the insert guard is switched on again before the commit


def test_the_report_sets_rebuild_and_import_beside_their_floors() -> None:
    text = rendered({"backend": "sqlite", "size": 100_000, "growth_base_size": 1000,
                     "import": {"events_per_s": 10_000.0}, "rebuild": {"events_per_s": 20_000.0},
                     "write_floor": {"rebuild_per_s": 80_000.0, "import_per_s": 40_000.0}})
    assert "#### Write floors" in text
    assert "| sqlite | 100k | 20,000 | 80,000 | 0.25× | 10,000 | 40,000 | 0.25× |" in text
