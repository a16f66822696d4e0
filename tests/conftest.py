"""Shared fixtures: a fresh ledger per test on SQLite and on PostgreSQL, and an in-process CLI runner.

PostgreSQL is the server at 127.0.0.1:5432 (or ``$LEDGER_TEST_PG_URL``). Each test
gets its own schema (selected through the connection's ``search_path``), dropped
afterwards, so leftovers of an earlier run never change a result. With
``CI=true`` an unreachable server fails the PostgreSQL tests; elsewhere they skip
with the reason.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.service import Ledger

PG_URL = os.environ.get("LEDGER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgres")
REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "us-japan-2025.jsonl"

_pg_problem: str | None = None
_pg_checked = False


def pg_problem() -> str | None:
    """None if PostgreSQL answers, else why not (checked once per run)."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        import psycopg

        try:
            with psycopg.connect(_libpq(PG_URL), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # any failure to connect is a reason to skip off CI
            _pg_problem = f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return _pg_problem


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema; the schema is dropped afterwards."""
    problem = pg_problem()
    if problem is not None:
        if ON_CI:
            pytest.fail(f"PostgreSQL must run on CI but is unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({problem}); set LEDGER_TEST_PG_URL or start it")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(PG_URL), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_libpq(PG_URL), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def backend_url(backend: str, directory: Path) -> Iterator[str]:
    """A fresh database on ``backend`` (a file in ``directory``, or a new PostgreSQL schema)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'ledger.db'}"
    else:
        yield from pg_schema_url()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no ledger yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield from pg_schema_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Ledger]:
    """A fresh, initialised ledger on each backend, used through the library API."""
    ledger = Ledger(db_url)
    ledger.init()
    try:
        yield ledger
    finally:
        ledger.close()


@pytest.fixture
def writer(store: Ledger) -> Iterator[tuple[str, str]]:
    """PostgreSQL: a fresh login role granted exactly ``writer_grants``, and the ledger URL as that role.

    The role is dropped afterwards; on SQLite the test is skipped (roles are a PostgreSQL matter).
    """
    if not store.url.startswith("postgresql"):
        pytest.skip("roles are a PostgreSQL matter")
    import sqlalchemy
    from sqlalchemy import text

    from ledger.schema import writer_grants

    role = f"ledger_writer_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(store.url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            for statement in writer_grants(conn, role):
                conn.execute(text(statement))
        user = PG_URL.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
        yield role, store.url.replace(f"://{user}@", f"://{role}@", 1)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        import json

        return json.loads(self.stdout)


class Cli:
    """Runs the real ``ledger`` entry point in-process (``main()``, with its error handling)."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Run:
        from ledger.cli import run

        runner = CliRunner()
        environment = {"LEDGER_AUTHOR": "tester", "COLUMNS": "200", **(env or {})}
        with runner.isolation(input=input, env=environment) as (out, err, _):
            try:
                code = run(["--db", self.url, *args])
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            return Run(code, out.getvalue().decode(), err.getvalue().decode())

    def append_lines(self, events: list[dict[str, Any]]) -> Run:
        import json

        return self("append", "--file", "-", input="".join(json.dumps(e) + "\n" for e in events))


@pytest.fixture
def cli(store: Ledger) -> Cli:
    """The CLI on a fresh, initialised ledger (each backend)."""
    return Cli(store.url)


@pytest.fixture
def bare_cli(db_url: str) -> Cli:
    """The CLI on an empty database: no `ledger init` yet."""
    return Cli(db_url)
