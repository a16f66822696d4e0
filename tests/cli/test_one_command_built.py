"""A command line builds only the command it names (``ledger.cli._app_for``): typer turns every command's
signature into click parameters before running one, ~40 ms of a cold read on a slow host
(docs/performance.md). The pruned app must behave as the whole one for that command: same help, same
parameters, and the whole app still answers help, misspellings and completion.
"""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from ledger import cli
from ledger.cli import _app_for, _named_command, app

WHOLE = typer.main.get_command(app)
NAMES = sorted(WHOLE.commands)  # type: ignore[attr-defined]


def test_every_command_of_the_ledger_is_listed() -> None:
    # The parametrised tests below cover each of these; a command added later is covered with them.
    assert {"state", "rate", "append", "schedule", "verify", "init", "serve", "token"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_command_line_builds_that_command_alone_with_the_same_help(name: str) -> None:
    only = _app_for(["--db", "x.db", name, "--whatever"])
    built = typer.main.get_command(only)
    assert list(built.commands) == [name]  # type: ignore[attr-defined]
    runner = CliRunner()
    pruned = runner.invoke(only, [name, "--help"], prog_name="ledger", terminal_width=120)
    whole = runner.invoke(app, [name, "--help"], prog_name="ledger", terminal_width=120)
    assert pruned.exit_code == whole.exit_code == 0 and f"Usage: ledger {name}" in whole.output
    assert pruned.output == whole.output
    assert [p.name for p in built.params] == [p.name for p in WHOLE.params]  # the root's --db and completion


@pytest.mark.parametrize(("argv", "named"), [
    (["state", "--as-of", "2025-06-01"], "state"),
    (["--db", "sqlite:///x.db", "rate", "JP", "8703"], "rate"),
    (["--db=x.db", "append", "measure.announced"], "append"),
    (["--help"], None),
    (["-h", "state"], None),
    ([], None),
    (["--db"], None),
])
def test_the_named_command_is_the_first_word_after_the_roots_options(argv: list[str], named: str | None) -> None:
    assert _named_command(argv) == named


def test_help_a_misspelling_and_completion_get_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _app_for(["--help"]) is app
    assert _app_for(["stat"]) is app
    monkeypatch.setenv("_LEDGER_COMPLETE", "complete_bash")
    assert _app_for(["state"]) is app


def test_a_misspelt_command_is_still_answered_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["--db", "sqlite:///nowhere.db", "stat"]) == 2
    assert "Did you mean 'state'?" in capsys.readouterr().err
