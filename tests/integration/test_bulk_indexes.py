"""A large import into an empty ledger, and ``rebuild``, build the read models' indexes once, at the end.

On SQLite both drop the non-unique indexes and create them again from the declarations
(:class:`projections.readmodel.writer.DeferredIndexes`); on PostgreSQL they keep them. Either
way the ledger ends with exactly the declared indexes, and a failed import leaves them as
they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from benchmarks.generate import write_file
from ledger.append import CHUNK
from ledger.service import Ledger
from projections.readmodel.layout import TABLES
from tests.conftest import Cli
from tests.integration.test_tamper import raw

DECLARED = {index.name: index for table in TABLES for index in table.indexes}


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "big.jsonl"
    write_file(path, "big", CHUNK + 500, seed=3)  # more than one chunk: the import defers its indexes
    return path


def indexes(url: str) -> dict[str, Any]:
    """The non-unique indexes of the read-model tables: name -> SQLite's DDL, or True on PostgreSQL."""
    engine = raw(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.execute(text("SELECT name, sql FROM sqlite_master "
                                         "WHERE type = 'index' AND sql IS NOT NULL"))
                return {name: sql for name, sql in rows if name in DECLARED}
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))
            return {name: True for (name,) in rows if name in DECLARED}
    finally:
        engine.dispose()


def declared(url: str) -> dict[str, Any]:
    sqlite = url.startswith("sqlite")
    return {name: index.create_sql if sqlite else True for name, index in DECLARED.items()}


def test_a_large_import_and_a_rebuild_end_with_every_declared_index(store: Ledger, events_file: Path) -> None:
    cli = Cli(store.url)
    assert indexes(store.url) == declared(store.url)
    run = cli("append", "--file", str(events_file))
    assert run.exit_code == 0, run.stderr
    assert indexes(store.url) == declared(store.url)
    assert cli("verify").exit_code == 0
    answers = cli("state", "--as-of", "2020-01-01", "--format", "json").json()
    assert cli("rebuild").exit_code == 0
    assert indexes(store.url) == declared(store.url)
    assert cli("verify").exit_code == 0
    assert cli("state", "--as-of", "2020-01-01", "--format", "json").json() == answers


def test_a_failed_large_import_leaves_the_indexes_and_writes_nothing(store: Ledger, events_file: Path,
                                                                     tmp_path: Path) -> None:
    lines = events_file.read_bytes().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join([*lines[: CHUNK + 10], b'{"type": "measure.revoked", "date": "2025-7-1"}']) + b"\n")
    cli = Cli(store.url)
    run = cli("append", "--file", str(bad))
    assert run.exit_code == 2, run.stderr
    assert "nothing was written" in run.stderr
    assert indexes(store.url) == declared(store.url)
    assert cli("digest").stdout.split()[1] == "0"
