"""What the integrity checks answer: the chain's head (``ledger digest``) and the verdict of ``ledger verify``.

Pure values, like :mod:`projections.results`; made by ``ledger.trail.head`` and ``ledger.verify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Digest:
    """The head of the hash chain: keep ``digest`` and ``events`` outside the ledger to prove it later."""

    events: int
    digest: str

    def to_json(self) -> dict[str, Any]:
        return {"events": self.events, "digest": self.digest}

    def rows(self) -> list[dict[str, Any]]:
        return [self.to_json()]


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``verify`` found: ``ok`` with the head, or the first problem (``position``, ``table``)."""

    ok: bool
    events: int | None
    digest: str | None
    append_only: bool | None
    position: int | None = None
    table: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.ok:
            return {"ok": False, "position": self.position, "table": self.table, "message": self.message,
                    "append_only": self.append_only}
        return {"ok": True, "events": self.events, "digest": self.digest, "append_only": self.append_only}

    def rows(self) -> list[dict[str, Any]]:
        return [self.to_json()]
