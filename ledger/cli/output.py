"""One output layer: every command hands its result here with ``--format``.

:func:`render` is the only place formats are told apart: ``json`` prints the
result's ``to_json()`` (the contract, docs/spec.md §5.4), ``csv`` its ``rows()``
(lists flattened as ``JP,CN``), ``table`` what the command draws for people.
A command that cannot give CSV declares its option as :class:`TableOrJson`, so
``--format csv`` is refused (exit 2) before anything runs. Data goes to stdout,
messages to stderr.
"""

from __future__ import annotations

import csv
import enum
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

if TYPE_CHECKING:
    from ledger.cli.grid import Grid

T = TypeVar("T")


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(enum.StrEnum):
    """The formats of a command whose answer is not a table of rows (``verify``, ``digest``)."""

    table = "table"
    json = "json"


def message(text: str) -> None:
    # Nothing rich would read as markup, an emoji code or a tab to expand: the same line, without rich (~15 ms).
    if "[" not in text and ":" not in text and "\t" not in text:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
        return
    from rich.console import Console

    Console(file=sys.stderr, highlight=False).print(text, soft_wrap=True)


def emit_json(data: Any) -> None:
    """``data`` as indented JSON, written as it is encoded (:func:`json_chunks`); an iterator is written as
    the list it yields, an item at a time, so a stream of entries is never held (``ledger history``)."""
    # Joined into writes of ~64 kB: a write per entry cost a seventh of a 100k-event history.
    pending: list[str] = []
    size = 0
    for chunk in list_chunks(data) if isinstance(data, Iterator) else json_chunks(data):
        pending.append(chunk)
        size += len(chunk)
        if size > 65536:
            sys.stdout.write("".join(pending))
            pending, size = [], 0
    pending.append("\n")
    sys.stdout.write("".join(pending))


def started(items: Iterator[T]) -> Iterator[T]:
    """``items`` with its first item read already, so that a stream that cannot start (no ledger there, a
    database that refused) fails before anything is written: a CSV header, ``[``, a table's title."""
    end = object()
    first = next(items, end)
    return items if first is end else itertools.chain((first,), items)  # type: ignore[arg-type]


def dumps(value: Any) -> str:
    """``value`` as JSON indented by two, UTF-8 left as it is: orjson's text, which is
    ``json.dumps(value, ensure_ascii=False, indent=2)``'s but for floats, written in their shortest form
    as the HTTP API and ``ledger export`` write them (a rate of ``0.00001``, not ``1e-05``). The standard
    library's encoder is pure Python once it indents: 0.6 of the 2.4 s an unfiltered ``state --format
    json`` of a 100k-event ledger took (docs/performance.md); orjson takes 0.03 s. Values orjson refuses
    (an integer past 64 bits, a key that is not a string) are written by the standard library."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False, indent=2)


def json_chunks(data: Any) -> Iterator[str]:
    """The text of :func:`dumps` of ``data`` in pieces: each member of a top-level object and each item of
    a list in it is encoded alone, so an unfiltered ``state`` of a 1M-event ledger (78 MB) is never one
    string, nor a string and its encoded copy."""
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) for k in data):
        yield from list_chunks(iter(data)) if isinstance(data, list) else (dumps(data),)
        return
    yield "{"
    for i, (key, value) in enumerate(data.items()):
        yield ("," if i else "") + "\n  " + dumps(key) + ": "
        if isinstance(value, list):
            yield from list_chunks(iter(value), "  ")
        else:
            yield dumps(value).replace("\n", "\n  ")
    yield "\n}"


def list_chunks(items: Iterator[Any], indent: str = "") -> Iterator[str]:
    """The text of :func:`dumps` of the list ``items`` yields, nested ``indent`` deep, an item at a time."""
    inner = "\n" + indent + "  "
    first = True
    for item in items:
        yield ("[" if first else ",") + inner + dumps(item).replace("\n", inner)
        first = False
    yield "[]" if first else "\n" + indent + "]"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def emit_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])


# Values people copy into other commands (``--known-at``, ``--target``) must never wrap.
NO_WRAP = frozenset({"position", "date", "recorded_at", "id", "effective_on", "as_of", "rate", "measure", "track"})


def table(title: str | None, rows: Iterable[dict[str, Any]], columns: Sequence[str],
          headers: Sequence[str] | None = None) -> Grid:
    from ledger.cli.grid import Grid

    return Grid(title, tuple(headers or columns), [[cell(row.get(c)) for c in columns] for row in rows],
                tuple(c in NO_WRAP for c in columns))


def _terminal() -> tuple[int, bool]:
    """The width tables are drawn to, and whether to style them: a terminal's own width, with bold and
    italics unless ``NO_COLOR`` or ``TERM=dumb``; piped, ``$COLUMNS`` or 160 and plain text (tables piped
    are read in files and docs: they get room instead of 80 columns)."""
    import os
    import shutil

    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((160, 24)).columns if tty or os.environ.get("COLUMNS") else 160
    return width, tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def emit(items: Sequence[Any]) -> None:
    """Print what a command draws: tables (:class:`~ledger.cli.grid.Grid`), lines, and plain strings people
    copy (never re-wrapped or styled)."""
    from ledger.cli.grid import Grid, Line

    width, styled = _terminal()
    write = sys.stdout.write
    for item in items:
        if isinstance(item, str):
            write(item + "\n")
        elif isinstance(item, Line):
            write(item.styled(styled) + "\n")
        else:
            assert isinstance(item, Grid), item
            # A few hundred lines to a write: a write per line was a tenth of drawing a 100k-event timeline.
            lines = item.lines(width, styled)
            while batch := list(itertools.islice(lines, 512)):
                write("\n".join(batch) + "\n")
    sys.stdout.flush()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_entries(entries: Iterator[Any], fmt: str, draw: Callable[[Iterator[Any]], Sequence[Any]],
                   csv_columns: Sequence[str]) -> None:
    """:func:`render` for an answer written as it is read (``history``, ``timeline``): the entries one at a
    time as JSON, as CSV rows with their source on one line, or the tables ``draw`` makes of them (a table
    holds its cells: its columns are as wide as their widest cell). The first entry is read before anything
    is written (:func:`started`)."""
    from projections.audit import flat_rows

    entries = started(entries)
    if fmt == Format.json:
        emit_json(entry.to_json() for entry in entries)
    elif fmt == Format.csv:
        emit_csv(flat_rows(entries), csv_columns)
    else:
        emit(draw(entries))


def render(result: Any, fmt: str, draw: Callable[[Any], Sequence[Any]], csv_columns: Sequence[str] = (),
           rows: Callable[[Any], Sequence[dict[str, Any]]] | None = None) -> None:
    """Print ``result`` as ``fmt``: its JSON, its rows as CSV, or the tables and lines ``draw`` makes of it.

    ``rows`` replaces ``result.rows()`` where people read the rows differently (a source as one line).
    """
    if fmt == Format.json:
        emit_json(result.to_json())
    elif fmt == Format.csv:
        emit_csv(rows(result) if rows is not None else result.rows(), csv_columns)
    else:
        emit(draw(result))
