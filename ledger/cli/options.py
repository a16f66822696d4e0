"""Options shared by the commands, declared once, and the parsing of their values.

Each option is an ``Annotated`` type (fastapi-cli's style), so a command's signature
reads as its interface::

    def state(ctx: typer.Context, as_of: AsOf, known_at: KnownAt = None, fmt: TableJsonCsv = Format.table)

Values are checked here and refused as bad input (exit 2, naming the option); the
commands then hand plain values to the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from ledger.cli.output import Format, TableOrJson

TableJsonCsv = Annotated[Format, typer.Option("--format", help="table (default), json or csv.")]
TableJson = Annotated[TableOrJson, typer.Option("--format", help="table (default) or json.")]
AsOf = Annotated[str, typer.Option("--as-of", help="Valid date (YYYY-MM-DD) to answer for.")]
KnownAt = Annotated[Optional[str], typer.Option(
    "--known-at", help="Use only what was recorded by this time (a recorded_at from `ledger history`, "
    "or a date = end of that day UTC).")]
Imposer = Annotated[Optional[str], typer.Option(
    "--imposer", help="Country code of the imposing government (for a rate, default: the only one whose "
    "measures name the pair).")]
Partner = Annotated[Optional[str], typer.Option("--partner", help="Country code of the trading partner.")]
PartnerArg = Annotated[str, typer.Argument(help="Partner country code, e.g. JP.")]
ProductArg = Annotated[str, typer.Argument(help="HS code, e.g. 870323.")]
ProductArgs = Annotated[Optional[list[str]], typer.Argument(
    help="HS codes, e.g. 870323 8708: each answered in the same run.", show_default=False)]
ProductsFile = Annotated[Optional[str], typer.Option(
    "--products-file", help="Also answer the HS codes of this file, one per line (blank lines and # comments "
    "skipped); - reads standard input.")]
Since = Annotated[Optional[str], typer.Option("--since", help="Events dated on or after this date.")]
Until = Annotated[Optional[str], typer.Option("--until", help="Events dated on or before this date.")]


def country(field: str, value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code (or None), else bad input naming ``field``."""
    from events.codes import country_codes
    from ledger.service import raise_input

    if value is not None and value not in country_codes():
        raise_input(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def product(field: str, value: str) -> str:
    """An HS code prefix (dots dropped), else bad input naming ``field``."""
    from events.codes import hs_prefix
    from ledger.service import raise_input

    try:
        return hs_prefix(value)
    except ValueError as exc:
        raise_input(field, str(exc))


def day(field: str, value: str | None) -> dt.date | None:
    from ledger.service import parse_day

    return parse_day(field, value) if value is not None else None


def date_range(first_field: str, first: str | None, last_field: str, last: str | None,
               ) -> tuple[dt.date | None, dt.date | None]:
    """Two optional dates, the first not after the second."""
    from ledger.service import raise_input

    start, end = day(first_field, first), day(last_field, last)
    if start and end and start > end:
        raise_input(first_field, f"{first} is after --{last_field} {last}")
    return start, end
