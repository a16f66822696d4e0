"""Issue 10, finding 2 and the date half of 5: no sentinel inside valid time, every date option bounded.

Dates stop at 9999-12-30 (``events.limits.MAX_DATE``), one day before the read models'
open-end marker: the largest accepted date answers as a replay does, on both backends, and
9999-12-31 is refused in every event field and every option, as is a ``--known-at`` that falls
outside 0001-01-01…9999-12-30 in UTC (it used to overflow into an internal error).

Each table row is one case of the issue; every row asserts the exit status and the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from events.errors import BadInput
from events.examples import EXAMPLES
from events.fielddocs import describe, hints
from events.limits import MAX_DATE, MIN_DATE
from events.parse import parse_event
from events.registry import EVENT_TYPES
from projections.readmodel.tables import OPEN_END
from tests.conftest import BACKENDS, SAMPLE, Cli, backend_url
from tests.scenario import ev

MAX, MIN, PAST_MAX = MAX_DATE.isoformat(), MIN_DATE.isoformat(), "9999-12-31"


def _ledger(backend: str, directory: Path, *files: Path, events: list[dict[str, Any]] | None = None) -> Iterator[Cli]:
    urls = backend_url(backend, directory)
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    for path in files:
        assert cli("append", "--file", str(path)).exit_code == 0
    if events:
        run = cli.append_lines(events)
        assert run.exit_code == 0, run.stderr
    yield cli
    next(urls, None)  # lets the PostgreSQL generator drop its schema


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The sample ledger on each backend, loaded once: these tests only read it."""
    yield from _ledger(request.param, tmp_path_factory.mktemp("sample"), SAMPLE)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Cli]:
    """A fresh SQLite ledger for checks that never reach storage (option and field validation)."""
    yield from _ledger("sqlite", tmp_path, events=[
        ev("measure.announced", "2025-01-02", measure="m", imposer="US", partners=["*"], products=["87"], rate=10,
           basis="MFN"),
        ev("talks.opened", "2025-01-02", track="t", parties=["US", "JP"]),
    ])


def one_error(run: Any, code: int, *fragments: str) -> None:
    """Exit ``code`` with the first stderr line naming every fragment, and no traceback."""
    assert run.exit_code == code, (run.exit_code, run.stdout, run.stderr)
    first = run.stderr.splitlines()[0] if run.stderr else ""
    for fragment in fragments:
        assert fragment in first, (fragment, run.stderr)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr


# -- finding 2: the largest accepted date is a date like any other --------------------------------------


def test_the_largest_accepted_date_stops_before_the_open_end_marker() -> None:
    assert MAX < OPEN_END
    assert MAX_DATE + dt.timedelta(days=1) == dt.date.fromisoformat(OPEN_END)  # a chart's end + 1 day exists


def _rate(cli: Cli, *args: str) -> dict[str, Any]:
    run = cli("rate", "JP", "87032301", *args, "--format", "json")  # the schedule's car line
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


def test_the_sample_on_the_largest_date_answers_like_a_replay(sample: Cli) -> None:
    indexed, replayed = _rate(sample, "--as-of", MAX), _rate(sample, "--as-of", MAX, "--known-at", "2999-01-01")
    assert (indexed["rate"], indexed["imposer"]) == (replayed["rate"], replayed["imposer"]) == (15, "US")
    assert indexed["components"] == replayed["components"]
    state = sample("state", "--as-of", MAX, "--format", "json").json()
    replay = sample("state", "--as-of", MAX, "--known-at", MAX, "--format", "json").json()
    assert len(state["measures"]) == len(replay["measures"]) == 9  # and the schedule us-hts-2025:
    schedules = [[s["schedule"] for s in answer["schedules"]] for answer in (state, replay)]
    assert schedules == [["us-hts-2025"], ["us-hts-2025"]]
    assert [m["status"] for m in state["measures"]] == [m["status"] for m in replay["measures"]]
    diff = sample("diff", "--from", "2025-12-31", "--to", MAX, "--format", "json").json()
    assert diff["measures"] == [] and diff["negotiations"] == []


EXTREMES = [
    ev("measure.announced", MIN, measure="first", imposer="US", partners=["*"], products=["87"], rate=10,
       basis="first", effective_on=MIN),
    ev("measure.announced", MIN, measure="last", imposer="US", partners=["JP"], products=["8703"], rate=5,
       basis="last", effective_on=MAX),
    ev("measure.suspended", "2025-01-01", measure="first", effective_on="9999-12-29", until=MAX),
]


@pytest.fixture(scope="module", params=BACKENDS)
def extremes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from _ledger(request.param, tmp_path_factory.mktemp("extremes"), events=EXTREMES)


@pytest.mark.parametrize(("as_of", "rate", "statuses"), [
    (MIN, 10, {"first": "in_force", "last": "announced"}),
    ("9999-12-29", 0, {"first": "suspended", "last": "announced"}),
    (MAX, 15, {"first": "in_force", "last": "in_force"}),  # the suspension lapses, the last measure starts
])
def test_both_ends_of_valid_time_read_alike_from_the_read_models_and_a_replay(
        extremes: Cli, as_of: str, rate: int, statuses: dict[str, str]) -> None:
    for cut in ((), ("--known-at", MAX)):
        answer = extremes("rate", "JP", "870323", "--as-of", as_of, *cut, "--format", "json").json()
        assert answer["rate"] == rate, (cut, answer)
        state = extremes("state", "--as-of", as_of, *cut, "--format", "json").json()
        assert {m["measure"]: m["status"] for m in state["measures"]} == statuses


def test_a_diff_and_a_chart_over_all_of_valid_time(extremes: Cli, tmp_path: Path) -> None:
    diff = extremes("diff", "--from", MIN, "--to", MAX, "--format", "json").json()
    assert [(c["measure"], c["change"]) for c in diff["measures"]] == [("last", "changed")]
    run = extremes("chart", "JP", "870323", "--from", MIN, "--to", MAX, "-o", str(tmp_path / "all.svg"),
                   "--format", "json")
    assert run.exit_code == 0, run.stderr
    steps = run.json()["steps"]
    assert (steps[0]["from"], steps[0]["rate"]) == (MIN, 10)
    assert (steps[-1]["from"], steps[-1]["to"], steps[-1]["rate"]) == (MAX, MAX, 15)


def _date_fields(model: Any) -> list[str]:
    return [name for name, hint in hints(model).items() if describe(hint).startswith("date")]


DATE_FIELDS = [(example, name) for example in EXAMPLES for name in _date_fields(EVENT_TYPES[example["type"]])]
DATE_FIELDS += [(example, "source.published_on") for example in EXAMPLES[:1]]


def _with(example: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    event = {**example}
    if field.startswith("source."):
        source = event["source"] if isinstance(event["source"], dict) else {"title": event["source"]}
        event["source"] = {**source, field.split(".", 1)[1]: value}
    else:
        event[field] = value
    return event


@pytest.mark.parametrize(("example", "field"), DATE_FIELDS, ids=[f"{e['type']}.{f}" for e, f in DATE_FIELDS])
def test_every_date_field_takes_both_ends_and_refuses_the_marker(example: dict[str, Any], field: str) -> None:
    for day in (MIN, MAX):  # another rule may refuse the day (an `until` before the start), never the range
        try:
            parse_event(_with(example, field, day))
        except BadInput as exc:
            assert all("accepts" not in e.message and "ISO date" not in e.message for e in exc.errors), exc.errors
    with pytest.raises(BadInput) as refused:
        parse_event(_with(example, field, PAST_MAX), line=1)
    assert f"line 1: {field}: '{PAST_MAX}' is after {MAX}, the last date the ledger accepts" in [
        str(e) for e in refused.value.errors]


def test_a_correction_cannot_move_a_date_onto_the_marker(scratch: Cli) -> None:
    target = scratch("history", "--format", "json").json()[0]["id"]
    one_error(scratch.append_lines([ev("ledger.corrected", "2025-02-01", target=target, fields={"date": PAST_MAX},
                                       reason="r")]), 2, "line 1: fields.date:", f"is after {MAX}")


OPTIONS = [  # (arguments, exit status, what the one error line names)
    (["state", "--as-of", MIN], 0, None),
    (["state", "--as-of", MAX], 0, None),
    (["state", "--as-of", PAST_MAX], 2, f"as_of: '{PAST_MAX}' is after {MAX}"),
    (["state", "--as-of", "0000-12-31"], 2, "as_of: '0000-12-31' is not a real date"),
    (["state", "--as-of", "２０２５-06-01"], 2, "as_of: expected an ISO date"),
    (["rate", "JP", "8703", "--as-of", PAST_MAX], 2, "as_of:"),
    (["diff", "--from", MIN, "--to", MAX], 0, None),
    (["diff", "--from", MIN, "--to", PAST_MAX], 2, "to:"),
    (["history", "--since", MIN, "--until", MAX], 0, None),
    (["history", "--since", PAST_MAX], 2, "since:"),
    (["history", "--until", PAST_MAX], 2, "until:"),
    (["chart", "JP", "8703", "--from", "2025-01-01", "--to", PAST_MAX, "-o", "{tmp}/c.png"], 2, "to:"),
    (["chart", "JP", "8703", "--from", MAX, "--to", MAX, "-o", "{tmp}/c.png"], 0, None),
    (["state", "--as-of", MAX, "--known-at", "0001-01-01T00:00:00+01:00"], 2, "known_at: '0001-01-01T00:00:00+01:00'"
                                                                               " is outside the record times"),
    (["state", "--as-of", MAX, "--known-at", "9999-12-31T23:59:59-01:00"], 2, "known_at: '9999-12-31T23:59:59-01:00'"
                                                                              " is outside the record times"),
    (["rate", "JP", "8703", "--as-of", MAX, "--known-at", "9999-12-31T00:00:00Z"], 2, "known_at:"),
    (["chart", "JP", "8703", "--from", MIN, "--to", MAX, "--known-at", PAST_MAX, "-o", "{tmp}/c.png"], 2,
     "known_at:"),
    (["state", "--as-of", MAX, "--known-at", "２０２５-06-01T00:00:00"], 2, "known_at: expected a timestamp"),
    (["state", "--as-of", MIN, "--known-at", "0001-01-01T00:00:00Z"], 0, None),
    (["state", "--as-of", MAX, "--known-at", "9999-12-30T23:59:59.999999+00:00"], 0, None),
    (["state", "--as-of", MAX, "--known-at", MIN], 0, None),
    (["append", "measure.revoked", "--measure", "m", "--date", PAST_MAX, "--source", "s"], 2, "date:"),
    (["append", "measure.revoked", "--measure", "m", "--date", "2025-03-01", "--effective-on", PAST_MAX,
      "--source", "s"], 2, "effective_on:"),
    (["append", "talks.round_held", "--track", "t", "--round", "1", "--date", MIN, "--source", "s"], 0, None),
]


@pytest.mark.parametrize(("args", "code", "names"), OPTIONS,
                         ids=[" ".join(a).replace("{tmp}/", "") for a, _, _ in OPTIONS])
def test_every_date_and_timestamp_option_is_bounded(scratch: Cli, tmp_path: Path, args: list[str], code: int,
                                                    names: str | None) -> None:
    run = scratch(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    if code == 0:
        assert run.exit_code == 0, run.stderr
    else:
        one_error(run, code, f"error: {names}")
        if args[0] != "append":  # append adds "nothing was written"
            assert len(run.stderr.splitlines()) == 1, run.stderr
