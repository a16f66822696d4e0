"""A real ``ledger serve`` process on a free port: it answers as the CLI does, and refuses what it should."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, Cli

LEDGER = str(Path(sys.executable).parent / "ledger")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll until the server answers (bounded by attempts, not by a timed assertion)."""
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"ledger serve exited: {process.stdout.read().decode() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("ledger serve did not answer")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Cli]]:
    db = tmp_path / "ledger.db"
    cli = Cli(f"sqlite:///{db}")
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    port = free_port()
    env = {**os.environ, "LEDGER_DB": str(db)}
    process = subprocess.Popen([LEDGER, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/health", process)
        yield base, cli
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_served_ledger_answers_as_the_cli(server: tuple[str, Cli]) -> None:
    base, cli = server
    with urllib.request.urlopen(f"{base}/api/rate/JP/870323?as_of=2025-06-01&imposer=US") as answer:
        got = json.loads(answer.read())
    run = cli("rate", "JP", "870323", "--as-of", "2025-06-01", "--imposer", "US", "--format", "json")
    assert got == run.json()
    with urllib.request.urlopen(f"{base}/?as_of=2025-06-01&partner=JP") as page:
        assert "us-232-autos" in page.read().decode()


def test_a_served_ledger_refuses_writes_without_a_token(server: tuple[str, Cli]) -> None:
    base, _ = server
    request = urllib.request.Request(f"{base}/api/events", data=b"{}\n", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 401


def test_serve_without_a_ledger_says_how_to_create_one(tmp_path: Path) -> None:
    run = subprocess.run([LEDGER, "--db", str(tmp_path / "none.db"), "serve", "--port", str(free_port())],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "ledger init" in run.stderr
