"""A command runs with Python's full collections made rare; ``ledger serve`` keeps Python's own schedule.

A command builds large trees of small objects and frees them by reference counting; full collections walked
every live object again and again (22 of them, 7 s of an unfiltered ``state`` of a 1M-event ledger:
docs/performance.md). A server lives long, so it goes back to Python's thresholds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.cli import COMMAND_GC, PYTHON_GC, run
from tests.conftest import Cli


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_a_command_makes_full_collections_rare_and_gives_the_callers_schedule_back(
        cli: Cli, thresholds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.cli import output

    seen: dict[str, Any] = {}
    monkeypatch.setattr(output, "emit_json", lambda data: seen.setdefault("gc", gc.get_threshold()))
    gc.set_threshold(*PYTHON_GC)
    assert run(["--db", cli.url, "state", "--as-of", "2025-06-01", "--format", "json"]) == 0
    assert seen["gc"] == COMMAND_GC
    assert COMMAND_GC[0] >= 20 * PYTHON_GC[0] and COMMAND_GC[2] >= 100 * PYTHON_GC[2]
    assert gc.get_threshold() == PYTHON_GC  # in-process callers (tests, doc runners) keep their own


def test_serve_goes_back_to_pythons_own_schedule(cli: Cli, thresholds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvicorn")
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.setdefault("gc", gc.get_threshold()))
    assert run(["--db", cli.url, "serve", "--port", "1"]) == 0
    assert seen["gc"] == PYTHON_GC
