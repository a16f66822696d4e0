"""Issue 10, finding 7: what a command prints when its reader leaves, when it is given two things, when a file
has thousands of errors, and when matplotlib has something to say.

The pipe and chart cases run the real ``ledger`` in a subprocess: a closed pipe needs a real
file descriptor, and pytest would capture the warnings an in-process run emits before they
could reach stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_hardening_dates import _ledger, one_error
from tests.conftest import SAMPLE, Cli
from tests.scenario import ev


def ledger_process(url: str, *args: str) -> subprocess.Popen[bytes]:
    code = "from ledger.cli import main; main()"
    # Buffered as for a user: with PYTHONUNBUFFERED (set in some CI images) a final flush could not fail.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen([sys.executable, "-c", code, "--db", url, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from _ledger("sqlite", tmp_path_factory.mktemp("sample"), SAMPLE)


PIPED = [
    ["export"],
    ["rate", "JP", "870323", "--as-of", "2025-06-01"],
    ["rate", "JP", "870323", "--as-of", "2025-06-01", "--format", "json"],
    ["state", "--as-of", "2025-06-01"],
    ["state", "--as-of", "2025-06-01", "--format", "csv"],
    ["diff", "--from", "2025-01-01", "--to", "2025-12-31"],
    ["history"],
    ["history", "--format", "json"],
    ["timeline"],
    ["verify"],
    ["--help"],
]


@pytest.mark.parametrize("args", PIPED, ids=[" ".join(a[:1] + a[-1:]) for a in PIPED])
@pytest.mark.parametrize("read", [0, 100], ids=["closed at once", "head -c 100"])
def test_a_reader_that_stops_early_is_not_a_failure(sample: Cli, args: list[str], read: int) -> None:
    process = ledger_process(sample.url, *args)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(read)
    process.stdout.close()  # with nothing read, every write meets a closed pipe: EPIPE is certain
    stderr = process.stderr.read()
    assert (process.wait(timeout=60), stderr.decode()) == (0, "")


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Cli]:
    yield from _ledger("sqlite", tmp_path, events=[
        ev("measure.announced", "2025-01-02", measure="m", imposer="US", partners=["*"], products=["87"], rate=10,
           basis="MFN"),
    ])


def test_a_file_and_a_typed_event_together_are_refused(scratch: Cli, tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(ev("measure.amended", "2025-03-01", measure="m", rate=20)) + "\n")
    before = scratch("export").stdout
    run = scratch("append", "--file", str(path), "measure.revoked", "--measure", "m", "--date", "2025-03-01",
                  "--source", "s")
    one_error(run, 2, "error: file: use --file or an event type, not both")
    assert run.stderr.splitlines()[1:] == ["nothing was written"]
    assert scratch("export").stdout == before


UNKNOWN = json.dumps(ev("measure.revoked", "2025-03-01", measure="nope")) + "\n"


@pytest.mark.parametrize(("text", "tail"), [
    # 2,500 bad lines then bad JSON on line 5,001: checking stops after the first chunk of 2,000 lines.
    (UNKNOWN * 2500 + "{}\n" * 2500 + "{not json\n",
     "error: … and at least 1980 more: checking stopped after line 2000 with 2000 errors; later lines were "
     "not checked"),
    # Exactly one chunk, nothing after it: every line was checked, so the count is exact.
    (UNKNOWN * 2000, "error: … and 1980 more"),
    (UNKNOWN * 30, "error: … and 10 more"),
], ids=["stopped early", "one full chunk", "30 errors"])
def test_the_count_of_errors_is_honest(cli: Cli, text: str, tail: str) -> None:
    run = cli("append", "--file", "-", input=text)
    assert run.exit_code == 2
    lines = run.stderr.splitlines()
    assert lines[20:] == [tail, "nothing was written"], lines[19:]
    assert lines[0] == "error: line 1: measure: unknown measure 'nope': record measure.announced for it first"


def test_chart_prints_no_matplotlib_warnings_and_draws_text_as_text(scratch: Cli, tmp_path: Path) -> None:
    # A private-use character no font has, CJK, an emoji, and dollar signs that matplotlib would read as TeX.
    run = scratch.append_lines([
        ev("talks.opened", "2025-01-03", track="t", parties=["US", "JP"]),
        ev("summit.scheduled", "2025-01-04", summit="s", name="東京 summit \U000f0000 🗼", starts_on="2025-02-01",
           tracks=["t"]),
        ev("talks.agreement_reached", "2025-03-01", track="t", title="$5 and $6 \U000f0000", terms=["a"]),
    ])
    assert run.exit_code == 0, run.stderr
    for suffix in ("png", "svg"):
        output = tmp_path / f"chart.{suffix}"
        process = ledger_process(scratch.url, "chart", "JP", "8703", "--from", "2025-01-01", "--to", "2025-12-31",
                                 "-o", str(output), "--format", "json")
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert stderr.decode().splitlines() == [f"wrote {output} (1 rate steps, 3 negotiation milestones)"]
    assert "$5 and $6" in (tmp_path / "chart.svg").read_text()
