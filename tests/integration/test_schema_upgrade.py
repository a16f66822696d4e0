"""A ledger whose read models are of an older schema says how to upgrade, and `ledger init` does it."""

from __future__ import annotations

from sqlalchemy import create_engine

from projections.readmodel.queries import OnConnection
from projections.readmodel.tables import SCHEMA_VERSION
from projections.readmodel.writer import set_meta
from tests.scenario import seed_scenario


def test_an_older_schema_is_refused_with_the_command_that_upgrades_it(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli.append_lines(seed_scenario()).exit_code == 0
    before = cli("state", "--as-of", "2025-06-10", "--format", "json").json()
    engine = create_engine(cli.url)
    with engine.begin() as conn:
        set_meta(OnConnection(conn), "schema_version", "0")
    engine.dispose()

    refused = cli("state", "--as-of", "2025-06-10")
    assert refused.exit_code == 1
    assert "run `ledger init` to upgrade it" in refused.stderr

    assert cli("init").exit_code == 0
    assert cli("state", "--as-of", "2025-06-10", "--format", "json").json() == before
    assert SCHEMA_VERSION != "0"
