"""``ledger chart``: the stacked rate over a date range, drawn to a PNG, SVG or HTML file.

The command checks its input, asks :mod:`ledger.charting` for the series and
the picture, writes the file, and prints the steps it drew (a table, or JSON
with ``--format json``) so a script gets the same numbers as the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.options import Imposer, KnownAt, PartnerArg, ProductArg
from ledger.cli.output import Format

app = typer.Typer()
STEP_COLUMNS = ("from", "to", "rate", "components")


def check_output(value: str) -> Path:
    """The output path, if its suffix is a format we draw and its directory exists (else bad input)."""
    from ledger.charting import FORMATS
    from ledger.service import raise_input

    path = Path(value)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise_input("output", f"{value!r} must end in .png, .svg or .html")
    if not path.parent.is_dir():
        raise_input("output", f"directory {str(path.parent)!r} does not exist")
    return path


@app.command()
def chart(
    ctx: typer.Context,
    partner: PartnerArg,
    product: ProductArg,
    start: Annotated[str, typer.Option("--from", help="First valid date shown (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last valid date shown (YYYY-MM-DD).")],
    output: Annotated[str, typer.Option("--output", "-o", help="File to write: .png, .svg or .html "
                                        "(a self-contained page with the chart and its numbers).")],
    imposer: Imposer = None,
    known_at: KnownAt = None,
    fmt: Annotated[Format, typer.Option("--format", help="How to print the steps drawn: table (default), "
                                        "json or csv.")] = Format.table,
) -> None:
    """Draw the stacked rate over time as a step chart: one band per measure, the total, and the
    negotiation rounds, agreements and summits between imposer and partner.

    Example: ledger chart JP 870323 --from 2025-01-01 --to 2025-12-31 --output jp-cars.png
    """
    from ledger.cli.options import country, date_range
    from ledger.cli.options import product as hs_product
    from ledger.cli.output import message, render, table
    from ledger.extras import require
    from ledger.service import parse_known_at

    require("chart", "ledger chart")
    country("partner", partner)
    country("imposer", imposer)
    code = hs_product("product", product)
    first, last = date_range("from", start, "to", end)
    assert first is not None and last is not None
    path = check_output(output)
    series = ctx.obj.rate_series(partner, code, first, last, imposer, parse_known_at(known_at))

    from ledger.charting import render as draw_to

    draw_to(series, path)
    message(f"wrote {path} ({len(series.steps)} rate steps, {len(series.milestones)} negotiation milestones)")
    title = f"{partner} {code} under {series.imposer or '(no imposer)'}: rate steps drawn"
    render(series, fmt, lambda s: [table(title, s.rows(), STEP_COLUMNS)], STEP_COLUMNS)
