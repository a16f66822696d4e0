"""Fixtures for ``ledger serve``: the sample ledger per backend, the app over it, a token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

pytest.importorskip("fastapi", reason="ledger serve needs the serve extra (pip install -e '.[dev]')")

from fastapi.testclient import TestClient  # noqa: E402

from ledger.serve.app import Settings, create_app  # noqa: E402
from tests.conftest import BACKENDS, SAMPLE, Cli, backend_url  # noqa: E402


@dataclass
class Served:
    cli: Cli
    client: TestClient
    token: str  # a live token named "alice"


def serve(url: str, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(db=url, **settings)))  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample ledger on each backend, its CLI, the app over it and a token (read only)."""
    urls = backend_url(request.param, tmp_path_factory.mktemp("served"))
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    made = cli("token", "create", "alice")
    assert made.exit_code == 0, made.stderr
    with serve(cli.url) as client:
        yield Served(cli, client, made.stdout.strip())
    next(urls, None)


@pytest.fixture
def fresh(cli: Cli) -> Iterator[Served]:
    """An app over an empty ledger (each backend), with a token "bob", for tests that write."""
    made = cli("token", "create", "bob")
    assert made.exit_code == 0, made.stderr
    with serve(cli.url, max_body=4096) as client:
        yield Served(cli, client, made.stdout.strip())
