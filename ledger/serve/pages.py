"""The web pages: server-rendered HTML (Jinja2), plain forms, no JavaScript, no CDN.

Every page is a GET whose query is the question, so a link is the answer:
``/?as_of=2025-06-01&partner=JP`` is the state on 1 June 2025 for Japan,
``/rate?partner=JP&product=870323&as_of=2025-06-01`` the rate on Japanese cars and why.
Every page says which ``as_of`` and ``known_at`` it answers for. Bad input shows the
message the CLI would print, on the page, with status 400.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from events.errors import BadInput, InputError
from ledger.serve.collector import paused
from ledger.service import Ledger, parse_day, parse_known_at

HERE = Path(__file__).parent
DRAWING = threading.Lock()  # matplotlib figures are drawn one at a time
TIMELINE_PAGE = 500  # developments a /timeline page shows, as /history shows 500 events
STATE_ROWS = 500  # measures, and negotiations, the state page lists


def add_pages(app: FastAPI, ledger: Ledger, reader: Callable[..., Any]) -> None:
    from ledger.serve.app import _country as exact_country
    from ledger.serve.app import _product, bad_input_body, history_page

    def _country(field: str, value: str | None) -> str | None:
        # A form is typed by hand: "jp" means JP. (The API takes codes exactly as the CLI does.)
        return exact_country(field, value.strip().upper() if value else None)

    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["source"] = _source_text
    templates.env.filters["weblink"] = _weblink
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    read = [Depends(reader)]

    def page(request: Request, name: str, query: dict[str, Any], build: Callable[[], dict[str, Any]]) -> Response:
        context: dict[str, Any] = {"q": query, "error": None, "head": None}
        status = 200
        try:
            with paused():
                context.update(build())
        except BadInput as exc:
            context["error"] = bad_input_body(exc)["message"]
            status = 400
        if context.get("known_at") is None:
            context["known_at"] = query.get("known_at") or None
        try:
            context["head"] = ledger.digest()
        except Exception:  # the page still says what it can
            context["head"] = None
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.get("/", response_class=HTMLResponse, dependencies=read, include_in_schema=False)
    def state_page(request: Request, as_of: str | None = None, imposer: str | None = None,
                   partner: str | None = None, known_at: str | None = None) -> Response:
        query = {"as_of": as_of or dt.date.today().isoformat(), "imposer": imposer or "", "partner": partner or "",
                 "known_at": known_at or ""}

        def build() -> dict[str, Any]:
            # A page a browser can draw: the unfiltered state of a 1M-event ledger is 75,000 measures
            # (40 MB of HTML) and 12,000 negotiations. The rest is a filter, or the JSON link, away.
            state, total = ledger.state_head(parse_day("as_of", query["as_of"]), STATE_ROWS,
                                             parse_known_at(known_at or None), _country("imposer", imposer or None),
                                             _country("partner", partner or None))
            data = state.to_json()
            return {"state": data, "total": total, "limit": STATE_ROWS, "as_of": data["as_of"],
                    "known_at": data["known_at"]}

        return page(request, "state.html", query, build)

    @app.get("/rate", response_class=HTMLResponse, dependencies=read, include_in_schema=False)
    def rate_page(request: Request, partner: str | None = None, product: str | None = None,
                  as_of: str | None = None, imposer: str | None = None, known_at: str | None = None,
                  start: str | None = None, end: str | None = None) -> Response:
        day = as_of or dt.date.today().isoformat()
        query = {"partner": partner or "", "product": product or "", "as_of": day, "imposer": imposer or "",
                 "known_at": known_at or "", "start": start or "", "end": end or ""}

        def build() -> dict[str, Any]:
            if not partner or not product:
                return {"as_of": day}
            when = parse_day("as_of", day)
            cut = parse_known_at(known_at or None)
            who, code, by = _country("partner", partner), _product(product), _country("imposer", imposer or None)
            answer = ledger.rate(who or "", code, when, by, cut).to_json()
            first = parse_day("start", start) if start else dt.date(when.year, 1, 1)
            last = parse_day("end", end) if end else dt.date(when.year, 12, 31)
            if first > last:
                from ledger.service import raise_input

                raise_input("start", f"{first} is after end {last}")
            query.update(start=first.isoformat(), end=last.isoformat())
            return {"rate": answer, "as_of": answer["as_of"], "known_at": answer["known_at"],
                    "chart": _chart(ledger, who or "", code, first, last, by, cut)}

        return page(request, "rate.html", query, build)

    @app.get("/timeline", response_class=HTMLResponse, dependencies=read, include_in_schema=False)
    def timeline_page(request: Request, track: str | None = None, measure: str | None = None,
                      partner: str | None = None, imposer: str | None = None, since: str | None = None,
                      until: str | None = None, after: str | None = None) -> Response:
        query = {"track": track or "", "measure": measure or "", "partner": partner or "",
                 "imposer": imposer or "", "since": since or "", "until": until or "", "after": after or ""}

        def build() -> dict[str, Any]:
            from ledger.cli.options import date_range
            from projections.timeline import Filters

            first, last = date_range("since", since or None, "until", until or None)
            filters = Filters(track or None, measure or None, _country("partner", partner or None),
                              _country("imposer", imposer or None), first, last)
            # A page of the stream, as the history's: the unfiltered timeline of a big ledger is a million items.
            entries = ledger.timeline_entries(filters, _timeline_cursor(after or None))
            try:
                items = [e.to_json() for e in itertools.islice(entries, TIMELINE_PAGE + 1)]
            finally:
                entries.close()
            more = len(items) > TIMELINE_PAGE
            items = items[:TIMELINE_PAGE]
            return {"items": items, "next": f"{items[-1]['date']}.{items[-1]['position']}" if more else None}

        return page(request, "timeline.html", query, build)

    @app.get("/history", response_class=HTMLResponse, dependencies=read, include_in_schema=False)
    def history_html(request: Request, measure: str | None = None, track: str | None = None,
                     summit: str | None = None, since: str | None = None, until: str | None = None,
                     after: str | None = None) -> Response:
        query = {"measure": measure or "", "track": track or "", "summit": summit or "", "since": since or "",
                 "until": until or "", "after": after or ""}

        def build() -> dict[str, Any]:
            from ledger.serve.app import ApiError

            try:
                found = history_page(ledger, measure or None, track or None, summit or None, since or None,
                                     until or None, 500, after or None)
            except ApiError as exc:  # an unknown subject: say so on the page
                return {"events": [], "next": None, "missing": exc.body["message"]}
            return {"events": found["events"], "next": found["next"],
                    "ids": {e["id"]: e["position"] for e in found["events"]}}

        return page(request, "history.html", query, build)


def _timeline_cursor(after: str | None) -> tuple[str, int] | None:
    """The ``after`` of a timeline page, ``DATE.POSITION`` (the ``next`` link of the page before)."""
    if after is None:
        return None
    day, _, position = after.partition(".")
    if not position.isdigit() or len(position) > 18:
        raise BadInput([InputError(None, "after", f"{after!r} is not a cursor: follow the page's Next link")])
    return parse_day("after", day).isoformat(), int(position)


def _chart(ledger: Ledger, partner: str, product: str, first: dt.date, last: dt.date, imposer: str | None,
           known_at: str | None) -> str | None:
    """The ``ledger chart`` drawing as inline SVG; None when matplotlib (the chart extra) is missing."""
    try:
        import matplotlib  # noqa: F401

        from ledger.charting import inline_svg
    except ImportError:
        return None
    series = ledger.rate_series(partner, product, first, last, imposer, known_at)
    with DRAWING:
        return inline_svg(series)


def _source_text(source: Any) -> str:
    if not isinstance(source, dict):
        return str(source or "")
    parts = [source.get("publisher"), source.get("title"), source.get("published_on")]
    return ", ".join(str(p) for p in parts if p)


def _weblink(url: Any) -> str:
    """``url`` if it is a web address (http or https), else "": a source's url is any text, never a script."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
