"""Shell completion (typer's ``--install-completion``) completes commands and the typed append subcommands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LEDGER = str(Path(sys.executable).with_name("ledger"))


def complete(words: str, index: int) -> list[str]:
    env = dict(os.environ, _LEDGER_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(index))
    run = subprocess.run([LEDGER], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_commands_complete_from_a_prefix() -> None:
    assert complete("ledger sta", 1) == ["state"]


def test_event_types_complete_under_append() -> None:
    assert complete("ledger append measure.a", 2) == ["measure.announced", "measure.amended"]


def test_the_completion_script_can_be_shown_for_bash() -> None:
    # Name the shell instead of letting typer detect it from the parent process, which is not bash
    # when the tests run under another shell or none (typer's switch for exactly this).
    env = dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    run = subprocess.run([LEDGER, "--show-completion", "bash"], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0 and "_ledger_completion" in run.stdout
