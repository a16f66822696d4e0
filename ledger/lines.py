"""JSON Lines in, ``(line number, value)`` out: what ``ledger append --file`` and ``POST /api/events`` read.

One reader for both, so the same bad line gets the same message whether it came from a file
or over HTTP. A line stays raw bytes (:func:`split_lines`): the event validator parses the
JSON itself, in one pass (``ledger.intake``), and only a line it refuses is decoded here to
say why::

    >>> list(split_lines([b'{"a": 1}\\n', b'\\n', b'{oops\\n']))
    [(1, b'{"a": 1}\\n'), (3, b'{oops\\n')]
    >>> decode(3, b'{oops\\n')  # doctest: +ELLIPSIS
    InputError(line=3, field=None, message='not valid JSON: ...')

A value that failed to decode is an :class:`InputError`; ``Ledger.append`` reports it with the
other problems of the file, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from events.errors import InputError

BOM = b"\xef\xbb\xbf"  # as Windows editors write it


def split_lines(raw_lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Each non-blank line as it was read, numbered from 1 (blank lines keep their numbers)."""
    for number, raw in enumerate(raw_lines, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        if raw.strip():
            yield number, raw


def decode(number: int | None, raw: bytes) -> Any:
    """One line's JSON value, or the :class:`InputError` saying why it is not JSON."""
    import orjson

    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return InputError(number, None, f"not valid JSON: {exc}")


def decode_body(body: bytes) -> Iterator[tuple[int, Any]]:
    """A request body: JSON Lines (raw, as :func:`split_lines`), or a JSON array whose items are lines 1, 2, 3 …"""
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
    yield from split_lines(text.splitlines(keepends=True))
