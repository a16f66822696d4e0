"""One output layer: every read command hands its data here with ``--format table|json|csv``.

JSON is the contract (docs/spec.md §5.4) and goes to stdout unchanged; tables are for
people; CSV flattens lists as ``JP,CN``. Messages go to stderr.
"""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Sequence
from typing import Any


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def console(stderr: bool = False) -> Any:
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped tables are read in files and docs: give them room instead of rich's 80 columns.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


def message(text: str) -> None:
    console(stderr=True).print(text, soft_wrap=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def emit_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])


# Values people copy into other commands (``--known-at``, ``--target``) must never wrap.
NO_WRAP = frozenset({"position", "date", "recorded_at", "id", "effective_on", "as_of", "rate"})


def table(title: str | None, rows: Sequence[dict[str, Any]], columns: Sequence[str],
          headers: Sequence[str] | None = None) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for column, header in zip(columns, headers or columns, strict=True):
        t.add_column(header, overflow="fold", no_wrap=column in NO_WRAP)
    for row in rows:
        t.add_row(*[cell(row.get(c)) for c in columns])
    return t


def emit_tables(*tables: Any) -> None:
    out = console()
    for t in tables:
        out.print(t)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render(data: Any, fmt: Format, rows: Sequence[dict[str, Any]], columns: Sequence[str],
           title: str | None = None, extra_tables: Sequence[Any] = ()) -> None:
    """JSON: ``data`` as is. CSV: ``rows`` by ``columns``. Table: a rich table of the same, plus extras."""
    if fmt is Format.json:
        emit_json(data)
    elif fmt is Format.csv:
        emit_csv(rows, columns)
    else:
        emit_tables(table(title, rows, columns), *extra_tables)
