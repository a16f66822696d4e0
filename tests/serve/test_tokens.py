"""``ledger token``: a secret shown once and kept only as a hash; list and revoke; ``init`` adds the table."""

from __future__ import annotations

import hashlib

from sqlalchemy import create_engine, text

from tests.conftest import Cli


def stored(url: str) -> list[tuple[str, str, str | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT name, hash, revoked_at FROM ledger_tokens"))]
    finally:
        engine.dispose()


def test_create_prints_a_secret_once_and_stores_only_its_hash(cli: Cli) -> None:
    run = cli("token", "create", "alice")
    assert run.exit_code == 0, run.stderr
    secret = run.stdout.strip()
    assert len(secret) >= 40 and "alice" in run.stderr
    [(name, digest, revoked)] = stored(cli.url)
    assert (name, revoked) == ("alice", None)
    assert digest == hashlib.sha256(secret.encode()).hexdigest() and secret not in digest


def test_a_second_live_token_of_the_same_name_is_refused(cli: Cli) -> None:
    assert cli("token", "create", "alice").exit_code == 0
    again = cli("token", "create", "alice")
    assert again.exit_code == 2 and "revoke it first" in again.stderr


def test_list_shows_names_and_times_never_secrets(cli: Cli) -> None:
    secret = cli("token", "create", "alice").stdout.strip()
    cli("token", "create", "bob")
    cli("token", "revoke", "bob")
    run = cli("token", "list", "--format", "json")
    assert run.exit_code == 0
    listed = run.json()
    assert [t["name"] for t in listed] == ["alice", "bob"]
    assert listed[0]["revoked_at"] is None and listed[1]["revoked_at"] is not None
    assert secret not in run.stdout


def test_revoking_an_unknown_token_is_bad_input(cli: Cli) -> None:
    run = cli("token", "revoke", "nobody")
    assert run.exit_code == 2 and "no live token named 'nobody'" in run.stderr


def test_a_revoked_name_can_be_issued_again_with_a_new_secret(cli: Cli) -> None:
    first = cli("token", "create", "alice").stdout.strip()
    assert cli("token", "revoke", "alice").exit_code == 0
    second = cli("token", "create", "alice").stdout.strip()
    assert second and second != first
    assert cli.__class__(cli.url)("token", "list", "--format", "json").json()[0]["revoked_at"] is None


def test_a_bad_name_is_refused(cli: Cli) -> None:
    run = cli("token", "create", "no spaces please")
    assert run.exit_code == 2 and "name" in run.stderr


def test_init_adds_the_token_table_to_an_older_ledger_and_keeps_the_log(cli: Cli) -> None:
    from tests.conftest import SAMPLE

    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    before = cli("digest").stdout
    engine = create_engine(cli.url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE ledger_tokens"))  # a ledger made before tokens existed
    engine.dispose()
    missing = cli("token", "list")
    assert missing.exit_code == 1 and "run `ledger init`" in missing.stderr
    assert cli("state", "--as-of", "2025-06-01").exit_code == 0  # reads do not need it
    assert cli("init").exit_code == 0
    assert cli("token", "create", "alice").exit_code == 0
    assert cli("digest").stdout == before
    assert cli("verify").exit_code == 0


def test_verify_does_not_vouch_for_tokens_they_are_operational(cli: Cli) -> None:
    """Tokens are not derived from the log: revoking one (an UPDATE) leaves verify passing."""
    from ledger.tokens import OPERATIONAL_TABLES

    assert OPERATIONAL_TABLES == ("ledger_tokens",)
    cli("token", "create", "alice")
    cli("token", "revoke", "alice")
    assert cli("verify").exit_code == 0


def test_every_table_of_a_ledger_is_the_log_a_read_model_or_declared_operational(cli: Cli) -> None:
    """The token table is the one table verify does not vouch for, and it is declared so."""
    from sqlalchemy import inspect

    from ledger.tokens import OPERATIONAL_TABLES
    from projections.readmodel.tables import metadata

    engine = create_engine(cli.url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert tables == {"ledger_events", *metadata.tables, *OPERATIONAL_TABLES}
    assert not set(OPERATIONAL_TABLES) & set(metadata.tables)
