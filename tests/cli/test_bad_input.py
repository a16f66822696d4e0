"""Bad input (docs/spec.md §5.5): exit status 2, one message naming the line and field, and nothing written.

Each test starts from a ledger holding a measure, a negotiation with a
proposal and a summit, so "nothing written" is checked against a real history
and export, not an empty one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Cli
from tests.scenario import ev

MEASURE_ID = "11111111-1111-4111-8111-111111111111"
BASE = [
    {**ev("measure.announced", "2025-04-02", measure="x", imposer="US", partners=["JP"], products=["*"], rate=10,
          basis="MFN", effective_on="2025-04-09"), "id": MEASURE_ID},
    ev("talks.opened", "2025-04-11", track="us-jp", parties=["US", "JP"]),
    ev("talks.proposal_submitted", "2025-05-01", track="us-jp", proposal="p", by="JP", items=["cars"]),
    ev("summit.scheduled", "2025-06-06", summit="g7", name="G7", starts_on="2025-06-15", tracks=["us-jp"]),
]
GOOD = ev("measure.suspended", "2025-05-01", measure="x")


@pytest.fixture
def ledger(cli: Cli) -> Cli:
    run = cli.append_lines(BASE)
    assert run.exit_code == 0, run.stderr
    return cli


def snapshot(cli: Cli) -> tuple[str, str]:
    """History and export: both must be unchanged by a refused append."""
    history, export = cli("history", "--format", "json"), cli("export")
    assert history.exit_code == 0 and export.exit_code == 0
    return history.stdout, export.stdout


def refused(cli: Cli, text: str) -> str:
    """Append ``text`` as a file; assert exit 2 and nothing written; return stderr."""
    before = snapshot(cli)
    run = cli("append", "--file", "-", input=text)
    assert run.exit_code == 2, (run.exit_code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert snapshot(cli) == before
    return run.stderr


def lines(*events: Any) -> str:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)


def test_a_bad_third_line_names_line_3_and_its_field_and_nothing_is_written(ledger: Cli) -> None:
    bad = {**GOOD, "type": "measure.amended", "rate": -5}
    stderr = refused(ledger, lines(GOOD, GOOD, bad, GOOD))
    assert "line 3: rate:" in stderr
    assert "line 1" not in stderr and "line 2" not in stderr and "line 4" not in stderr


BAD_LINES = [
    ("unknown type", {**GOOD, "type": "measure.paused"}, "type"),
    ("missing field", {k: v for k, v in GOOD.items() if k != "measure"}, "measure"),
    ("bad date", {**GOOD, "date": "2025-02-30"}, "date"),
    ("unknown country", {**BASE[0], "id": None, "measure": "y", "imposer": "XX"}, "imposer"),
    ("negative rate", {**GOOD, "type": "measure.amended", "rate": -1}, "rate"),
    ("rate above 1000", {**GOOD, "type": "measure.amended", "rate": 1001}, "rate"),
    ("bad HS prefix", {**GOOD, "type": "measure.amended", "products": ["8"]}, "products.0"),
    ("bad slug", {**GOOD, "measure": "Not A Slug"}, "measure"),
    ("unknown measure", {**GOOD, "measure": "nope"}, "measure"),
    ("unknown track", ev("talks.statement", "2025-05-01", track="nope", speaker="A", party="JP", text="t"), "track"),
    ("unknown summit", ev("summit.held", "2025-06-16", summit="nope"), "summit"),
    ("unknown proposal", ev("talks.proposal_answered", "2025-05-02", track="us-jp", proposal="nope", by="US",
                            response="accepted"), "proposal"),
    ("unknown track named by a summit", {**BASE[3], "summit": "g8", "tracks": ["nope"]}, "tracks"),
    ("correction of an unknown event", ev("ledger.corrected", "2025-05-01", target="2" * 8 + "-2222-4222-8222-"
                                          + "2" * 12, fields={"rate": 5}, reason="r"), "target"),
    ("correction with a field the target lacks", ev("ledger.corrected", "2025-05-01", target=MEASURE_ID,
                                                    fields={"round": 2}, reason="r"), "fields.round"),
    ("correction with a bad value", ev("ledger.corrected", "2025-05-01", target=MEASURE_ID, fields={"rate": -2},
                                       reason="r"), "fields.rate"),
    ("correction of the subject", ev("ledger.corrected", "2025-05-01", target=MEASURE_ID, fields={"measure": "z"},
                                     reason="r"), "fields.measure"),
    ("duplicate announcement", {**BASE[0], "id": None}, "measure"),
    ("duplicate opening", {**BASE[1], "parties": ["US", "CN"]}, "track"),
    ("same id, different content", {**BASE[0], "rate": 12}, "id"),
]


@pytest.mark.parametrize(("bad", "field"), [(b, f) for _, b, f in BAD_LINES], ids=[n for n, _, _ in BAD_LINES])
def test_each_kind_of_bad_line_is_refused_naming_line_and_field(ledger: Cli, bad: dict[str, Any], field: str) -> None:
    bad = {k: v for k, v in bad.items() if v is not None}
    stderr = refused(ledger, lines(GOOD, bad))
    assert f"line 2: {field}:" in stderr, stderr


def test_a_line_that_is_not_json_is_refused(ledger: Cli) -> None:
    stderr = refused(ledger, lines(GOOD, '{"type": "measure.suspended", "date": '))
    assert "line 2:" in stderr and "JSON" in stderr


def test_a_json_line_that_is_not_an_object_is_refused(ledger: Cli) -> None:
    assert "line 2:" in refused(ledger, lines(GOOD, '["measure.suspended"]'))


def test_line_numbers_count_blank_lines(ledger: Cli) -> None:
    assert "line 3: date:" in refused(ledger, json.dumps(GOOD) + "\n\n" + json.dumps({**GOOD, "date": "x"}) + "\n")


def test_every_bad_line_of_a_file_is_reported(ledger: Cli) -> None:
    stderr = refused(ledger, lines({**GOOD, "date": "2025-13-01"}, GOOD, {**GOOD, "measure": "nope"}))
    assert "line 1: date:" in stderr and "line 3: measure:" in stderr


def test_a_line_may_use_what_an_earlier_line_of_the_same_file_introduced(ledger: Cli) -> None:
    new = {**BASE[0], "id": None, "measure": "y"}
    run = ledger.append_lines([{k: v for k, v in new.items() if v is not None},
                               ev("measure.revoked", "2025-06-01", measure="y")])
    assert run.exit_code == 0, run.stderr


def test_a_later_line_cannot_introduce_what_an_earlier_line_uses(ledger: Cli) -> None:
    new = {k: v for k, v in {**BASE[0], "id": None, "measure": "y"}.items() if v is not None}
    assert "line 1: measure:" in refused(ledger, lines(ev("measure.revoked", "2025-06-01", measure="y"), new))


def test_the_same_id_twice_in_one_file_with_different_content_is_refused(ledger: Cli) -> None:
    fixed = "33333333-3333-4333-8333-333333333333"
    stderr = refused(ledger, lines({**GOOD, "id": fixed}, {**GOOD, "id": fixed, "date": "2025-05-02"}))
    assert "line 2: id:" in stderr


def test_an_identical_event_with_a_known_id_is_a_no_op(ledger: Cli) -> None:
    before = snapshot(ledger)
    run = ledger.append_lines([BASE[0]])
    assert run.exit_code == 0, run.stderr
    assert snapshot(ledger) == before


def test_an_identical_re_append_is_a_no_op_even_with_another_author(ledger: Cli) -> None:
    before = snapshot(ledger)
    assert ledger("append", "--author", "someone-else", "--file", "-", input=lines(BASE[0])).exit_code == 0
    assert snapshot(ledger) == before


def test_an_unknown_typed_subcommand_is_refused(ledger: Cli) -> None:
    before = snapshot(ledger)
    run = ledger("append", "measure.paused", "--measure", "x", "--date", "2025-05-01", "--source", "s")
    assert run.exit_code == 2
    assert snapshot(ledger) == before


def test_a_typed_event_about_an_unknown_measure_is_refused(ledger: Cli) -> None:
    before = snapshot(ledger)
    run = ledger("append", "measure.revoked", "--measure", "nope", "--date", "2025-05-01", "--source", "s")
    assert run.exit_code == 2 and "measure:" in run.stderr and "nope" in run.stderr
    assert snapshot(ledger) == before


def test_a_missing_file_is_refused(ledger: Cli, tmp_path: Any) -> None:
    run = ledger("append", "--file", str(tmp_path / "absent.jsonl"))
    assert run.exit_code == 2 and "absent.jsonl" in run.stderr


@pytest.mark.parametrize("args", [("history",), ("state", "--as-of", "2025-06-01"),
                                  ("rate", "JP", "870323", "--as-of", "2025-06-01"), ("export",),
                                  ("append", "--file", "-")])
def test_a_missing_ledger_says_how_to_create_one(bare_cli: Cli, args: tuple[str, ...]) -> None:
    run = bare_cli(*args, input=lines(GOOD))
    assert run.exit_code != 0
    assert "ledger init" in run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr


@pytest.mark.parametrize(("args", "field"), [
    (("state", "--as-of", "2025-02-30"), "as_of"),
    (("state", "--as-of", "2025-06-01", "--partner", "XX"), "partner"),
    (("rate", "JP", "8", "--as-of", "2025-06-01"), "product"),
    (("rate", "XX", "8703", "--as-of", "2025-06-01"), "partner"),
    (("history", "--since", "June"), "since"),
])
def test_bad_read_arguments_exit_2_naming_the_field(ledger: Cli, args: tuple[str, ...], field: str) -> None:
    run = ledger(*args)
    assert run.exit_code == 2 and f"{field}:" in run.stderr, run.stderr
