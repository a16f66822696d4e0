"""An event's interchange JSON together with the text the log stores of it, made once.

The stored state holds the payload as orjson writes it (``compact``, the model's field order; the
index keeps no copy since schema 8). A worker that validates an import's lines makes it while the
payload is in hand (``ledger.intake``), so the process that writes does not encode each event again.
Anything that builds a new payload (a correction given its date) gives a plain dict, and the writer
encodes it then::

    >>> p = Payload.of({"type": "measure.revoked", "measure": "x"})
    >>> p.compact
    b'{"type":"measure.revoked","measure":"x"}'
    >>> p == orjson.loads(p.compact)
    True
    >>> p.release(); compact_text(p)
    b'{"type":"measure.revoked","measure":"x"}'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def canonical_text(obj: Any) -> str:
    """Canonical JSON text (sorted keys, compact): equal content gives equal strings."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


class Payload(dict[str, Any]):
    """A payload (a plain dict to every reader) with the ``compact`` text of it."""

    __slots__ = ("compact",)

    compact: bytes

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> Payload:
        return cls.from_text(orjson.dumps(payload))

    @classmethod
    def from_text(cls, compact: bytes) -> Payload:
        made = cls(orjson.loads(compact))
        made.compact = compact
        return made

    def release(self) -> None:
        """Drop the text once written: an append keeps many payloads for its refold, and they need none."""
        if hasattr(self, "compact"):
            del self.compact


def compact_text(payload: Mapping[str, Any]) -> bytes:
    """The payload as the stored state holds it: its worker-made text, else encoded now."""
    made: bytes | None = getattr(payload, "compact", None)
    return made if made is not None else orjson.dumps(payload)
