"""The server pauses Python's cyclic collector while it computes an answer, and runs it as usual between answers.

An unfiltered ``state`` of a 1M-event ledger spent 9.6 of its 17.7 s in the server's process in the
collector, walking objects that reference counting frees anyway (docs/performance.md).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.serve.collector import Pause
from tests.serve.conftest import Served


@pytest.fixture
def collector_on() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after(collector_on: None) -> None:
    pause = Pause()
    with pause():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_stays_off_until_the_last_of_overlapping_answers_is_done(collector_on: None) -> None:
    pause = Pause()
    first_in, second_done, seen = threading.Event(), threading.Event(), {}

    def first() -> None:
        with pause():
            first_in.set()
            second_done.wait(5)
            seen["first, after the second ended"] = gc.isenabled()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with pause():
        pass
    second_done.set()
    thread.join(5)
    assert seen == {"first, after the second ended": False}
    assert gc.isenabled()


def test_a_process_without_the_collector_stays_without_it(collector_on: None) -> None:
    gc.disable()
    with Pause()():
        pass
    assert not gc.isenabled()


def test_it_comes_back_on_when_the_answer_fails(collector_on: None) -> None:
    pause = Pause()
    with pytest.raises(ValueError), pause():
        raise ValueError("bad input")
    assert gc.isenabled()


@pytest.mark.parametrize("path", ["/api/state?as_of=2025-06-01", "/?as_of=2025-06-01&partner=JP"])
def test_an_answer_and_a_page_are_computed_with_the_collector_off(
        sample: Served, collector_on: None, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    from ledger import reports

    seen: list[bool] = []
    real = reports.state_head  # the answer's and the page's

    def state_head(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "state_head", state_head)
    assert sample.client.get(path).status_code == 200
    assert seen == [False]
    assert gc.isenabled()
