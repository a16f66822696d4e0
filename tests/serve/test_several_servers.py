"""Several ``ledger serve`` processes on one PostgreSQL ledger answer alike, and their appends interleave, none lost."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SAMPLE, Cli, pg_schema_url
from tests.serve.test_server_process import LEDGER, free_port, wait_for


@pytest.fixture
def two_servers() -> Iterator[tuple[list[str], Cli, str]]:
    urls = pg_schema_url()
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    token = cli("token", "create", "team").stdout.strip()
    processes, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(subprocess.Popen([LEDGER, "--db", cli.url, "serve", "--port", str(port)],
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            wait_for(f"{base}/api/health", process)
        yield bases, cli, token
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        next(urls, None)


def get(url: str) -> Any:
    with urllib.request.urlopen(url) as answer:
        return json.loads(answer.read())


def post(url: str, token: str, events: list[dict[str, Any]]) -> Any:
    body = "".join(json.dumps(e) + "\n" for e in events).encode()
    request = urllib.request.Request(f"{url}/api/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def measures(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"type": "measure.announced", "id": str(uuid.uuid4()), "date": "2025-05-01", "measure": f"{prefix}-{i}",
             "imposer": "FR", "partners": ["NZ"], "products": ["01"], "rate": 5, "basis": "test",
             "effective_on": "2025-06-01", "source": "test"} for i in range(count)]


@pytest.mark.postgres
def test_two_servers_answer_alike_and_lose_no_append(two_servers: tuple[list[str], Cli, str]) -> None:
    bases, cli, token = two_servers
    question = "/api/rate/JP/870323?as_of=2025-06-01&imposer=US"
    assert get(bases[0] + question) == get(bases[1] + question)
    batches = {base: [measures(f"m{n}-{i}", 5) for i in range(6)] for n, base in enumerate(bases)}

    def write(base: str) -> None:
        for batch in batches[base]:
            assert post(base, token, batch)["appended"] == 5

    writers = [threading.Thread(target=write, args=(base,)) for base in bases]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    assert get(bases[0] + "/api/health") == get(bases[1] + "/api/health")
    assert get(bases[0] + "/api/health")["events"] == 59 + 60
    sent = {e["id"] for batches_of in batches.values() for batch in batches_of for e in batch}
    exported = [json.loads(line)["id"] for line in cli("export").stdout.splitlines()]
    assert sorted(i for i in exported if i in sent) == sorted(sent)
    assert cli("verify").exit_code == 0
    assert get(bases[0] + question) == get(bases[1] + question)
