"""A command whose extra is not installed says which extra to install, in one line, and exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the CLI in a fresh interpreter where importing ``module`` fails, as it does when the extra is missing.
RUNNER = """
import sys
sys.modules[{module!r}] = None  # `import {module}` now raises ModuleNotFoundError
sys.argv = ["ledger", *{argv!r}]
from ledger.cli import main
main()
"""


def run_without(module: str, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = RUNNER.format(module=module, argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    from tests.conftest import SAMPLE, Cli

    cli = Cli(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    return tmp_path


@pytest.mark.parametrize("module", ["fastapi", "uvicorn", "jinja2"])
def test_serve_without_the_serve_extra(ledger_dir: Path, module: str) -> None:
    run = run_without(module, ["serve", "--port", "1"], ledger_dir)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"error: `ledger serve` needs {module}, which is not installed: pip install 'negotiation-ledger[serve]'"]


def test_chart_without_matplotlib(ledger_dir: Path) -> None:
    run = run_without("matplotlib", ["chart", "JP", "870323", "--from", "2025-01-01", "--to", "2025-12-31",
                                     "--output", "jp.png"], ledger_dir)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "error: `ledger chart` needs matplotlib, which is not installed: pip install 'negotiation-ledger[chart]'"]
    assert not (ledger_dir / "jp.png").exists()


def test_the_cli_starts_without_importing_the_server() -> None:
    code = ("import sys; from ledger.cli import app; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'jinja2', 'matplotlib') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "[]"
