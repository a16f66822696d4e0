"""``ledger chart``: gather the stacked rate over a date range, and draw it as a step chart.

Gathering reads the ledger once: the dates on which some measure of the imposer
changes (the ``valid_from`` of its read-model intervals, or of a replay cut at
``--known-at``), the rate at each of them, and the events of the tracks between
imposer and partner. Drawing uses matplotlib through its object API (no pyplot,
no global backend): one coloured band per measure, stacked (MFN at the bottom),
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

from events.common import number
from projections.series import Milestone, RateSeries, Step, change_days, milestones, rate_steps

FORMATS = ("png", "svg", "html")


# -- gathering ------------------------------------------------------------------------------


def rate_series(ledger: Any, partner: str, product: str, start: dt.date, end: dt.date,
                imposer: str | None = None, known_at: str | None = None) -> RateSeries:
    """The rate of ``partner``'s ``product`` on every change date in ``[start, end]``, and the milestones."""
    from ledger.reports import AmbiguousImposer
    from projections.rates import RateAnswer
    from projections.readmodel import queries
    from projections.recorded import effective_events
    from projections.state import by_subject, measures_on, rate_from_views

    answers: list[tuple[dt.date, str | None, RateAnswer]] = []
    with ledger.reading() as conn:
        if known_at is None:
            days = change_days(_interval_starts(conn, imposer), start, end)
            views_on = lambda day: queries.measures_as_of(conn, day, imposer)  # noqa: E731
            tracks, summits = _negotiation_events(conn)
        else:
            groups = by_subject(effective_events(queries.records(conn, known_at)))
            days = change_days(_replay_starts(groups, imposer), start, end)
            views_on = lambda day: measures_on(groups, day)  # noqa: E731
            tracks = {slug: evs for (kind, slug), evs in groups.items() if kind == "track"}
            summits = {slug: evs for (kind, slug), evs in groups.items() if kind == "summit"}
        for day in days:
            try:
                chosen, answer = rate_from_views(views_on(day), partner, product, imposer)
            except LookupError as exc:
                raise AmbiguousImposer(exc.args[0]) from None
            answers.append((day, chosen, answer))
    steps = rate_steps(answers, end)
    named = imposer or _only([s.imposer for s in steps])
    wanted = {slug: evs for slug, evs in tracks.items() if _parties_include(evs, named, partner)}
    return RateSeries(partner, product, named, start, end, known_at, steps, milestones(wanted, summits, start, end))


def _only(imposers: Sequence[str | None]) -> str | None:
    found = sorted({i for i in imposers if i is not None})
    return found[0] if len(found) == 1 else None


def _parties_include(events: Sequence[Any], imposer: str | None, partner: str) -> bool:
    from events.talks import TalksOpened

    opened = next((r.event for r in events if isinstance(r.event, TalksOpened)), None)
    return opened is not None and all(c in opened.parties for c in (imposer, partner) if c is not None)


def _interval_starts(conn: Any, imposer: str | None) -> list[dt.date]:
    # The rate can only change where some measure's interval starts.
    from sqlalchemy import select

    from projections.readmodel.tables import measure_intervals

    query = select(measure_intervals.c.valid_from).distinct()
    if imposer is not None:
        query = query.where(measure_intervals.c.imposer == imposer)
    return [dt.date.fromisoformat(v) for (v,) in conn.execute(query)]


def _replay_starts(groups: dict[tuple[str, str], list[Any]], imposer: str | None) -> list[dt.date]:
    from projections.measures import measure_timeline

    days = []
    for (kind, _), records in groups.items():
        if kind != "measure":
            continue
        for interval in measure_timeline(records):
            if imposer is None or interval.view.imposer == imposer:
                days.append(interval.valid_from)
    return days


def _negotiation_events(conn: Any) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    from sqlalchemy import select

    from projections.readmodel.tables import subjects
    from projections.readmodel.writer import subject_records

    out: dict[str, dict[str, list[Any]]] = {"track": {}, "summit": {}}
    for kind, slug in conn.execute(select(subjects.c.kind, subjects.c.slug).where(subjects.c.kind.in_(out))):
        out[kind][slug] = subject_records(conn, kind, slug)
    return out["track"], out["summit"]


# -- drawing --------------------------------------------------------------------------------

PALETTE = ("#8c8c8c", "#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22")
MARKS = {  # kind -> (colour, line style, legend text)
    "opened": ("#444444", "--", "talks opened / concluded"),
    "concluded": ("#444444", "--", "talks opened / concluded"),
    "round": ("#4c72b0", ":", "negotiation round held"),
    "summit": ("#8e44ad", "-.", "leaders' summit"),
    "agreement": ("#1b9e4b", "-", "agreement reached"),
}
WIDTH, LEFT, RIGHT = 13.0, 0.07, 0.985  # inches; axes fractions
LABEL_PT = 8.0


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
    who = country_name(series.imposer) if series.imposer else "Tariffs"
    head = f"{who} tariff on HS {series.product} from {country_name(series.partner)}"
    if not series.imposer:
        head = f"Tariff on HS {series.product} from {country_name(series.partner)} (no imposer's measure names it)"
    sub = f"Stacked ad valorem rate by measure, {series.start} to {series.end}"
    if series.known_at:
        sub += f", as known at {series.known_at}"
    return head, sub


def spread(targets: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Positions for labels at sorted ``targets``, at least ``gap`` apart, each cluster centred on its targets."""
    clusters: list[tuple[list[float], float]] = []  # (targets, first position)
    for t in targets:
        clusters.append(([t], t))
        while len(clusters) > 1:
            (a, a0), (b, b0) = clusters[-2], clusters[-1]
            if a0 + len(a) * gap <= b0 + 1e-9:
                break
            merged = a + b
            first = sum(merged) / len(merged) - (len(merged) - 1) * gap / 2
            first = min(max(first, low), max(low, high - (len(merged) - 1) * gap))
            clusters[-2:] = [(merged, first)]
    return [first + i * gap for items, first in clusters for i in range(len(items))]


def _xs(steps: Sequence[Step]) -> list[dt.date]:
    return [s.start for s in steps] + [steps[-1].end]


def draw(series: RateSeries) -> Any:
    """The chart as a matplotlib ``Figure`` (not yet saved)."""
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    steps = series.steps
    layers = series.layers()
    marks = series.milestones
    fig = Figure(figsize=(WIDTH, 8.6), dpi=150)
    strip_h, plot_h = (1.75, 4.3) if marks else (0.0, 5.6)
    total_h = 8.6
    plot_bottom = 2.0 / total_h
    ax = fig.add_axes((LEFT, plot_bottom, RIGHT - LEFT, plot_h / total_h))
    head, sub = title_lines(series)
    fig.text(LEFT, 1 - 0.22 / total_h, head, fontsize=14, fontweight="bold", va="top")
    fig.text(LEFT, 1 - 0.52 / total_h, sub, fontsize=10, color="#444444", va="top")

    xs = _xs(steps)
    top = max([float(s.rate) for s in steps] + [1.0])
    ymax = top * 1.22 + 0.5
    base = [0.0] * len(steps)
    handles: list[Any] = []
    for i, layer in enumerate(layers):
        colour = PALETTE[i % len(PALETTE)]
        values = [float(v) for v in layer.values]
        upper = [b + v for b, v in zip(base, values, strict=True)]
        ax.fill_between(xs, base + base[-1:], upper + upper[-1:], step="post", color=colour, alpha=0.75,
                        linewidth=0)
        handles.append(Patch(facecolor=colour, alpha=0.75, label=layer.label))
        _band_values(ax, steps, base, values, ymax, plot_h, series)
        base = upper
    totals = [float(s.rate) for s in steps]
    ax.step(xs, totals + totals[-1:], where="post", color="black", linewidth=2.0, zorder=5)
    handles.append(Line2D([], [], color="black", linewidth=2.0, label="total rate (sum of the bands)"))
    _total_labels(ax, steps, ymax, series)

    seen_kinds: dict[str, None] = {}
    for m in marks:
        colour, style, _ = MARKS[m.kind]
        ax.axvline(m.day, color=colour, linestyle=style, linewidth=1.1, alpha=0.9, zorder=4)
        seen_kinds[MARKS[m.kind][2]] = None
    for text in seen_kinds:
        colour, style = next((c, s) for c, s, t in MARKS.values() if t == text)
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=1.3, label=text))

    ax.set_xlim(series.start, series.end + dt.timedelta(days=1))
    ax.set_ylim(0, ymax)
    ax.set_ylabel("% ad valorem", fontsize=10)
    locator = mdates.AutoDateLocator(minticks=5, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if marks:
        strip = fig.add_axes((LEFT, plot_bottom + (plot_h + 0.05) / total_h, RIGHT - LEFT, strip_h / total_h),
                             sharex=ax)
        _milestone_strip(strip, marks, series)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.09), ncol=2, fontsize=8.5,
              frameon=False, title="Each band is what one measure adds (slug and legal basis)",
              title_fontsize=8.5, alignment="left")
    fig.text(LEFT, 0.012, "Rates follow the ledger's stacking rule: measures that do not stack (not_with) are "
             "left out; an all-in rate (inclusive_of) adds only what the duties it includes do not. "
             "Exact dates: ledger chart … --format json, or the .html output.", fontsize=7, color="#666666")
    return fig


def _band_values(ax: Any, steps: Sequence[Step], base: Sequence[float], values: Sequence[float], ymax: float,
                 plot_h: float, series: RateSeries) -> None:
    # Write a band's value inside it where the band is wide and tall enough to hold the text.
    span = (series.end - series.start).days + 1
    for step, low, value in zip(steps, base, values, strict=True):
        if value <= 0 or step.days < span * 0.09 or value / ymax * plot_h < 0.2:
            continue
        middle = step.start + dt.timedelta(days=step.days / 2)
        ax.text(middle, low + value / 2, f"+{number_text(value)}", ha="center", va="center", fontsize=8,
                color="white", fontweight="bold", zorder=6)


def number_text(value: float) -> str:
    return f"{value:g}"


def _total_labels(ax: Any, steps: Sequence[Step], ymax: float, series: RateSeries) -> None:
    # Label each level of the total: wide steps at their start, one-off peaks above the spike.
    span = (series.end - series.start).days + 1
    for i, step in enumerate(steps):
        rate = float(step.rate)
        prev = float(steps[i - 1].rate) if i else None
        nxt = float(steps[i + 1].rate) if i + 1 < len(steps) else None
        peak = (prev is None or rate > prev) and (nxt is None or rate > nxt)
        if step.days >= span * 0.06:
            ax.text(step.start + dt.timedelta(days=span * 0.006), rate + ymax * 0.015, f"{number_text(rate)}%",
                    fontsize=10, fontweight="bold", va="bottom", ha="left", zorder=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})
        elif peak:
            ax.annotate(f"{number_text(rate)}% ({step.start:%d %b}" + (f"–{step.end - dt.timedelta(days=1):%d %b})"
                                                                      if step.days > 1 else ")"),
                        xy=(step.start, rate), xytext=(6, 10), textcoords="offset points", fontsize=8.5,
                        fontweight="bold", zorder=7, arrowprops={"arrowstyle": "-", "color": "#333333", "lw": 0.8},
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def _milestone_strip(strip: Any, marks: Sequence[Milestone], series: RateSeries) -> None:
    from matplotlib import dates as mdates

    strip.set_ylim(0, 1)
    strip.axis("off")
    span = (series.end - series.start).days + 1
    axis_inches = WIDTH * (RIGHT - LEFT)
    gap_days = span * (LABEL_PT * 1.45 / 72) / axis_inches
    low = mdates.date2num(series.start)
    high = mdates.date2num(series.end) + 1
    targets = [float(mdates.date2num(m.day)) for m in marks]
    placed = spread(targets, gap_days, low + gap_days / 2, high - gap_days / 2)
    for m, x, target in zip(marks, placed, targets, strict=True):
        colour = MARKS[m.kind][0]
        strip.plot([target, target, x], [0.0, 0.06, 0.14], color=colour, linewidth=0.8, clip_on=False)
        strip.text(x, 0.16, m.label, rotation=90, ha="center", va="bottom", fontsize=LABEL_PT, color=colour,
                   fontweight="bold" if m.kind == "agreement" else "normal")
    strip.text(0.0, 1.0, "Negotiations:", transform=strip.transAxes, fontsize=8.5, color="#444444", va="top",
               ha="right")


# -- files ----------------------------------------------------------------------------------


def render(series: RateSeries, path: Path) -> None:
    """Write the chart to ``path`` (png, svg or html by its suffix), replacing it atomically."""
    kind = path.suffix.lower().lstrip(".")
    fig = draw(series)
    buffer = io.BytesIO()
    if kind == "png":
        fig.savefig(buffer, format="png", metadata={"Software": None})
    else:
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    data = buffer.getvalue()
    if kind == "html":
        data = html_page(series, data.decode("utf-8")).encode("utf-8")
    _write_atomically(path, data)


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
