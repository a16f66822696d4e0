"""A typed append loads what storing one event needs, and no more (issue 12: its start-up is its cost).

It writes the log's rows, the chain and the read models on the driver's own connection
(``ledger.log``; ``tests/integration/test_log_rows.py`` holds the rows to the library's), so neither
SQLAlchemy nor the ``eventsourcing`` library is loaded: they were ~150 ms of its ~350. Nor rich (a
one-line message needs no console). Where the library is loaded (``init``, ``rebuild``, ``verify``,
``restore``), ``sqlalchemy_utils`` is not: its package import loads every SQLAlchemy dialect, for one
column type (``ledger.uuidtype``). Each append runs in a fresh interpreter, on SQLite and PostgreSQL.
No timing is asserted.
"""

from __future__ import annotations

import pytest

from tests.cli.test_read_imports import ROOT, modules_of
from tests.conftest import Cli

STATEMENT = ("append", "talks.statement", "--date", "2025-06-06", "--track", "us-jp-tariffs", "--speaker",
             "Ryosei Akazawa", "--party", "JP", "--text", "yet to find common ground", "--source", "Asahi Shimbun")
FORBIDDEN = ("sqlalchemy", "sqlalchemy_utils", "eventsourcing", "eventsourcing_sqlalchemy", "rich")


@pytest.fixture
def opened(cli: Cli) -> Cli:
    run = cli("append", "talks.opened", "--date", "2025-04-01", "--track", "us-jp-tariffs", "--parties", "US,JP",
              "--title", "US–Japan tariff talks", "--source", "USTR")
    assert run.exit_code == 0, run.stderr
    return cli


def test_a_typed_append_imports_no_sqlalchemy_no_eventsourcing_and_no_rich(opened: Cli) -> None:
    out, modules = modules_of(opened.url, *STATEMENT)
    event_id = out.strip()
    assert event_id, "the append printed no event id"
    assert [m for m in modules if m.split(".")[0] in FORBIDDEN] == []
    last = opened("history", "--track", "us-jp-tariffs", "--format", "json").json()[-1]
    assert (last["id"], last["type"], last["text"]) == (event_id, "talks.statement", "yet to find common ground")
    assert opened("verify").exit_code == 0  # the chain, the index and every read model agree with the log


def test_a_file_append_imports_no_sqlalchemy_and_no_eventsourcing_either(cli: Cli) -> None:
    sample = ROOT / "examples" / "us-japan-2025.jsonl"
    _, modules = modules_of(cli.url, "append", "--file", str(sample))
    assert [m for m in modules if m.split(".")[0] in FORBIDDEN[:4]] == []
    lines = [line for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert cli("digest", "--format", "json").json()["events"] == len(lines)
    assert cli("verify").exit_code == 0


def test_sqlalchemy_utils_imported_later_is_the_real_package() -> None:
    import subprocess
    import sys

    code = ("import ledger.store, sqlalchemy_utils, eventsourcing_sqlalchemy.models as m; "
            "print(hasattr(sqlalchemy_utils, 'UUIDType'), type(m.StoredEventRecord.originator_id.type).__module__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=True)
    # The library's table uses the ledger's stand-in; anyone importing sqlalchemy_utils gets the whole package.
    assert done.stdout.split() == ["True", "ledger.uuidtype"]
