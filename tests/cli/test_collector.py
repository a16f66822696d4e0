"""A command runs with Python's full collections made rare, and a command that answers a question without the
collector at all; ``ledger serve`` keeps Python's own schedule.

A command builds large trees of small objects and frees them by reference counting; full collections walked
every live object again and again (22 of them, 7 s of an unfiltered ``state`` of a 1M-event ledger), and the
young ones that remained were still 1.5 s of it (docs/performance.md). A server lives long, so it goes back
to Python's thresholds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.cli import ANSWERS, COMMAND_GC, PYTHON_GC, run
from tests.conftest import SAMPLE, Cli


@pytest.fixture
def collector() -> Iterator[None]:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*saved)
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_an_answer_is_given_without_the_collector_and_the_callers_schedule_comes_back(
        cli: Cli, collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.cli import output

    seen: dict[str, Any] = {}
    monkeypatch.setattr(output, "emit_json", lambda data: seen.setdefault("gc", gc.isenabled()))
    gc.set_threshold(*PYTHON_GC)
    gc.enable()
    assert run(["--db", cli.url, "state", "--as-of", "2025-06-01", "--format", "json"]) == 0
    assert seen["gc"] is False
    assert gc.isenabled() and gc.get_threshold() == PYTHON_GC  # in-process callers (tests, doc runners) keep theirs


def test_the_answering_commands_are_the_read_chart_and_timeline_ones() -> None:
    assert {"state", "rate", "diff", "history", "timeline", "export", "chart"} <= ANSWERS
    assert not ANSWERS & {"append", "init", "rebuild", "verify", "restore", "schedule", "serve", "token"}


def test_a_writing_command_makes_full_collections_rare(
        cli: Cli, collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import service

    seen: dict[str, Any] = {}
    real = service.Ledger.append

    def append(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.setdefault("gc", (gc.isenabled(), gc.get_threshold()))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(service.Ledger, "append", append)
    gc.set_threshold(*PYTHON_GC)
    assert run(["--db", cli.url, "append", "--file", str(SAMPLE)]) == 0
    assert seen["gc"] == (True, COMMAND_GC)
    assert COMMAND_GC[0] >= 20 * PYTHON_GC[0] and COMMAND_GC[2] >= 100 * PYTHON_GC[2]
    assert gc.get_threshold() == PYTHON_GC


def test_serve_goes_back_to_pythons_own_schedule(cli: Cli, collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvicorn")
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.setdefault("gc", (gc.isenabled(), gc.get_threshold())))
    assert run(["--db", cli.url, "serve", "--port", "1"]) == 0
    assert seen["gc"] == (True, PYTHON_GC)
