"""Issue 10, finding 6: a rate or a round is a JSON number, the same way in files, corrections and options.

A file's ``"rate": "25"`` and a correction's ``{"rate": "3"}`` used to be stored as
numbers while ``"round": "6"`` was refused; ``--rate 1_000`` and ``--rate ２５`` passed
because the model read the option's text leniently. Now a string is refused naming the
field, and an option is read as a JSON file's number would be (``events.limits.number_text``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from events.limits import number_text
from tests.cli.test_hardening_dates import _ledger, one_error
from tests.conftest import Cli
from tests.scenario import ev

MEASURE = dict(measure="m", imposer="US", partners=["*"], products=["87"], basis="MFN")
STRING = "(write numbers without quotes)"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Cli]:
    yield from _ledger("sqlite", tmp_path, events=[
        ev("measure.announced", "2025-01-02", rate=10, **MEASURE),
        ev("talks.opened", "2025-01-02", track="t", parties=["US", "JP"]),
        ev("talks.round_held", "2025-01-03", track="t", round=1),
    ])


def _history(cli: Cli) -> list[dict[str, Any]]:
    return cli("history", "--format", "json").json()  # type: ignore[no-any-return]


FILE_LINES = [  # (event, exit status, the error line)
    (ev("measure.announced", "2025-02-01", **{**MEASURE, "measure": "n"}, rate="25"), 2,
     f"line 1: rate: expected a number like 25 or 2.5, got the string '25' {STRING}"),
    (ev("measure.announced", "2025-02-01", **{**MEASURE, "measure": "n"}, rate="２５"), 2,
     "line 1: rate: expected a number like 25 or 2.5, got the string '２５'"),
    (ev("measure.announced", "2025-02-01", **{**MEASURE, "measure": "n"}, rate=True), 2,
     "line 1: rate: expected a number like 25 or 2.5, got true"),
    (ev("measure.amended", "2025-02-01", measure="m", rate="3"), 2, "line 1: rate: expected a number"),
    (ev("measure.amended", "2025-02-01", measure="m", rate=[3]), 2, "line 1: rate: expected a number"),
    (ev("talks.round_held", "2025-02-01", track="t", round="6"), 2,
     f"line 1: round: expected a whole number like 2, got the string '6' {STRING}"),
    (ev("talks.round_held", "2025-02-01", track="t", round=6.0), 2,
     "line 1: round: expected a whole number like 2, got 6.0"),
    (ev("talks.round_scheduled", "2025-02-01", track="t", round=False, starts_on="2025-03-01"), 2,
     "line 1: round: expected a whole number like 2, got false"),
    (ev("measure.amended", "2025-02-01", measure="m", rate=2.5), 0, None),
    (ev("talks.round_held", "2025-02-01", track="t", round=6), 0, None),
]


@pytest.mark.parametrize(("event", "code", "message"), FILE_LINES,
                         ids=[f"{e['type']} {e.get('rate', e.get('round'))!r}" for e, _, _ in FILE_LINES])
def test_a_number_in_a_file_is_a_json_number(ledger: Cli, event: dict[str, Any], code: int,
                                             message: str | None) -> None:
    before = _history(ledger)
    run = ledger.append_lines([event])
    if code:
        one_error(run, code, f"error: {message}")
        assert _history(ledger) == before
    else:
        assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize(("target", "fields", "message"), [
    (0, {"rate": "3"}, f"line 1: fields.rate: expected a number like 25 or 2.5, got the string '3' {STRING}"),
    (0, {"rate": None}, "line 1: fields.rate: expected a number"),
    (2, {"round": "6"}, "line 1: fields.round: expected a whole number like 2, got the string '6'"),
    (2, {"round": 2.0}, "line 1: fields.round: expected a whole number like 2, got 2.0"),
])
def test_a_correction_replaces_a_number_with_a_number(ledger: Cli, target: int, fields: dict[str, Any],
                                                      message: str) -> None:
    event_id = _history(ledger)[target]["id"]
    run = ledger.append_lines([ev("ledger.corrected", "2025-02-01", target=event_id, fields=fields, reason="r")])
    one_error(run, 2, f"error: {message}")


def _announce(rate: str) -> list[str]:
    return ["append", "measure.announced", "--date", "2025-02-01", "--measure", "n", "--imposer", "US",
            "--partners", "JP", "--products", "87", "--basis", "b", "--source", "s", "--rate", rate]


def _round(value: str) -> list[str]:
    return ["append", "talks.round_held", "--date", "2025-02-01", "--track", "t", "--source", "s", "--round", value]


OPTIONS = [  # (arguments, exit status, the error line, or the number stored)
    (_announce("1_000"), 2, "rate: expected a number like 25 or 2.5 (ASCII digits, as JSON writes it), "
                            "got '1_000'"),
    (_announce("２５"), 2, "rate: expected a number like 25 or 2.5 (ASCII digits, as JSON writes it), got '２５'"),
    (_announce("nan"), 2, "rate: expected a number"),
    (_announce("inf"), 2, "rate: expected a number"),
    (_announce("-inf"), 2, "rate: expected a number"),
    (_announce("0x10"), 2, "rate: expected a number"),
    (_announce(" 25"), 2, "rate: expected a number"),
    (_announce(".5"), 2, "rate: expected a number"),
    (_announce("+5"), 2, "rate: expected a number"),
    (_announce("1e400"), 2, "rate: '1e400' is too large a number"),
    (_announce("-1"), 2, "rate: Input should be greater than or equal to 0"),
    (_announce("25"), 0, 25),
    (_announce("2.5"), 0, 2.5),
    (_announce("1e3"), 0, 1000),  # JSON notation, read as a file's 1e3 is
    (_round("6.5"), 2, "round: expected a whole number like 2, got 6.5"),
    (_round("６"), 2, "round: expected a whole number like 2 (ASCII digits, as JSON writes it), got '６'"),
    (_round("1_0"), 2, "round: expected a whole number like 2 (ASCII digits"),
    (_round("7"), 0, 7),
    (["append", "ledger.corrected", "--target", "{first}", "--fields", '{"rate": "3"}', "--reason", "r",
      "--source", "s"], 2, "fields.rate: expected a number like 25 or 2.5, got the string '3'"),
]


@pytest.mark.parametrize(("args", "code", "expected"), OPTIONS, ids=[" ".join(a[1:2] + a[-2:]) for a, _, _ in OPTIONS])
def test_a_number_on_the_command_line_is_written_as_json_writes_it(ledger: Cli, args: list[str], code: int,
                                                                     expected: Any) -> None:
    first = _history(ledger)[0]["id"]
    run = ledger(*[a.replace("{first}", first) for a in args])
    if code:
        one_error(run, code, f"error: {expected}")
        assert run.stderr.splitlines()[1:] == ["nothing was written"]
    else:
        assert run.exit_code == 0, run.stderr
        stored = _history(ledger)[-1]
        assert stored.get("rate", stored.get("round")) == expected
        assert type(stored.get("rate", stored.get("round"))) is type(expected)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("-0", 0), ("12", 12), ("2.50", 2.5), ("1E2", 100.0)])
def test_number_text_reads_json_notation(text: str, value: float) -> None:
    assert number_text(text) == value

