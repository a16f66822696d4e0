"""``ledger chart``: draw a rate series (``Ledger.rate_series``) as a step chart.

Drawing uses matplotlib through its object API (no pyplot, no global backend):
one coloured band per measure, stacked (MFN at the bottom),
the total as a black step line, and the negotiation milestones as vertical
lines labelled in a strip above the plot. ``.html`` wraps the SVG with tables
of the same numbers. matplotlib is imported only here, and only by the command.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from events.codes import number
from projections.series import Milestone, RateSeries, Step

FORMATS = ("png", "svg", "html")


# -- drawing --------------------------------------------------------------------------------

BASE_COLOUR = "#9a9a9a"  # MFN: the duty everything else stacks on
PALETTE = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
MARKS: dict[str, tuple[str, Any, str]] = {  # kind -> (colour, line style, legend text)
    "opened": ("#444444", "--", "talks opened / concluded"),
    "concluded": ("#444444", "--", "talks opened / concluded"),
    "round": ("#4c72b0", ":", "negotiation round held"),
    "summit": ("#8e44ad", "-.", "leaders' summit"),
    "agreement": ("#1b9e4b", "-", "agreement reached"),
}
WIDTH, LEFT, RIGHT = 13.0, 0.07, 0.985  # inches; axes fractions
LABEL_PT = 8.0
LINE_CHARS = 28  # a milestone label wraps to at most two lines of this many characters
TITLE_H, PLOT_H = 0.75, 4.3  # inches


def country_name(code: str | None) -> str:
    if code is None:
        return "(no imposer)"
    if code == "*":
        return "all partners"
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    name = getattr(found, "common_name", None) or getattr(found, "name", None) or code
    return f"{name} ({code})"


def title_lines(series: RateSeries) -> tuple[str, str]:
    head = f"{country_name(series.imposer)} tariff on HS {series.product} from {country_name(series.partner)}"
    if not series.imposer:
        head = f"Tariff on HS {series.product} from {country_name(series.partner)}: no measure recorded covers it"
    sub = f"Stacked ad valorem rate by measure, {series.start} to {series.end}"
    if series.known_at:
        sub += f", as known at {series.known_at}"
    return head, sub


def spread(targets: Sequence[float], widths: Sequence[float], low: float, high: float) -> list[float]:
    """Centres for labels of ``widths`` wanted at sorted ``targets``: no overlap, clusters centred, kept in range."""
    clusters: list[tuple[list[int], float]] = []  # (label indices, left edge)

    def place(items: list[int]) -> float:
        total = sum(widths[j] for j in items)
        centre = sum(targets[j] for j in items) / len(items)
        return min(max(centre - total / 2, low), max(low, high - total))

    for i in range(len(targets)):
        clusters.append(([i], place([i])))
        while len(clusters) > 1:
            (a, a_left), (b, b_left) = clusters[-2], clusters[-1]
            if a_left + sum(widths[j] for j in a) <= b_left + 1e-9:
                break
            clusters[-2:] = [(a + b, place(a + b))]
    out: list[float] = []
    for items, left in clusters:
        for j in items:
            out.append(left + widths[j] / 2)
            left += widths[j]
    return out


def wrap(label: str) -> str:
    """At most two lines of :data:`LINE_CHARS`, cut with an ellipsis."""
    import textwrap

    lines = textwrap.wrap(label, LINE_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LINE_CHARS - 1].rstrip() + "…"]
    return "\n".join(lines)


def day_x(day: dt.date, offset_days: float = 0.0) -> float:
    """A date as matplotlib's x coordinate (days), optionally moved by a fraction of days."""
    from matplotlib import dates as mdates

    return float(mdates.date2num(day)) + offset_days


def _xs(steps: Sequence[Step]) -> list[float]:
    return [day_x(s.start) for s in steps] + [day_x(steps[-1].end)]


def number_text(value: float) -> str:
    return f"{value:g}"


def draw(series: RateSeries) -> Any:
    """The chart as a matplotlib ``Figure`` (not yet saved)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    steps, layers, marks = series.steps, series.layers(), series.milestones
    labels = [wrap(m.label) for m in marks]
    longest = max((len(line) for text in labels for line in text.split("\n")), default=0)
    strip_h = 0.4 + longest * LABEL_PT * 0.55 / 72 if marks else 0.0
    legend_rows = -(-(len(layers) + 1 + len({MARKS[m.kind][2] for m in marks})) // 2)
    bottom_h = 0.95 + 0.2 * legend_rows  # tick labels, legend title and rows, footnote
    total_h = TITLE_H + strip_h + PLOT_H + bottom_h
    fig = Figure(figsize=(WIDTH, total_h), dpi=150)
    ax = fig.add_axes((LEFT, bottom_h / total_h, RIGHT - LEFT, PLOT_H / total_h))
    head, sub = title_lines(series)
    fig.text(LEFT, 1 - 0.18 / total_h, head, fontsize=14, fontweight="bold", va="top")
    fig.text(LEFT, 1 - 0.48 / total_h, sub, fontsize=10, color="#444444", va="top")

    xs = _xs(steps)
    ymax = max(max(float(s.rate) for s in steps) * 1.22 + 0.5, 5.0)
    base = [0.0] * len(steps)
    handles: list[Any] = []
    colours = iter(PALETTE * (len(layers) // len(PALETTE) + 1))
    for layer in layers:
        colour = BASE_COLOUR if layer.basis == "MFN" else next(colours)
        values = [float(v) for v in layer.values]
        upper = [b + v for b, v in zip(base, values, strict=True)]
        ax.fill_between(xs, base + base[-1:], upper + upper[-1:], step="post", color=colour, alpha=0.78,
                        linewidth=0)
        handles.append(Patch(facecolor=colour, alpha=0.78, label=layer.label))
        _band_values(ax, steps, base, values, ymax, series)
        base = upper
    totals = [float(s.rate) for s in steps]
    ax.step(xs, totals + totals[-1:], where="post", color="black", linewidth=2.0, zorder=5)
    handles.append(Line2D([], [], color="black", linewidth=2.0, label="total rate (sum of the bands)"))
    _total_labels(ax, steps, ymax, series)

    kinds: dict[str, tuple[str, Any]] = {}
    for m in marks:
        colour, style, text = MARKS[m.kind]
        ax.axvline(day_x(m.day), color=colour, linestyle=style, linewidth=1.1, alpha=0.9, zorder=4)
        kinds[text] = (colour, style)
    for text, (colour, style) in kinds.items():
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=1.3, label=text))
    _axes_style(ax, series, ymax)
    if marks:
        strip = fig.add_axes((LEFT, (bottom_h + PLOT_H + 0.04) / total_h, RIGHT - LEFT, strip_h / total_h),
                             sharex=ax)
        _milestone_strip(strip, marks, labels, series)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.4 / PLOT_H), ncol=2, fontsize=8.5,
              frameon=False, title="Each band is what one measure adds: its slug (legal basis)",
              title_fontsize=8.5, alignment="left")
    fig.text(LEFT, 0.1 / total_h, "Rates follow the ledger's stacking rule: a measure that does not stack "
             "(not_with) is left out; an all-in rate (inclusive_of) adds only what the duties it includes do not. "
             "Exact dates: ledger chart … --format json, or the .html output.", fontsize=7, color="#666666")
    return fig


def _axes_style(ax: Any, series: RateSeries, ymax: float) -> None:
    from matplotlib import dates as mdates

    ax.set_xlim(day_x(series.start), day_x(series.end, 1))
    ax.set_ylim(0, ymax)
    ax.set_ylabel("% ad valorem", fontsize=10)
    locator = mdates.AutoDateLocator(minticks=5, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _band_values(ax: Any, steps: Sequence[Step], base: Sequence[float], values: Sequence[float], ymax: float,
                 series: RateSeries) -> None:
    # Write a band's value inside it where the band is wide and tall enough to hold the text.
    span = (series.end - series.start).days + 1
    for step, low, value in zip(steps, base, values, strict=True):
        if value <= 0 or step.days < span * 0.09 or value / ymax * PLOT_H < 0.2:
            continue
        ax.text(day_x(step.start, step.days / 2), low + value / 2, f"+{number_text(value)}", ha="center",
                va="center", fontsize=8, color="white", fontweight="bold", zorder=6)


def _news(step: Step, before: Step | None) -> str:
    # What a short step adds compared with the step before it, e.g. "+14 us-reciprocal-jp".
    old = {p.measure: p.rate for p in before.parts} if before else {}
    return ", ".join(f"+{number(p.rate - old.get(p.measure, 0))} {p.measure}" for p in step.parts
                     if p.rate > old.get(p.measure, 0))


def _total_labels(ax: Any, steps: Sequence[Step], ymax: float, series: RateSeries) -> None:
    # Label each level of the total: wide steps at their start, short peaks beside the spike.
    span = (series.end - series.start).days + 1
    for i, step in enumerate(steps):
        rate = float(step.rate)
        before = steps[i - 1] if i else None
        after = steps[i + 1] if i + 1 < len(steps) else None
        peak = (before is None or step.rate > before.rate) and (after is None or step.rate > after.rate)
        if step.days >= span * 0.06:
            ax.text(day_x(step.start, span * 0.006), rate + ymax * 0.015, f"{number_text(rate)}%",
                    fontsize=10, fontweight="bold", va="bottom", ha="left", zorder=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1})
        elif peak:
            last = step.end - dt.timedelta(days=1)
            when = f"{step.start:%d %b}" + (f"–{last:%d %b}" if step.days > 1 else "")
            news = _news(step, before)
            ax.annotate(f"{number_text(rate)}% on {when}" + (f"\n({news})" if news else ""),
                        xy=(day_x(step.start), rate), xytext=(8, 4), textcoords="offset points", fontsize=8.5,
                        fontweight="bold", va="bottom", zorder=7,
                        arrowprops={"arrowstyle": "-", "color": "#333333", "lw": 0.8},
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1})


def _milestone_strip(strip: Any, marks: Sequence[Milestone], labels: Sequence[str], series: RateSeries) -> None:
    strip.set_ylim(0, 1)
    strip.axis("off")
    span = (series.end - series.start).days + 1
    per_line = span * (LABEL_PT * 1.4 / 72) / (WIDTH * (RIGHT - LEFT))  # one rotated text line, in days
    widths = [per_line * (text.count("\n") + 1) for text in labels]
    low, high = day_x(series.start), day_x(series.end, 1)
    targets = [day_x(m.day) for m in marks]
    for m, text, x, target in zip(marks, labels, spread(targets, widths, low, high), targets, strict=True):
        colour = MARKS[m.kind][0]
        strip.plot([target, target, x], [0.0, 0.04, 0.1], color=colour, linewidth=0.8, clip_on=False)
        strip.text(x, 0.11, text, rotation=90, ha="center", va="bottom", fontsize=LABEL_PT, color=colour,
                   linespacing=1.05, multialignment="left", fontweight="bold" if m.kind == "agreement" else "normal")
    strip.text(-0.005, 0.11, "Negotiations", transform=strip.transAxes, fontsize=8.5, color="#444444",
               rotation=90, va="bottom", ha="right")


# -- files ----------------------------------------------------------------------------------


def render(series: RateSeries, path: Path) -> None:
    """Write the chart to ``path`` (png, svg or html by its suffix), replacing it atomically."""
    kind = path.suffix.lower().lstrip(".")
    data = figure_bytes(series, "png" if kind == "png" else "svg")
    if kind == "html":
        data = html_page(series, data.decode("utf-8")).encode("utf-8")
    _write_atomically(path, data)


def figure_bytes(series: RateSeries, kind: str) -> bytes:
    """The chart drawn as ``png`` or ``svg`` (matplotlib's SVG backend, text kept as text)."""
    import warnings

    from matplotlib import rc_context

    buffer = io.BytesIO()
    # Labels are the ledger's text, never TeX ("$5 and $6" stays literal). Glyphs the fonts lack (CJK, emoji)
    # become boxes; matplotlib's warning about each, with source paths, is noise on stderr: dropped.
    with warnings.catch_warnings(), rc_context({"text.parse_math": False}):
        warnings.simplefilter("ignore")
        fig = draw(series)
        if kind == "png":
            fig.savefig(buffer, format="png", metadata={"Software": None})
        else:
            with rc_context({"svg.fonttype": "none"}):  # real, selectable text instead of glyph outlines
                fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def inline_svg(series: RateSeries) -> str:
    """The chart as an ``<svg>`` element to put in a page (``ledger serve``'s ``/rate``)."""
    svg = figure_bytes(series, "svg").decode("utf-8")
    return svg[svg.index("<svg"):]


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def html_page(series: RateSeries, svg: str) -> str:
    """A self-contained page: the SVG inline, then the steps and milestones as tables."""
    inline = svg[svg.index("<svg"):]
    head, sub = title_lines(series)
    e = html.escape
    step_rows = "".join(
        f"<tr><td>{s.start}</td><td>{s.end - dt.timedelta(days=1)}</td><td class=n>{number(s.rate)}%</td>"
        f"<td>{e('; '.join(f'{p.measure} ({p.basis}) +{number(p.rate)}' for p in s.parts) or '—')}</td></tr>"
        for s in series.steps)
    mark_rows = "".join(f"<tr><td>{m.day}</td><td>{e(m.kind)}</td><td>{e(m.detail)}</td></tr>"
                        for m in series.milestones) or "<tr><td colspan=3>none in this range</td></tr>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(head)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1300px;color:#222}}
figure{{margin:0}} figure svg{{width:100%;height:auto}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}} td.n{{text-align:right}}
p.sub{{color:#555}}</style></head>
<body><h1>{e(head)}</h1><p class="sub">{e(sub)}</p>
<figure>{inline}</figure>
<h2>Rate steps</h2><table><tr><th>from</th><th>to (inclusive)</th><th>rate</th><th>what adds up to it</th></tr>
{step_rows}</table>
<h2>Negotiation milestones</h2><table><tr><th>date</th><th>kind</th><th>what</th></tr>
{mark_rows}</table></body></html>
"""
