"""``ledger export`` re-imports into an empty ledger with identical answers; importing again adds nothing.

The source is the sourced sample ledger plus a correction and a retraction;
the copy lives on the *other* backend, so SQLite → PostgreSQL and PostgreSQL →
SQLite are both exercised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, Cli, pg_schema_url
from tests.scenario import ev

DAYS = ("2025-01-01", "2025-04-05", "2025-04-09", "2025-06-01", "2025-06-14", "2025-08-07", "2025-09-20",
        "2025-12-31")
PAIRS = (("JP", "870323"), ("JP", "8708"), ("JP", "9503"), ("CN", "7208"), ("DE", "7601"))


@pytest.fixture
def source(cli: Cli) -> Cli:
    run = cli("append", "--file", str(SAMPLE))
    assert run.exit_code == 0, run.stderr
    entries = cli("history", "--format", "json").json()
    steel = next(e for e in entries if e.get("measure") == "us-232-steel" and e["type"] == "measure.announced")
    statement = next(e for e in entries if e["type"] == "talks.statement")
    fixes = [ev("ledger.corrected", "2025-11-01", target=steel["id"], fields={"rate": 30}, reason="test"),
             ev("ledger.retracted", "2025-11-01", target=statement["id"], reason="test")]
    assert cli.append_lines(fixes).exit_code == 0
    return cli


@pytest.fixture
def copy(db_url: str, tmp_path: Path) -> Iterator[Cli]:
    """An empty, initialised ledger on the other backend."""

    @contextmanager
    def other() -> Iterator[str]:
        if db_url.startswith("sqlite"):
            with contextmanager(pg_schema_url)() as url:
                yield url
        else:
            yield f"sqlite:///{tmp_path / 'copy.db'}"

    with other() as url:
        cli = Cli(url)
        assert cli("init").exit_code == 0
        yield cli


def answers(cli: Cli) -> dict[str, object]:
    out: dict[str, object] = {}
    for day in DAYS:
        out[f"state {day}"] = cli("state", "--as-of", day, "--format", "json").json()
        for partner, product in PAIRS:
            out[f"rate {day} {partner} {product}"] = cli("rate", partner, product, "--as-of", day, "--imposer", "US",
                                                         "--format", "json").json()
    return out


def import_into(cli: Cli, text: str) -> str:
    run = cli("append", "--file", "-", input=text)
    assert run.exit_code == 0, run.stderr
    return run.stderr


def test_export_is_json_lines_in_record_order(source: Cli) -> None:
    exported = [json.loads(line) for line in source("export").stdout.splitlines()]
    assert [e["id"] for e in exported] == [e["id"] for e in source("history", "--format", "json").json()]
    assert exported[-1]["type"] == "ledger.retracted"


def test_an_imported_export_gives_identical_answers(source: Cli, copy: Cli) -> None:
    text = source("export").stdout
    import_into(copy, text)
    assert answers(copy) == answers(source)


def test_an_imported_export_exports_the_same_events(source: Cli, copy: Cli) -> None:
    text = source("export").stdout
    import_into(copy, text)
    assert copy("export").stdout == text
    assert [e["recorded_by"] for e in copy("history", "--format", "json").json()] == [
        e["recorded_by"] for e in source("history", "--format", "json").json()]


def test_importing_twice_adds_nothing(source: Cli, copy: Cli) -> None:
    text = source("export").stdout
    import_into(copy, text)
    before = copy("history", "--format", "json").json()
    message = import_into(copy, text)
    assert "appended 0 events" in message
    after = copy("history", "--format", "json").json()
    assert after == before


def test_importing_into_the_source_itself_adds_nothing(source: Cli) -> None:
    before = source("export").stdout
    import_into(source, before)
    assert source("export").stdout == before


def test_an_export_written_to_a_file_re_imports(source: Cli, copy: Cli, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text(source("export").stdout)
    run = copy("append", "--file", str(path))
    assert run.exit_code == 0, run.stderr
    assert copy("state", "--as-of", "2025-09-20", "--format", "json").json() == source(
        "state", "--as-of", "2025-09-20", "--format", "json").json()


def test_rebuilding_the_read_models_keeps_every_answer(source: Cli) -> None:
    before = answers(source)
    run = source("rebuild")
    assert run.exit_code == 0, run.stderr
    assert answers(source) == before
