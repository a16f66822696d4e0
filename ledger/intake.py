"""From what a user sent to events an append can check: each line validated once, at the edge.

Every line becomes ``(line, (payload, fresh))`` — the event's interchange JSON, with the id and
the author the store supplies, and whether that id was just generated — or ``(line, errors)``.
After this, nothing builds an event model again: the append rules, the stored state, the chain,
the index and the folds all read the payload.

- A raw line (bytes, as ``ledger append --file`` and ``POST /api/events`` read them) is
  validated straight from its JSON text by the one validator over every event type
  (:func:`events.parse.parse_json`).
- A decoded value (a typed command, a JSON array over HTTP), or a line that validator refuses,
  goes through :func:`events.parse.parse_event`, whose messages are the contract: a bad line
  reads the same whichever way it came.
- A large input is validated on worker processes (:mod:`ledger.workers`), a chunk each, and
  the results come back in input order (``InOrder``, as for the folds of a rebuild), so the
  outcome and its error messages do not depend on how many workers ran. Only the calling
  process touches the database.

    >>> line = b'{"type": "measure.revoked", "date": "2025-07-01", "measure": "x", "source": "s", "id": null}'
    >>> number, (payload, fresh) = parse_one(7, line, "ana")
    >>> number, fresh, payload["recorded_by"], len(payload["id"])
    (7, True, 'ana', 36)
    >>> [str(error) for error in parse_one(8, b'{"type": "measure.revoked", "date": "2025-7-1"}', "ana")[1]]
    ["line 8: date: expected an ISO date like 2025-04-09, got '2025-7-1'", ...]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from uuid import uuid4

import orjson

from events.errors import BadInput, InputError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: Lines per chunk given to a worker: big enough that passing it costs little, small enough to keep memory flat.
CHUNK = 2000

T = TypeVar("T")
Value = Any  # bytes (a raw line), a decoded JSON value, or the InputError met decoding it
Parsed = tuple[int | None, tuple[dict[str, Any], bool] | list[InputError]]


@cache
def _author(author: str) -> str | None:
    """``author`` as ``recorded_by`` stores it (whitespace stripped), or None if it is no valid name."""
    from pydantic import TypeAdapter, ValidationError

    from events.common import Name

    try:
        return TypeAdapter(Name).validate_python(author)  # type: ignore[no-any-return]
    except ValidationError:
        return None


def parse_one(line: int | None, value: Value, author: str, author_fixed: bool = False) -> Parsed:
    """One line or value as ``(line, (payload, fresh))`` or ``(line, errors)``."""
    if isinstance(value, bytes):
        stored_author = _author(author)
        if stored_author is not None:  # else the slow path, which names the field the author fails
            from events.parse import parse_json

            event = parse_json(value)
            if event is not None:
                fresh = event.id is None
                update: dict[str, Any] = {"id": uuid4()} if fresh else {}
                if author_fixed or event.recorded_by is None:
                    update["recorded_by"] = stored_author
                # Both values are validated (a UUID made here, the author above): no need to validate again.
                return line, ((event.model_copy(update=update) if update else event).payload(), fresh)
        from ledger.lines import decode

        value = decode(line, value)
    return _parse_decoded(line, value, author, author_fixed)


def _parse_decoded(line: int | None, value: Any, author: str, author_fixed: bool) -> Parsed:
    from events.parse import parse_event

    if isinstance(value, InputError):
        return line, [value]
    fresh = isinstance(value, dict) and value.get("id") is None
    if isinstance(value, dict):
        value = {**value, "id": str(uuid4())} if fresh else value
        if author_fixed or value.get("recorded_by") is None:
            value = {**value, "recorded_by": author}
    try:
        return line, (parse_event(value, line).payload(), fresh)
    except BadInput as exc:
        return line, exc.errors


Text = bytes  # a payload's compact JSON (projections.readmodel.payload)


def _parse_chunk(chunk: list[tuple[int | None, Value]], author: str,
                 author_fixed: bool) -> list[tuple[int | None, Text | list[InputError], bool]]:
    """A worker's share: each payload as its JSON text, which the writer needs anyway and the
    caller decodes faster than it unpickles a dict."""
    out: list[tuple[int | None, Text | list[InputError], bool]] = []
    for line, value in chunk:
        number, done = parse_one(line, value, author, author_fixed)
        out.append((number, done, False) if isinstance(done, list) else (number, orjson.dumps(done[0]), done[1]))
    return out


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Intake(NamedTuple):
    """Parsed lines, in order (lazy), and the worker pool validating them, if any: the append's
    final refold folds on the same workers."""

    items: Iterator[Parsed]
    pool: ProcessPoolExecutor | None


@contextmanager
def parsed(lines: Iterable[tuple[int | None, Value]], author: str, author_fixed: bool = False,
           workers: int | None = None) -> Iterator[Intake]:
    """The lines parsed, valid inside the ``with`` block.

    ``workers``: processes to validate on (None: :func:`ledger.workers.worker_count`). They are
    started here, before the caller opens its database transaction, and only when the input
    holds more than one chunk: a typed command or a short file is parsed in this process.
    """
    from itertools import chain

    from ledger.workers import process_pool, worker_count

    count = worker_count() if workers is None else workers  # a bad LEDGER_WORKERS is refused whatever the size
    pending = chunks(lines)
    head = [chunk for chunk in (next(pending, None), next(pending, None)) if chunk is not None]
    rest = chain(head, pending)
    if len(head) < 2 or count <= 0:
        yield Intake((parse_one(line, value, author, author_fixed) for chunk in rest for line, value in chunk), None)
        return
    with process_pool(count) as pool:
        assert pool is not None
        yield Intake(_in_order(pool, rest, author, author_fixed), pool)


def _in_order(pool: Any, parts: Iterator[list[tuple[int | None, Value]]], author: str,
              author_fixed: bool) -> Iterator[Parsed]:
    """Each chunk validated by the pool, handed on in input order; this process waits rather than validate."""
    from projections.inorder import InOrder

    ready: deque[list[tuple[int | None, Text | list[InputError], bool]]] = deque()
    calls: InOrder[None, list[tuple[int | None, Text | list[InputError], bool]]] = InOrder(
        pool, lambda _, results: ready.append(results), share=False)
    for chunk in parts:
        calls.put(None, _parse_chunk, chunk, author, author_fixed)
        while ready:
            yield from _decoded(ready.popleft())
    calls.drain()
    while ready:
        yield from _decoded(ready.popleft())


def _decoded(results: list[tuple[int | None, Text | list[InputError], bool]]) -> Iterator[Parsed]:
    from projections.readmodel.payload import Payload

    made = Payload.from_text
    for line, done, fresh in results:
        yield (line, done) if isinstance(done, list) else (line, (made(done), fresh))
