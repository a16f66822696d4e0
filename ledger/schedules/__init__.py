"""Tariff schedule files → schedule lines and an import report (docs/spec.md §3.5, §5.2 ``schedule import``).

Three formats, one result::

    result = read_schedule("hts_2025_revision_19_json.json")              # format from the content
    result = read_schedule("wits.csv", "csv", product_column="hs6", rate_column="mfn")
    result.lines    # [ScheduleLine(product="87032301", rate=Decimal("2.5"), text="2.5%", ...)]
    result.report   # ImportReport: rows, lines, free, ad valorem, specific or compound, skipped with reasons
    result.event_lines()  # the ``lines`` of a ``schedule.published`` event

``hts-json`` is the USITC JSON export (a list of rows with ``htsno``, ``indent``,
``general``, ``special`` ...), ``hts-csv`` its CSV export, ``csv`` any CSV with named
product and rate columns. A file that cannot be read raises
:class:`events.errors.BadInput` naming every bad row, before any line is returned, so the
command can exit 2 with nothing written. Parsing the duty texts is pure
(:mod:`events.duties`, :mod:`events.programs`); this package only reads files.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from events.errors import BadInput, InputError
from ledger.schedules.hts import read_hts_csv, read_hts_json
from ledger.schedules.lines import ImportReport, Preferential, Progress, ScheduleImport, ScheduleLine
from ledger.schedules.plain import read_plain_csv

Format = Literal["hts-json", "hts-csv", "csv"]
FORMATS: tuple[Format, ...] = ("hts-json", "hts-csv", "csv")

__all__ = ["FORMATS", "Format", "ImportReport", "Preferential", "ScheduleImport", "ScheduleLine",
           "decode", "guess_format", "parse_schedule", "read_hts_csv", "read_hts_json", "read_plain_csv",
           "read_schedule"]


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); anything else is bad input."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput([InputError(None, None, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")],
                       nothing_written=True) from None


def guess_format(data: bytes) -> Format:
    """``hts-json`` for a JSON list, ``hts-csv`` for the USITC CSV header, else ``csv``.

    >>> guess_format(b'[ {"htsno" : "0101"} ]'), guess_format(b"HTS Number,Indent"), guess_format(b"hs6,rate")
    ('hts-json', 'hts-csv', 'csv')
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "hts-json"
    first = head.split(b"\n", 1)[0]
    return "hts-csv" if b"HTS Number" in first or first.startswith(b"htsno") else "csv"


def parse_schedule(data: bytes, fmt: Format | None = None, product_column: str | None = None,
                   rate_column: str | None = None, special_column: str | None = None,
                   statistical_lines: bool = False, progress: Progress | None = None) -> ScheduleImport:
    """Read schedule content already in memory (e.g. standard input)."""
    fmt = fmt or guess_format(data)
    if fmt == "hts-json":
        return read_hts_json(data, statistical_lines=statistical_lines, progress=progress)
    if fmt == "hts-csv":
        return read_hts_csv(decode(data), statistical_lines=statistical_lines, progress=progress)
    if fmt == "csv":
        if not product_column or not rate_column:
            raise BadInput([InputError(None, None, "a plain CSV needs --product-column and --rate-column")],
                           nothing_written=True)
        return read_plain_csv(decode(data), product_column, rate_column, special_column, progress=progress)
    raise BadInput([InputError(None, "format", f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")],
                   nothing_written=True)


def read_schedule(path: str | Path, fmt: Format | None = None, product_column: str | None = None,
                  rate_column: str | None = None, special_column: str | None = None,
                  statistical_lines: bool = False, progress: Progress | None = None) -> ScheduleImport:
    """Read a schedule file (``-`` is standard input); see :func:`parse_schedule`."""
    if str(path) == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise BadInput([InputError(None, None, f"cannot read {path}: {exc.strerror or exc}")],
                           nothing_written=True) from None
    return parse_schedule(data, fmt, product_column, rate_column, special_column, statistical_lines, progress)
