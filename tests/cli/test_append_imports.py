"""A typed append loads what storing one event needs, and no more (issue 12: its start-up is its cost).

The event store is the ``eventsourcing`` recorder over SQLAlchemy, so SQLAlchemy and the library are
loaded; what is not: ``sqlalchemy_utils`` (its package import loads every SQLAlchemy dialect, for one
column type: ``ledger.uuidtype``), the dialects of other databases, and rich (a one-line message needs
no console). Each append runs in a fresh interpreter, on SQLite and PostgreSQL. No timing is asserted.
"""

from __future__ import annotations

import pytest

from tests.cli.test_read_imports import modules_of
from tests.conftest import Cli

STATEMENT = ("append", "talks.statement", "--date", "2025-06-06", "--track", "us-jp-tariffs", "--speaker",
             "Ryosei Akazawa", "--party", "JP", "--text", "yet to find common ground", "--source", "Asahi Shimbun")
OTHER_DIALECTS = ("mysql", "mssql", "oracle")


@pytest.fixture
def opened(cli: Cli) -> Cli:
    run = cli("append", "talks.opened", "--date", "2025-04-01", "--track", "us-jp-tariffs", "--parties", "US,JP",
              "--title", "US–Japan tariff talks", "--source", "USTR")
    assert run.exit_code == 0, run.stderr
    return cli


def test_a_typed_append_stores_through_the_recorder_without_sqlalchemy_utils(opened: Cli) -> None:
    out, modules = modules_of(opened.url, *STATEMENT)
    assert out.strip(), "the append printed no event id"
    assert "eventsourcing_sqlalchemy.recorders" in modules  # the one append path: the library's recorder
    assert [m for m in modules if m.split(".")[0] == "sqlalchemy_utils"] == []
    assert [m for m in modules if m.split(".")[:3][-1] in OTHER_DIALECTS and m.startswith("sqlalchemy.dialects")] == []
    assert [m for m in modules if m.split(".")[0] == "rich"] == []
    assert opened("history", "--track", "us-jp-tariffs", "--format", "json").json()[-1]["type"] == "talks.statement"


def test_sqlalchemy_utils_imported_later_is_the_real_package() -> None:
    import subprocess
    import sys

    from tests.cli.test_read_imports import ROOT

    code = ("import ledger.store, sqlalchemy_utils, eventsourcing_sqlalchemy.models as m; "
            "print(hasattr(sqlalchemy_utils, 'UUIDType'), type(m.StoredEventRecord.originator_id.type).__module__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=True)
    # The library's table uses the ledger's stand-in; anyone importing sqlalchemy_utils gets the whole package.
    assert done.stdout.split() == ["True", "ledger.uuidtype"]
