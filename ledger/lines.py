"""JSON Lines in, ``(line number, value)`` out: what ``ledger append --file`` and ``POST /api/events`` read.

One decoder for both, so the same bad line gets the same message whether it came from a file
or over HTTP::

    >>> list(decode_lines([b'{"a": 1}\\n', b'\\n', b'{oops\\n']))  # doctest: +ELLIPSIS
    [(1, {'a': 1}), (3, InputError(line=3, field=None, message='not valid JSON: ...'))]

A value that failed to decode is an :class:`InputError`; ``Ledger.append`` reports it with the
other problems of the file, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from events.errors import InputError

BOM = b"\xef\xbb\xbf"  # as Windows editors write it


def decode_lines(raw_lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's JSON value, numbered from 1 (blank lines keep their numbers)."""
    import orjson

    for number, raw in enumerate(raw_lines, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        if not raw.strip():
            continue
        try:
            yield number, orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield number, InputError(number, None, f"not valid JSON: {exc}")


def decode_body(body: bytes) -> Iterator[tuple[int, Any]]:
    """A request body: JSON Lines, or one JSON array whose items count as lines 1, 2, 3 …"""
    text = body[len(BOM):] if body.startswith(BOM) else body
    if text.lstrip()[:1] == b"[":
        import orjson

        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield 1, InputError(1, None, f"not valid JSON: {exc}")
            return
        yield from enumerate(items, start=1)
        return
    yield from decode_lines(text.splitlines(keepends=True))
