"""Tokens for ``ledger serve``: who may append over HTTP, and under which name.

``ledger token create alice`` prints a random secret once; the ledger keeps only its SHA-256
(``ledger_tokens``), so a copy of the database does not hold usable secrets. A request's
``Authorization: Bearer SECRET`` is hashed and compared with every live token's hash in
constant time (:func:`hmac.compare_digest`); the matching token's name becomes the events'
``recorded_by``. Revoking stamps ``revoked_at``; the server looks tokens up on every request,
so a revoked token stops working at once, in every process serving the ledger.

``ledger_tokens`` is an *operational* table: it is not derived from the log, ``ledger rebuild``
leaves it alone and ``ledger verify`` does not vouch for it (it is not part of what the ledger
records; :data:`OPERATIONAL_TABLES`). It lives in its own ``MetaData`` for that reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, Connection, MetaData, String, Table, select

operational = MetaData()

ledger_tokens = Table(
    "ledger_tokens",
    operational,
    Column("name", String(100), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

#: Tables in the ledger's database that are neither the log nor a read model of it.
OPERATIONAL_TABLES = ("ledger_tokens",)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as ``ledger token list`` shows it (never its secret, which is not kept)."""

    name: str
    created_at: str
    revoked_at: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"name": self.name, "created_at": self.created_at, "revoked_at": self.revoked_at}

    def rows(self) -> list[dict[str, str | None]]:
        return [self.to_json()]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def create(conn: Connection, name: str) -> str | None:
    """A new secret for ``name`` (None if a live token of that name exists); a revoked name is reissued."""
    row = conn.execute(select(ledger_tokens.c.revoked_at).where(ledger_tokens.c.name == name)).first()
    if row is not None and row.revoked_at is None:
        return None
    secret = "ldg_" + secrets.token_urlsafe(32)
    if row is not None:
        conn.execute(ledger_tokens.delete().where(ledger_tokens.c.name == name))
    conn.execute(ledger_tokens.insert().values(name=name, hash=digest(secret), created_at=_now(), revoked_at=None))
    return secret


def listing(conn: Connection) -> list[TokenInfo]:
    rows = conn.execute(select(ledger_tokens).order_by(ledger_tokens.c.name)).all()
    return [TokenInfo(r.name, r.created_at, r.revoked_at) for r in rows]


def revoke(conn: Connection, name: str) -> bool:
    """True if a live token of that name was revoked."""
    done = conn.execute(ledger_tokens.update().where(ledger_tokens.c.name == name,
                                                     ledger_tokens.c.revoked_at.is_(None)).values(revoked_at=_now()))
    return bool(done.rowcount)


def holder(conn: Connection, secret: str) -> str | None:
    """The name of the live token whose secret this is, or None. Every live hash is compared, in constant time."""
    wanted = digest(secret)
    found = None
    for name, stored in conn.execute(select(ledger_tokens.c.name, ledger_tokens.c.hash)
                                     .where(ledger_tokens.c.revoked_at.is_(None))):
        if hmac.compare_digest(stored, wanted):
            found = name
    return found
