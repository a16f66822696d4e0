"""``ledger append TYPE --field value …``: one typed subcommand per event type, through the real CLI."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Cli

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ANNOUNCE = ("append", "measure.announced", "--date", "2025-04-02", "--measure", "x", "--imposer", "US",
            "--partners", "JP,CN", "--products", "87,8703", "--rate", "10", "--basis", "MFN", "--source", "T")
OPEN = ("append", "talks.opened", "--date", "2025-04-11", "--track", "us-jp", "--parties", "US,JP",
        "--source", "Asahi")


def history(cli: Cli) -> list[dict[str, Any]]:
    run = cli("history", "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


def appended_id(cli: Cli, *args: str) -> str:
    run = cli(*args)
    assert run.exit_code == 0, run.stderr
    assert UUID.match(run.stdout.strip()), run.stdout
    return run.stdout.strip()


def test_a_typed_append_prints_the_new_id_and_records_the_event(cli: Cli) -> None:
    new_id = appended_id(cli, *ANNOUNCE)
    (entry,) = history(cli)
    assert entry["id"] == new_id
    assert (entry["type"], entry["date"], entry["measure"], entry["imposer"], entry["basis"], entry["rate"]) == (
        "measure.announced", "2025-04-02", "x", "US", "MFN", 10)
    assert entry["source"] == {"title": "T"}
    assert entry["recorded_by"] == "tester"


def test_list_options_split_on_commas(cli: Cli) -> None:
    appended_id(cli, *ANNOUNCE, "--except-partners", "KR, TW", "--except-products", "870323",
                "--not-with", "Section 232,us-232-autos", "--effective-on", "2025-04-09")
    (entry,) = history(cli)
    assert (entry["partners"], entry["products"], entry["except_partners"], entry["except_products"]) == (
        ["JP", "CN"], ["87", "8703"], ["KR", "TW"], ["870323"])
    assert (entry["not_with"], entry["effective_on"]) == (["Section 232", "us-232-autos"], "2025-04-09")


def test_object_options_are_json(cli: Cli) -> None:
    appended_id(cli, *OPEN, "--leads", '{"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent"]}')
    (entry,) = history(cli)
    assert (entry["parties"], entry["leads"]) == (["US", "JP"], {"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent"]})


def test_integer_options_and_talks_events(cli: Cli) -> None:
    appended_id(cli, *OPEN)
    appended_id(cli, "append", "talks.round_held", "--date", "2025-04-16", "--track", "us-jp", "--round", "1",
                "--venue", "Washington", "--participants", "Ryosei Akazawa,Scott Bessent", "--source", "Asahi")
    entry = history(cli)[-1]
    assert (entry["round"], entry["participants"]) == (1, ["Ryosei Akazawa", "Scott Bessent"])
    state = cli("state", "--as-of", "2025-04-16", "--format", "json").json()
    assert state["negotiations"][0]["rounds_held"] == 1


def test_source_parts_combine_into_one_source(cli: Cli) -> None:
    appended_id(cli, *ANNOUNCE[:-2], "--source", "EO 14257", "--source-publisher", "White House",
                "--source-url", "https://example.org/eo", "--source-published-on", "2025-04-02")
    assert history(cli)[0]["source"] == {"title": "EO 14257", "publisher": "White House",
                                         "url": "https://example.org/eo", "published_on": "2025-04-02"}


def test_the_source_may_be_a_json_object(cli: Cli) -> None:
    appended_id(cli, *ANNOUNCE[:-2], "--source", '{"publisher": "Federal Register"}')
    assert history(cli)[0]["source"] == {"publisher": "Federal Register"}


def test_the_author_option_names_who_recorded(cli: Cli) -> None:
    run = cli("append", "--author", "maria", *ANNOUNCE[1:])
    assert run.exit_code == 0, run.stderr
    assert history(cli)[0]["recorded_by"] == "maria"


def test_the_author_defaults_to_the_environment(cli: Cli) -> None:
    assert cli(*ANNOUNCE, env={"LEDGER_AUTHOR": "kenji"}).exit_code == 0
    assert history(cli)[0]["recorded_by"] == "kenji"


def test_a_typed_correction_fills_in_todays_date(cli: Cli) -> None:
    target = appended_id(cli, *ANNOUNCE)
    appended_id(cli, "append", "ledger.corrected", "--target", target, "--fields", '{"rate": 20}',
                "--reason", "misread", "--source", "Federal Register")
    original, correction = history(cli)
    assert (correction["target"], correction["fields"], correction["reason"]) == (target, {"rate": 20}, "misread")
    assert correction["date"] == correction["recorded_at"][:10]
    assert original["corrected_by"] == [correction["position"]]


def test_a_typed_append_with_a_known_id_and_the_same_content_is_a_no_op(cli: Cli) -> None:
    fixed = "5f0c2f3e-1111-4222-8333-444455556666"
    assert appended_id(cli, *ANNOUNCE, "--id", fixed) == fixed
    again = cli(*ANNOUNCE, "--id", fixed)
    assert (again.exit_code, again.stdout) == (0, "")
    assert "already recorded" in again.stderr
    assert len(history(cli)) == 1


def test_a_typed_append_with_a_bad_value_names_the_field_and_writes_nothing(cli: Cli) -> None:
    for args, field in (((*ANNOUNCE, "--effective-on", "2025-02-30"), "effective_on"),
                        (tuple(a if a != "JP,CN" else "JP,XX" for a in ANNOUNCE), "partners.1"),
                        (tuple(a if a != "10" else "-1" for a in ANNOUNCE), "rate"),
                        (ANNOUNCE[:-2], "source")):
        run = cli(*args)
        assert run.exit_code == 2, (args, run.stderr)
        assert f"{field}:" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    assert history(cli) == []


def test_an_integer_option_that_is_not_a_number_names_the_field(cli: Cli) -> None:
    appended_id(cli, *OPEN)
    run = cli("append", "talks.round_held", "--date", "2025-04-16", "--track", "us-jp", "--round", "first",
              "--source", "s")
    assert run.exit_code == 2 and "round" in run.stderr
    assert len(history(cli)) == 1


def test_every_event_type_has_a_typed_subcommand(cli: Cli) -> None:
    from events.registry import EVENT_TYPES

    for type_name in EVENT_TYPES:
        run = cli("append", type_name, "--help")
        assert run.exit_code == 0, (type_name, run.stderr)
        assert "--source" in run.stdout and "--date" in run.stdout


def test_a_bad_worker_count_is_refused_in_one_line_naming_the_variable(cli: Cli) -> None:
    line = '{"type": "talks.opened", "date": "2025-01-02", "track": "t", "parties": ["US", "JP"], "source": "s"}\n'
    run = cli("append", "--file", "-", input=line, env={"LEDGER_WORKERS": "two"})
    assert run.exit_code == 2
    assert "LEDGER_WORKERS: expected a whole number of worker processes (0 for none), got 'two'" in run.stderr
    assert "Traceback" not in run.stderr
    assert cli("append", "--file", "-", input=line, env={"LEDGER_WORKERS": "0"}).exit_code == 0
