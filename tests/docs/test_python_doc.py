"""docs/python.md runs as written: its ``pycon`` blocks are doctests, run in a scratch directory."""

from __future__ import annotations

import doctest
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_the_python_api_page_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_DB", raising=False)
    text = (REPO / "docs" / "python.md").read_text()
    blocks = [block.split("```", 1)[0] for block in text.split("```pycon\n")[1:]]
    assert blocks, "docs/python.md has no pycon blocks"
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "docs/python.md", "docs/python.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert test.examples and result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
    assert os.path.exists("notebook.db")
