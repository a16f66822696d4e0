"""``ledger chart``: the stacked rate over a date range, drawn to a PNG, SVG or HTML file.

The command checks its input, asks :mod:`ledger.charting` for the series and
the picture, writes the file, and prints the steps it drew (a table, or JSON
with ``--format json``) so a script gets the same numbers as the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ledger.cli.output import Format

FORMATS = ("png", "svg", "html")


def check_output(value: str) -> Path:
    """The output path, if its suffix is a format we draw and its directory exists (else bad input)."""
    from ledger.service import raise_input

    path = Path(value)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise_input("output", f"{value!r} must end in .png, .svg or .html")
    if not path.parent.is_dir():
        raise_input("output", f"directory {str(path.parent)!r} does not exist")
    return path


def step_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"from": s["from"], "to": s["to"], "rate": s["rate"],
             "components": "; ".join(f"{c['measure']} +{c['rate']}" for c in s["components"])}
            for s in data["steps"]]


def register(app: typer.Typer) -> None:
    @app.command()
    def chart(
        ctx: typer.Context,
        partner: Annotated[str, typer.Argument(help="Partner country code, e.g. JP.")],
        product: Annotated[str, typer.Argument(help="HS code, e.g. 870323.")],
        start: Annotated[str, typer.Option("--from", help="First valid date shown (YYYY-MM-DD).")],
        end: Annotated[str, typer.Option("--to", help="Last valid date shown (YYYY-MM-DD).")],
        output: Annotated[str, typer.Option("--output", "-o", help="File to write: .png, .svg or .html "
                                            "(a self-contained page with the chart and its numbers).")],
        imposer: Annotated[Optional[str], typer.Option(
            "--imposer", help="Country code of the imposing government (default: the one whose measures "
            "name the pair).")] = None,
        known_at: Annotated[Optional[str], typer.Option(
            "--known-at", help="Use only what was recorded by this time (a recorded_at from `ledger history`, "
            "or a date = end of that day UTC).")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="How to print the steps drawn: table (default), "
                                            "json or csv.")] = Format.table,
    ) -> None:
        """Draw the stacked rate over time as a step chart: one band per measure, the total, and the
        negotiation rounds, agreements and summits between imposer and partner.

        Example: ledger chart JP 870323 --from 2025-01-01 --to 2025-12-31 --output jp-cars.png
        """
        from events.codes import hs_prefix
        from ledger.cli.output import message, render
        from ledger.cli.read import _country
        from ledger.service import parse_day, parse_known_at, raise_input

        _country("partner", partner)
        _country("imposer", imposer)
        try:
            code = hs_prefix(product)
        except ValueError as exc:
            raise_input("product", str(exc))
        first, last = parse_day("from", start), parse_day("to", end)
        if first > last:
            raise_input("from", f"{start} is after --to {end}")
        path = check_output(output)
        cut = parse_known_at(known_at)

        from ledger.charting import rate_series
        from ledger.charting import render as draw_to
        from projections.series import series_json

        series = rate_series(ctx.obj, partner, code, first, last, imposer, cut)
        draw_to(series, path)
        data = series_json(series)
        message(f"wrote {path} ({len(data['steps'])} rate steps, {len(data['milestones'])} negotiation milestones)")
        render(data, fmt, step_rows(data), ("from", "to", "rate", "components"),
               f"{partner} {code} under {series.imposer or '(no imposer)'}: rate steps drawn")
