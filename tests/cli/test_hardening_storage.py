"""Issue 10, finding 5 (storage half): `init` and `rebuild` on a place they cannot use say so in one line.

Each row used to end in "internal error … please report it". Now a storage problem
exits 1 naming what could not be done, where, and the driver's reason; a ``--db`` the
ledger cannot use at all (``mysql://``) exits 2; and ``init`` leaves a file that is not
a ledger untouched unless ``--force``.

Read-only cases and root: file permissions do not stop root, and the suite often runs as
root in containers. So :func:`read_only` uses ``chmod`` for other users and, for root, the
immutable attribute (``chattr +i``), which stops root too; where ``chattr`` is not allowed
(no CAP_LINUX_IMMUTABLE, a file system without attributes) those rows skip, saying why.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text

from tests.cli.test_hardening_dates import one_error
from tests.conftest import PG_URL, Cli, Run, pg_problem, pg_schema_url
from tests.scenario import ev


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a directory) cannot be written by this process while the block runs."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"running as root and `chattr +i` is refused here ({done.stderr.strip()}): "
                    "nothing can make a file read-only for root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def other_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Acme')")


INIT_CASES: list[tuple[str, Callable[[Path], Path], list[str], int, str]] = [
    # (case, make the place and return the --db path, extra init args, exit status, message)
    ("a text file", lambda d: _write(d / "notes.txt", "hello\n"), [], 1,
     "notes.txt is not a SQLite database: refusing to touch it"),
    ("a directory", lambda d: _mkdir(d / "folder"), [], 1, "folder is a directory: give the ledger a file"),
    ("a missing directory", lambda d: d / "nowhere" / "l.db", [], 1, "nowhere does not exist"),
    ("another SQLite database", lambda d: _other(d / "crm.db"), [], 1,
     "crm.db is a SQLite database with other tables (customers) and no ledger"),
    ("another SQLite database, forced", lambda d: _other(d / "crm.db"), ["--force"], 0, "created"),
    ("an empty file", lambda d: _write(d / "empty.db", ""), [], 0, "created"),
]


def _write(path: Path, content: str) -> Path:
    path.write_text(content)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _other(path: Path) -> Path:
    other_database(path)
    return path


@pytest.mark.parametrize(("case", "make", "args", "code", "message"), INIT_CASES, ids=[c[0] for c in INIT_CASES])
def test_init_on_a_sqlite_place(tmp_path: Path, case: str, make: Callable[[Path], Path], args: list[str], code: int,
                                message: str) -> None:
    path = make(tmp_path)
    before = path.read_bytes() if path.is_file() else None
    run = Cli(sqlite_url(path))("init", *args)
    if code:
        one_error(run, code, "error: ", message)
        assert len(run.stderr.splitlines()) == 1
        if before is not None:
            assert path.read_bytes() == before, "a refused init must not touch the file"
    else:
        assert run.exit_code == 0 and message in run.stderr, run.stderr


def test_init_leaves_another_database_as_it_was_and_forced_keeps_its_tables(tmp_path: Path) -> None:
    path = _other(tmp_path / "crm.db")
    assert Cli(sqlite_url(path))("init").exit_code == 1
    assert (tables(path), journal_mode(path)) == (["customers"], "delete")
    assert Cli(sqlite_url(path))("init", "--force").exit_code == 0
    assert {"customers", "ledger_events", "ledger_meta"} <= set(tables(path))
    assert Cli(sqlite_url(path))("init").exit_code == 0  # now a ledger: init is idempotent again


def test_init_completes_a_half_created_ledger(tmp_path: Path) -> None:
    path = tmp_path / "half.db"
    assert Cli(sqlite_url(path))("init").exit_code == 0
    with sqlite3.connect(path) as conn:  # as if init had been killed before the read models were made
        conn.execute("DROP TABLE ledger_meta")
        conn.execute("DROP TABLE subjects")
    run = Cli(sqlite_url(path))("init")
    assert run.exit_code == 0, run.stderr
    assert Cli(sqlite_url(path))("verify").exit_code == 0


def test_init_on_a_read_only_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "ro.db", "")
    with read_only(path):
        run = Cli(sqlite_url(path))("init")
    one_error(run, 1, f"error: cannot create the ledger at {path}: the database is read-only")


def test_init_in_an_unwritable_directory(tmp_path: Path) -> None:
    folder = _mkdir(tmp_path / "locked")
    with read_only(folder):
        run = Cli(sqlite_url(folder / "l.db"))("init")
    one_error(run, 1, f"error: cannot create the ledger at {folder / 'l.db'}: SQLite cannot open or create the file")


def test_rebuild_on_a_read_only_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    cli = Cli(sqlite_url(path))
    assert cli("init").exit_code == 0
    assert cli.append_lines([ev("talks.opened", "2025-01-02", track="t", parties=["US", "JP"])]).exit_code == 0
    with read_only(path):
        run = cli("rebuild")
        reads = cli("history", "--format", "json")
    one_error(run, 1, f"error: cannot rebuild the read models at {path}: the database is read-only")
    assert reads.exit_code == 0 and len(reads.json()) == 1  # reading a read-only ledger still works


class EnvCli(Cli):
    """The CLI with no --db: the ledger comes from $LEDGER_DB."""

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Run:
        from click.testing import CliRunner

        from ledger.cli import run

        with CliRunner().isolation(env={"LEDGER_DB": self.url, **(env or {})}) as (out, err, _):
            code = run(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            return Run(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.mark.parametrize(("cli", "scheme"), [
    (Cli("mysql://analyst:s3cret@db.example.org/ledger"), "mysql"),
    (Cli("postgresql+asyncpg://analyst:s3cret@h/db"), "postgresql+asyncpg"),
    (EnvCli("oracle://analyst:s3cret@h/db"), "oracle"),
], ids=["mysql", "asyncpg", "oracle in LEDGER_DB"])
def test_a_database_url_the_ledger_cannot_use_is_bad_input(cli: Cli, scheme: str) -> None:
    for command in (["init"], ["state", "--as-of", "2025-01-01"]):
        run = cli(*command)
        one_error(run, 2, f"error: db: {scheme}:// is not a database the ledger can use")
        assert "s3cret" not in run.stderr  # the rest of a URL may hold a password: never echoed


# -- PostgreSQL ---------------------------------------------------------------------------------------------


def _pg_url(**parts: object) -> str:
    return sqlalchemy.engine.make_url(PG_URL).set(**parts).render_as_string(hide_password=False)


def test_init_with_postgresql_on_a_port_nobody_listens_on() -> None:
    run = Cli(_pg_url(port=1))("init")
    one_error(run, 1, "error: cannot create the ledger at", ":1/", "cannot connect to the database server",
              "Connection refused")


def test_init_with_a_postgresql_database_that_does_not_exist() -> None:
    if pg_problem() is not None:
        pytest.skip(f"PostgreSQL not reachable: {pg_problem()}")
    missing = f"no_such_ledger_{uuid.uuid4().hex[:8]}"
    run = Cli(_pg_url(database=missing))("init")
    one_error(run, 1, "error: cannot create the ledger at", "that database does not exist on the server",
              f'database "{missing}" does not exist')


@pytest.fixture
def select_only() -> Iterator[str]:
    """A PostgreSQL ledger's URL as a fresh login role that may only SELECT (roles are a PostgreSQL matter)."""
    urls = pg_schema_url()
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    role = f"ledger_reader_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(cli.url)
    try:
        with admin.begin() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
            conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
        user = sqlalchemy.engine.make_url(PG_URL).username
        yield cli.url.replace(f"://{user}@", f"://{role}@", 1)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
        next(urls, None)  # drops the schema


def test_rebuild_as_a_select_only_role(select_only: str) -> None:
    reader = Cli(select_only)
    assert reader("history").exit_code == 0  # reading is what the role may do
    run = reader("rebuild")
    one_error(run, 1, "error: cannot rebuild the read models at", "the database role lacks a privilege this needs",
              "permission denied")
