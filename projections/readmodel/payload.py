"""An event's interchange JSON together with the two texts the write path makes of it, made once.

The stored state holds the payload as orjson writes it (``compact``, the model's field order) and
the index holds it with sorted keys (``canonical``, :func:`projections.readmodel.registry.dumps`).
A worker that validates an import's lines makes both while the payload is in hand
(``ledger.intake``), so the process that writes does not encode each event twice more. Anything
that builds a new payload (a correction given its date) gives a plain dict, and the writer makes
the texts as before::

    >>> import orjson
    >>> p = Payload.of({"type": "measure.revoked", "measure": "x"})
    >>> p.compact, p.canonical
    (b'{"type":"measure.revoked","measure":"x"}', '{"measure":"x","type":"measure.revoked"}')
    >>> p == orjson.loads(p.compact)
    True
    >>> p.release(); index_text(p)
    '{"measure":"x","type":"measure.revoked"}'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def canonical_text(obj: Any) -> str:
    """Canonical JSON text (sorted keys, compact): equal content gives equal strings."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


class Payload(dict[str, Any]):
    """A payload (a plain dict to every reader) with ``compact`` and ``canonical`` texts of it."""

    __slots__ = ("canonical", "compact")

    compact: bytes
    canonical: str

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> Payload:
        return cls.from_texts(*texts(payload))

    @classmethod
    def from_texts(cls, compact: bytes, canonical: str) -> Payload:
        made = cls(orjson.loads(compact))
        made.compact = compact
        made.canonical = canonical
        return made


    def release(self) -> None:
        """Drop the texts once written: an append keeps many payloads for its refold, and they need none."""
        for name in self.__slots__:
            if hasattr(self, name):
                delattr(self, name)


def texts(payload: Mapping[str, Any]) -> tuple[bytes, str]:
    """The payload's ``compact`` and ``canonical`` texts, made now (a worker's part, :meth:`Payload.from_texts`)."""
    return orjson.dumps(payload), canonical_text(payload)


def compact_text(payload: Mapping[str, Any]) -> bytes:
    """The payload as the stored state holds it: its worker-made text, else encoded now."""
    made: bytes | None = getattr(payload, "compact", None)
    return made if made is not None else orjson.dumps(payload)


def index_text(payload: Mapping[str, Any]) -> str:
    """The payload as the index holds it: its worker-made text, else encoded now."""
    made: str | None = getattr(payload, "canonical", None)
    return made if made is not None else canonical_text(payload)
