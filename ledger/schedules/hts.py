"""The USITC Harmonized Tariff Schedule exports (JSON and CSV) → schedule lines.

Both exports list the schedule top to bottom, one row per printed line, with its
``indent``. Duties are printed once, on the line that carries them; the rows under it
leave the duty empty and inherit it. So the readers keep the chain of coded ancestors
by indent and decide, row by row::

    8703                 indent 0  general ""      a heading: no duty of its own, not a line
    8703.23.01           indent 2  general "2.5%"  a line: 87032301 at 2.5%
      (superior rows: "Other:", "New:" ...)        text only, skipped silently
    8703.23.01.20        indent 7  general ""      a statistical line: takes 2.5% from 8703.23.01
    8704.21.01.00        indent 2  general "25%"   a 10-digit line with its own duty: a line

A statistical line that inherits is covered by its parent's line (the stacking rule takes
the longest matching prefix), so by default it is counted, not repeated; pass
``statistical_lines=True`` to emit it as a line of its own. Chapters 98 and 99 are
special classification provisions and temporary or additional duties, not the base duty
of a product, and are left out with a reason.

Rows are checked before anything is built; a row that cannot be read (no ``htsno``, an
``indent`` that is not a number, a duty that is not text, the same product twice) makes
the whole file bad input naming the row: ``row 17 (8703.23.01) general: expected text``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from events.duties import Duty, parse_duty
from events.errors import BadInput, InputError
from ledger.schedules.lines import ImportReport, Problems, Progress, ScheduleImport, ScheduleLine, make_line

# The USITC CSV export's header (hts.usitc.gov "Export" → CSV).
CSV_COLUMNS = ("HTS Number", "Indent", "Description", "Unit of Quantity", "General Rate of Duty",
               "Special Rate of Duty", "Column 2 Rate of Duty", "Quota Quantity", "Additional Duties")
# JSON export field → CSV export column; the JSON names are also accepted as CSV headers
# (CSVs converted from the JSON) and name the fields in messages about CSV lines.
_CSV_ALIASES = {"htsno": "HTS Number", "indent": "Indent", "general": "General Rate of Duty",
                "special": "Special Rate of Duty"}

_HTSNO = re.compile(r"^\d{4}(?:\.\d{2}){0,3}$|^(?:\d{4}|\d{6}|\d{8}|\d{10})$")
_OUTSIDE_BASE = {
    "98": "chapter 98: special classification provisions, not a product's base duty",
    "99": "chapter 99: temporary legislation and additional duties, not part of the base schedule",
}
NO_PARENT_DUTY = "statistical line whose parent line has no duty the ledger can read"
_PROGRESS_EVERY = 2000


@dataclass(frozen=True, slots=True)
class HtsRow:
    """One coded or text row of an HTS export, as the builder needs it."""

    where: str
    htsno: str
    digits: str
    indent: int
    general: str
    special: str


def _field(where: str, line: int | None, field: str) -> str:
    """How a message names the field: ``row 17 (8703.23.01) general`` (JSON), ``General Rate of Duty`` (CSV)."""
    return f"{where} {field}" if line is None else _CSV_ALIASES[field]


def _text(value: Any, where: str, line: int | None, field: str, problems: Problems) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    problems.add(line, _field(where, line, field), f"expected text, got {value!r}")
    return ""


def _row(where: str, line: int | None, htsno: Any, indent: Any, general: Any, special: Any,
         problems: Problems) -> HtsRow | None:
    """Check one row's fields; ``where`` names it in messages ("row 17", "line 18")."""
    code = _text(htsno, where, line, "htsno", problems).strip()
    if code and not _HTSNO.match(code):
        problems.add(line, _field(where, line, "htsno"), f"{code!r} is not an HTS number like 8703.23.01")
        return None
    label = f"{where} ({code})" if code and line is None else where
    raw = indent.strip() if isinstance(indent, str) else indent
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())):
        problems.add(line, _field(label, line, "indent"), f"expected a whole number, got {indent!r}")
        return None
    return HtsRow(label, code, code.replace(".", ""), int(raw), _text(general, label, line, "general", problems),
                  _text(special, label, line, "special", problems))


def json_rows(data: bytes | str, problems: Problems) -> list[HtsRow]:
    """The rows of a USITC JSON export (a list of objects with ``htsno``, ``indent``, ``general`` ...)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadInput([InputError(None, None, f"not a JSON file: {exc}")], nothing_written=True) from None
    if not isinstance(doc, list):
        raise BadInput([InputError(None, None, "not an HTS JSON export: expected a list of rows "
                                               f"(objects with htsno, indent, general ...), got {type(doc).__name__}")],
                       nothing_written=True)
    rows: list[HtsRow] = []
    for n, obj in enumerate(doc, start=1):
        if problems.full():
            break
        where = f"row {n}"
        if not isinstance(obj, dict):
            problems.add(None, where, f"expected an object with htsno, indent, general ..., got {obj!r:.60}")
            continue
        missing = [key for key in ("htsno", "indent") if key not in obj]
        if missing:
            problems.add(None, where, f"missing {', '.join(missing)}")
            continue
        row = _row(where, None, obj["htsno"], obj["indent"], obj.get("general"), obj.get("special"), problems)
        if row is not None:
            rows.append(row)
    return rows


def csv_rows(text: str, problems: Problems) -> list[HtsRow]:
    """The rows of a USITC CSV export (header ``HTS Number,Indent,Description,...``)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    names = [name.strip() for name in header or []]
    columns = {(_CSV_ALIASES.get(name, name)): i for i, name in enumerate(names)}
    needed = ("HTS Number", "Indent", "General Rate of Duty")
    absent = [name for name in needed if name not in columns]
    if absent:
        raise BadInput([InputError(1, None, f"not an HTS CSV export: no column {', '.join(absent)} "
                                            f"(found: {', '.join(names) or 'nothing'})")], nothing_written=True)
    special_at = columns.get("Special Rate of Duty")
    rows: list[HtsRow] = []
    for line, cells in problems.rows(reader):
        if len(cells) < len(names):
            problems.add(line, None, f"expected {len(names)} columns, found {len(cells)}")
            continue
        row = _row(f"line {line}", line, cells[columns["HTS Number"]], cells[columns["Indent"]],
                   cells[columns["General Rate of Duty"]], cells[special_at] if special_at is not None else "",
                   problems)
        if row is not None:
            rows.append(row)
    return rows


def build_lines(rows: Iterable[HtsRow], total: int | None = None, statistical_lines: bool = False,
                include_chapters_98_99: bool = False, progress: Progress | None = None) -> ScheduleImport:
    """Resolve duties row by row (inheritance by indent) into lines and a report; see the module doc."""
    report = ImportReport()
    lines: list[ScheduleLine] = []
    problems = Problems()
    seen: dict[str, str] = {}
    # Coded ancestors of the current row: (indent, row, its own duty).
    chain: list[tuple[int, HtsRow, Duty]] = []
    for row in rows:
        report.rows += 1
        if progress is not None and report.rows % _PROGRESS_EVERY == 0:
            progress(report.rows, total or report.rows)
        while chain and chain[-1][0] >= row.indent:
            chain.pop()
        digits = row.digits
        if not digits:
            continue
        if digits in seen:
            problems.add(None, row.where, f"product {row.htsno} appears twice (first at {seen[digits]})")
            continue
        seen[digits] = row.where
        duty = parse_duty(row.general)
        chain.append((row.indent, row, duty))
        if digits[:2] in _OUTSIDE_BASE and not include_chapters_98_99:
            report.skip(_OUTSIDE_BASE[digits[:2]], row.htsno)
        elif duty.is_line:
            lines.append(make_line(digits, duty, row.special))
            report.count_line(duty)
        elif duty.kind != "empty":
            report.skip(duty.reason or duty.kind, row.htsno)
        elif len(digits) < 10:
            report.without_duty += 1
        else:
            _inherit(row, chain[:-1], report, lines if statistical_lines else None)
    if progress is not None:
        progress(report.rows, total or report.rows)
    problems.raise_if_any()
    return ScheduleImport(lines, report)


def _inherit(row: HtsRow, ancestors: list[tuple[int, HtsRow, Duty]], report: ImportReport,
             lines: list[ScheduleLine] | None) -> None:
    """A statistical line with no duty printed takes its parent line's, found by indent."""
    parent = ancestors[-1] if ancestors else None
    if parent is None or not row.digits.startswith(parent[1].digits) or not parent[2].is_line:
        report.skip(NO_PARENT_DUTY, row.htsno)
        return
    report.inherited += 1
    if lines is not None:
        duty, special = parent[2], parent[1].special
        lines.append(make_line(row.digits, duty, special))
        report.count_line(duty)


def read_hts_json(data: bytes | str, statistical_lines: bool = False, include_chapters_98_99: bool = False,
                  progress: Progress | None = None) -> ScheduleImport:
    """Read a USITC HTS JSON export; raise :class:`BadInput` naming every bad row.

    >>> rows = b'[{"htsno": "7403", "indent": "0", "general": ""},' \\
    ...        b' {"htsno": "7403.11.00.00", "indent": "2", "general": "1%", "special": "Free (AU,KR)"}]'
    >>> result = read_hts_json(rows)
    >>> line = result.lines[0].as_event_line()
    >>> line["product"], line["rate"], line["text"], line["specific"]
    ('7403110000', Decimal('1'), '1%', False)
    >>> line["preferential"]
    [{'program': 'AU', 'text': 'Free'}, {'program': 'KR', 'text': 'Free'}]
    """
    problems = Problems()
    rows = json_rows(data, problems)
    problems.raise_if_any()
    return build_lines(rows, len(rows), statistical_lines, include_chapters_98_99, progress)


def read_hts_csv(text: str, statistical_lines: bool = False, include_chapters_98_99: bool = False,
                 progress: Progress | None = None) -> ScheduleImport:
    """Read a USITC HTS CSV export; raise :class:`BadInput` naming every bad line."""
    problems = Problems()
    rows = csv_rows(text, problems)
    problems.raise_if_any()
    return build_lines(rows, len(rows), statistical_lines, include_chapters_98_99, progress)

