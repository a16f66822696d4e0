"""A plain CSV of HS codes and duty texts (a WITS or TARIC extract) → schedule lines.

The columns are named by the caller (``--product-column``, ``--rate-column``, and
optionally a column of special-column texts); every other column is ignored::

    nomenclature,hs6,mfn_rate
    H5,870323,10%
    H5,870421,"2.8¢/kg + 10%"

A rate may be a duty text as the HTS prints it, or a bare number read as percent
(``2.5`` is 2.5%). Codes may carry dots (``8703.23``). A code that is not 2, 4, 6, 8 or
10 digits (an odd length is usually a leading zero lost in a spreadsheet),
or that appears twice, makes the file bad input naming the line; a rate that is not a
duty (empty, "See ...") leaves the row out with a reason.
"""

from __future__ import annotations

import csv
import io

from events.duties import parse_duty
from events.errors import BadInput, InputError
from ledger.schedules.lines import ImportReport, Problems, Progress, ScheduleImport, ScheduleLine, make_line

_DELIMITERS = ",;\t|"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel


def _column(names: list[str], wanted: str, role: str) -> int:
    for i, name in enumerate(names):
        if name == wanted:
            return i
    for i, name in enumerate(names):
        if name.casefold() == wanted.strip().casefold():
            return i
    raise BadInput([InputError(1, None, f"no {role} column {wanted!r} (the columns are: "
                                        f"{', '.join(repr(n) for n in names) or 'none'})")], nothing_written=True)


def _product(raw: str) -> str | None:
    """HS digits without dots; tariff lines have an even number of digits (2 to 10)."""
    digits = raw.strip().replace(".", "").replace(" ", "")
    return digits if digits.isdigit() and len(digits) in (2, 4, 6, 8, 10) else None


def read_plain_csv(text: str, product_column: str, rate_column: str, special_column: str | None = None,
                   progress: Progress | None = None) -> ScheduleImport:
    """Read a CSV with named product and rate columns; raise :class:`BadInput` naming bad lines.

    >>> result = read_plain_csv("hs6,rate\\n870323,10%\\n870421,2.8¢/kg + 10%\\n", "hs6", "rate")
    >>> [(line.product, line.rate, line.specific) for line in result.lines]
    [('870323', Decimal('10'), False), ('870421', Decimal('10'), True)]
    """
    reader = csv.reader(io.StringIO(text), _dialect(text))
    names = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    product_at = _column(names, product_column, "product")
    rate_at = _column(names, rate_column, "rate")
    special_at = _column(names, special_column, "special") if special_column else None
    needed = max(product_at, rate_at, special_at or 0)
    report = ImportReport()
    lines: list[ScheduleLine] = []
    problems = Problems()
    seen: dict[str, int] = {}
    for line, cells in problems.rows(reader):
        report.rows += 1
        if progress is not None and report.rows % 2000 == 0:
            progress(report.rows, report.rows)
        if len(cells) <= needed:
            problems.add(line, None, f"expected at least {needed + 1} columns, found {len(cells)}")
            continue
        raw = cells[product_at]
        product = _product(raw)
        if product is None:
            hint = " (a leading zero lost?)" if raw.strip().isdigit() and len(raw.strip()) in (3, 5, 7, 9) else ""
            problems.add(line, names[product_at], f"{raw!r} is not an HS code of 2, 4, 6, 8 or 10 digits{hint}")
            continue
        if product in seen:
            problems.add(line, names[product_at], f"product {product} appears twice (first on line {seen[product]})")
            continue
        seen[product] = line
        duty = parse_duty(cells[rate_at], bare_number_is_percent=True)
        if duty.is_line:
            lines.append(make_line(product, duty, cells[special_at] if special_at is not None else ""))
            report.count_line(duty)
        else:
            report.skip(duty.reason or duty.kind, product)
    problems.raise_if_any()
    if not lines:
        raise BadInput([InputError(None, rate_column, f"no duty could be read from this column "
                                                      f"({report.rows} rows)")], nothing_written=True)
    if progress is not None:
        progress(report.rows, report.rows)
    return ScheduleImport(lines, report)
