"""Read commands start without the write side: `ledger state` and `ledger rate` (and the other reads,
``--known-at`` replays included) import no SQLAlchemy and no ``eventsourcing`` module (issue 12: those were over
a third of a read's start-up). Nor pydantic and the event models: ``state`` and ``diff`` fold negotiations
from the stored JSON (another ~45 ms of a cold ``state``).

Each command runs in a fresh interpreter on a loaded ledger (the US–Japan example: measures,
negotiations and an HTS excerpt), on SQLite and PostgreSQL, and prints the modules it imported
when it exits. No timing is asserted here: ``benchmarks`` measures the start-up; this test keeps
the reason it is fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("sqlalchemy", "eventsourcing", "eventsourcing_sqlalchemy")
# What folding negotiations from event models loaded: pydantic, and the models of the talks and summit
# families with the field types they share (events.common), or the whole registry.
MODELS = ("pydantic", "pydantic_core", "events.common", "events.talks", "events.summit", "events.registry")
# Runs the real entry point, then reports every module loaded, whatever the exit path.
WRAPPER = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
from ledger.cli import main
main()
"""


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    run = cli("append", "--file", str(ROOT / "examples" / "us-japan-2025.jsonl"))
    assert run.exit_code == 0, run.stderr
    return cli


def reported(wrapper: str, tag: str, url: str, *args: str) -> tuple[str, list[str]]:
    """The standard output of ``ledger --db URL ARGS`` run in a new interpreter through ``wrapper``, and the
    list the wrapper wrote to standard error after ``tag``."""
    env = {**os.environ, "LEDGER_DB": url, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith(f"{tag} "))
    return done.stdout, json.loads(line.removeprefix(f"{tag} "))


def modules_of(url: str, *args: str) -> tuple[str, list[str]]:
    """The standard output of ``ledger --db URL ARGS`` run in a new interpreter, and the modules it loaded."""
    return reported(WRAPPER, "MODULES", url, *args)


def forbidden(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in FORBIDDEN]


@pytest.mark.parametrize("args", [
    ("state", "--as-of", "2025-06-01", "--imposer", "US", "--partner", "JP"),
    ("state", "--as-of", "2025-06-01", "--format", "json"),
    ("rate", "JP", "87032301", "--as-of", "2025-06-01", "--imposer", "US"),
    ("rate", "JP", "87032301", "8708", "870323", "--as-of", "2025-06-01", "--format", "json"),
    ("diff", "--from", "2025-04-01", "--to", "2025-07-31", "--partner", "JP"),
    ("history", "--track", "us-jp-tariffs"),
    ("timeline", "--partner", "JP"),
    ("schedule", "list", "--as-of", "2025-06-01"),
    ("schedule", "show", "us-hts-2025", "--product", "8703"),
    ("digest",),
    ("export",),
    ("state", "--as-of", "2025-06-01", "--known-at", "2099-01-01", "--format", "json"),
    ("rate", "JP", "87032301", "--as-of", "2025-06-01", "--known-at", "2099-01-01"),
], ids=["state-pair", "state-json", "rate", "rates-json", "diff", "history", "timeline", "schedule-list",
        "schedule-show", "digest", "export", "state-known-at", "rate-known-at"])
def test_read_commands_import_no_sqlalchemy_and_no_eventsourcing(loaded: Cli, args: tuple[str, ...]) -> None:
    out, modules = modules_of(loaded.url, *args)
    assert out.strip(), "the command answered nothing"
    assert forbidden(modules) == []


def test_the_answer_in_a_fresh_process_is_the_in_process_answer(loaded: Cli) -> None:
    args = ("rate", "JP", "87032301", "--as-of", "2025-06-01", "--imposer", "US", "--format", "json")
    out, _ = modules_of(loaded.url, *args)
    assert json.loads(out) == loaded(*args).json()


def models(modules: list[str]) -> list[str]:
    return [m for m in modules if m in MODELS or m.split(".")[0] in MODELS]


@pytest.mark.parametrize("args", [
    ("state", "--as-of", "2025-06-01", "--imposer", "US", "--partner", "JP"),
    ("state", "--as-of", "2025-06-20", "--format", "json"),
    ("diff", "--from", "2025-04-01", "--to", "2025-07-31", "--partner", "JP"),
    ("diff", "--from", "2025-04-01", "--to", "2025-07-31", "--format", "json"),
], ids=["state-table", "state-json", "diff-table", "diff-json"])
def test_state_and_diff_fold_negotiations_without_pydantic_or_the_event_models(loaded: Cli,
                                                                              args: tuple[str, ...]) -> None:
    out, modules = modules_of(loaded.url, *args)
    # The answer holds a folded negotiation (the example's US–Japan track, and the G7 summit naming it).
    if "--format" in args:
        found = json.loads(out)["negotiations"]
        assert any(n["track"] == "us-jp-tariffs" for n in found), found
        if args[0] == "state":
            assert any(n["summits"] for n in found), "a summit names the track by then"
    else:
        assert "us-jp-tariffs" in out
    assert models(modules) == []


def test_option_values_that_need_no_conversion_skip_typers_pydantic_adapters(loaded: Cli) -> None:
    # typer converts each option value through a pydantic TypeAdapter; a string option given a string
    # needs none (ledger.cli.coercion), so `rate` loads no pydantic at all: its answer comes from rows.
    out, modules = modules_of(loaded.url, "rate", "JP", "87032301", "8708", "--as-of", "2025-06-01",
                              "--imposer", "US", "--format", "json")
    assert json.loads(out)
    assert "typer._adapters" not in modules
    assert "pydantic" not in modules


def test_a_bad_choice_still_gets_typers_own_message(loaded: Cli) -> None:
    env = {**os.environ, "LEDGER_DB": loaded.url, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, "rate", "JP", "8703", "--as-of", "2025-06-01",
                           "--format", "xml"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
                          check=False)
    assert done.returncode == 2
    assert "'xml' is not one of 'table', 'json', 'csv'" in done.stderr


@pytest.mark.parametrize("args", [
    ("state", "--as-of", "2025-06-01"),
    ("rate", "JP", "87032301", "8708", "--as-of", "2025-06-01"),
    ("diff", "--from", "2025-04-01", "--to", "2025-07-31"),
    ("history", "--measure", "us-reciprocal-jp"),
    ("schedule", "show", "us-hts-2025", "--product", "8703"),
    ("timeline", "--partner", "JP"),
], ids=["state", "rates", "diff", "history", "schedule-show", "timeline"])
def test_tables_are_drawn_without_rich(loaded: Cli, args: tuple[str, ...]) -> None:
    # ledger.cli.grid draws them (rich's Table took ~0.8 ms a row, and ~30 ms to import).
    out, modules = modules_of(loaded.url, *args)
    assert "┏" in out and "└" in out
    assert [m for m in modules if m.split(".")[0] == "rich"] == []



# Reports, as it exits, every class the project's modules made: each frozen dataclass costs ~1 ms to make.
CLASSES = """
import atexit, json, sys
def built():
    ours = [m for name, m in list(sys.modules.items()) if name.split(".")[0] in ("events", "projections", "ledger")]
    return sorted(obj.__name__ for m in ours for obj in vars(m).values()
                  if isinstance(obj, type) and obj.__module__ == m.__name__)
atexit.register(lambda: sys.stderr.write("CLASSES " + json.dumps(built()) + "\\n"))
from ledger.cli import main
main()
"""
OTHER_ANSWERS = ("Change", "Diff", "HistoryEntry", "History", "Digest", "Verification")


def classes_of(url: str, *args: str) -> tuple[str, list[str]]:
    """The standard output of ``ledger --db URL ARGS`` in a new interpreter, and the classes our modules made."""
    return reported(CLASSES, "CLASSES", url, *args)


@pytest.mark.parametrize(("args", "own"), [
    (("state", "--as-of", "2025-06-01", "--imposer", "US", "--partner", "JP"), "State"),
    (("state", "--as-of", "2025-06-01", "--format", "json"), "State"),
    (("rate", "JP", "87032301", "8708", "--as-of", "2025-06-01", "--imposer", "US"), "Rate"),
], ids=["state-table", "state-json", "rates"])
def test_state_and_rate_build_the_classes_of_their_own_answer_only(loaded: Cli, args: tuple[str, ...],
                                                                   own: str) -> None:
    # The diff's, the history's, the digest's and verify's answers live in their own modules
    # (projections.diff, .audit, .integrity): ~1 ms each that a cold state or rate does not pay.
    out, built = classes_of(loaded.url, *args)
    assert out.strip(), "the command answered nothing"
    assert own in built
    assert [name for name in OTHER_ANSWERS if name in built] == []


DATED_ANSWERS = ("State", "Rate", "ScheduleList", "ScheduleShow", "RateAnswer", "ScheduleHead", "MeasureView")


@pytest.mark.parametrize(("args", "own"), [
    (("history", "--track", "us-jp-tariffs"), "History"),
    (("digest",), "Digest"),
    (("timeline", "--partner", "JP"), "Timeline"),
], ids=["history", "digest", "timeline"])
def test_the_audit_answers_build_no_answer_about_dates(loaded: Cli, args: tuple[str, ...], own: str) -> None:
    # ledger.trail answers them from the index or the log: the rate and schedule folds, the views and the
    # state's and rate's results (ledger.reports) are not loaded.
    out, built = classes_of(loaded.url, *args)
    assert out.strip(), "the command answered nothing"
    assert own in built
    assert [name for name in DATED_ANSWERS if name in built] == []


@pytest.mark.parametrize(("args", "own"), [
    (("diff", "--from", "2025-04-01", "--to", "2025-07-31", "--partner", "JP"), ("Change", "Diff")),
    (("history", "--track", "us-jp-tariffs"), ("HistoryEntry", "History")),
    (("digest",), ("Digest",)),
], ids=["diff", "history", "digest"])
def test_the_other_answers_are_built_by_their_commands(loaded: Cli, args: tuple[str, ...],
                                                       own: tuple[str, ...]) -> None:
    # The other side: the wrapper sees these classes when a command does build them.
    _, built = classes_of(loaded.url, *args)
    assert [name for name in own if name not in built] == []
