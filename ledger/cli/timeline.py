"""``ledger timeline``: the developments in valid-date order, one line each, with their sources.

Each event reads as a sentence generated from its fields, e.g.::

    2025-04-09  us-reciprocal-jp  us-reciprocal-jp suspended from 2025-04-10 until 2025-07-09
    2025-06-06  us-jp-tariffs     Round 5 held in Washington

Events are shown as corrected (and marked ``corrected``); a retracted event is
still listed, marked ``retracted``, as it was recorded. Correction events are
not developments themselves: they are listed under the event they fix.
Filters: ``--track`` (with the summits that name it), ``--measure``,
``--partner`` / ``--imposer`` (measures of that imposer or naming that partner
in any version of their terms, and tracks with those parties, with their
summits), ``--since`` / ``--until`` on the event's date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional

import typer

from ledger.cli.output import Format

DETAIL_CHARS = 220  # a table shows this much of an event's detail; JSON has it all
CORRECTION_TYPES = ("ledger.corrected", "ledger.retracted")


# -- sentences ------------------------------------------------------------------------------


def _codes(values: Sequence[str], everything: str, limit: int = 4) -> str:
    if "*" in values:
        return everything
    shown = ", ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def _rate(value: Any) -> str:
    return f"{value:g}%" if isinstance(value, int | float) else f"{value}%"


def _terms(ev: dict[str, Any]) -> list[str]:
    # The scope and stacking terms a measure event sets, in words.
    out = []
    if ev.get("except_partners"):
        out.append(f"except {', '.join(ev['except_partners'])}")
    if ev.get("except_products"):
        out.append(f"except HS {_codes(ev['except_products'], 'all goods')}")
    if ev.get("not_with"):
        out.append(f"not with {', '.join(ev['not_with'])}")
    if ev.get("inclusive_of"):
        out.append(f"inclusive of {', '.join(ev['inclusive_of'])}")
    return out


def _measure(ev: dict[str, Any]) -> str:
    slug, kind = ev["measure"], ev["type"].split(".", 1)[1]
    since = ev.get("effective_on") or ev["date"]
    if kind == "announced":
        goods = "all goods" if "*" in ev["products"] else f"HS {_codes(ev['products'], '')}"
        scope = f"{_rate(ev['rate'])} ({ev['basis']}) on {goods}"
        when = f"in force from {ev['effective_on']}" if ev.get("effective_on") else "effective date not yet set"
        extra = "".join(f", {t}" for t in _terms(ev))
        return (f"{slug} announced by {ev['imposer']}: {scope} from "
                f"{_codes(ev['partners'], 'all partners')}{extra}; {when}")
    if kind == "amended":
        changes = []
        if "rate" in ev:
            changes.append(f"rate {_rate(ev['rate'])}")
        if ev.get("partners"):
            changes.append(f"partners {_codes(ev['partners'], 'all partners')}")
        if ev.get("products"):
            changes.append("all goods" if "*" in ev["products"] else f"products HS {_codes(ev['products'], '')}")
        changes += _terms(ev)
        return f"{slug} amended from {since}: {'; '.join(changes)}"
    if kind == "suspended":
        lapse = f"until {ev['until']}" if ev.get("until") else "until further notice"
        return f"{slug} suspended from {since} {lapse}"
    if kind == "rescheduled":
        return f"{slug} to take effect on {ev['effective_on']}"
    return f"{slug} {kind} from {since}"  # resumed, revoked


def _talks(ev: dict[str, Any], names: dict[str, str]) -> str:
    kind = ev["type"].split(".", 1)[1]
    venue = f" in {ev['venue']}" if ev.get("venue") else ""
    if kind == "opened":
        between = ", ".join(ev["parties"][:-1]) + f" and {ev['parties'][-1]}"
        return f"Talks opened between {between}" + (f": {ev['title']}" if ev.get("title") else "")
    if kind == "round_scheduled":
        until = f" to {ev['ends_on']}" if ev.get("ends_on") else ""
        return f"Round {ev['round']} scheduled for {ev['starts_on']}{until}{venue}"
    if kind == "round_held":
        return f"Round {ev['round']} held{venue}"
    if kind == "proposal_submitted":
        return f"{ev['by']} submits proposal {ev['proposal']} ({len(ev['items'])} items)"
    if kind == "proposal_answered":
        return f"{ev['by']} {ev['response']} proposal {ev['proposal']}"
    if kind == "statement":
        return f"Statement by {ev['speaker']} ({ev['party']})"
    if kind == "agreement_reached":
        return f"Agreement reached: {ev['title']}"
    if kind == "concluded":
        return f"Talks concluded: {ev['outcome']}"
    if kind == "scheduled":  # summit
        until = f" to {ev['ends_on']}" if ev.get("ends_on") else ""
        return f"{ev['name']} scheduled for {ev['starts_on']}{until}{venue}"
    return f"{names.get(ev['summit'], ev['summit'])} held"  # summit.held


def describe(ev: dict[str, Any], summit_names: dict[str, str] | None = None) -> tuple[str, str]:
    """One line for an event (interchange JSON), and a longer detail (may be empty)."""
    family = ev["type"].split(".", 1)[0]
    line = _measure(ev) if family == "measure" else _talks(ev, summit_names or {})
    detail: str = ""
    if ev["type"] == "measure.announced":
        detail = ev.get("title") or ""
    elif ev["type"] == "talks.round_held":
        who = f"With {', '.join(ev['participants'])}." if ev.get("participants") else ""
        detail = " ".join(x for x in (ev.get("outcome"), who) if x)
    elif ev["type"] == "talks.proposal_submitted":
        detail = "; ".join(ev["items"])
    elif ev["type"] == "talks.statement":
        detail = ev["text"]
    elif ev["type"] == "talks.agreement_reached":
        detail = "; ".join(ev["terms"])
    elif ev["type"] == "summit.scheduled":
        detail = f"Leaders: {', '.join(ev['leaders'])}" if ev.get("leaders") else ""
    elif ev["type"] == "summit.held":
        detail = ev.get("outcome") or ""
    return line, detail


def source_text(source: dict[str, Any]) -> str:
    return " — ".join(str(source[k]) for k in ("publisher", "title") if source.get(k))


# -- gathering ------------------------------------------------------------------------------


@dataclass
class Entry:
    position: int
    event_id: str
    kind: str
    slug: str
    event: dict[str, Any]  # as corrected, or as recorded once retracted
    status: str
    recorded_at: str
    recorded_by: str
    corrections: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    track: str | None = None
    measure: str | None = None
    partner: str | None = None
    imposer: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def entries(ledger: Any) -> list[Entry]:
    """Every non-correction event with its corrections attached, in record order."""
    from projections.readmodel import queries

    with ledger.reading() as conn:
        rows = queries.history_rows(conn)
    by_id: dict[str, Entry] = {}
    target_of: dict[str, str] = {}
    out = []
    for row in rows:
        payload = json.loads(row.payload)
        if row.type in CORRECTION_TYPES:
            base = target_of.get(row.target, row.target)
            target_of[row.event_id] = base
            if base in by_id:
                by_id[base].corrections.append({"position": row.position, "id": row.event_id, "type": row.type,
                                                "date": payload.get("date"), "reason": payload.get("reason"),
                                                "of": None if base == row.target else row.target})
            continue
        current = json.loads(row.current) if row.current is not None else None
        status = "retracted" if current is None else ("corrected" if row.current != row.payload else "recorded")
        entry = Entry(row.position, row.event_id, row.subject_kind, row.subject, current or payload, status,
                      row.recorded_at, row.recorded_by)
        by_id[row.event_id] = entry
        out.append(entry)
    return out


def select(all_entries: Sequence[Entry], f: Filters) -> list[Entry]:
    """The entries the filters keep, in valid-date order (record order within a day)."""
    partners: dict[str, set[str]] = {}
    imposers: dict[str, str] = {}
    parties: dict[str, set[str]] = {}
    linked: dict[str, set[str]] = {}
    for e in all_entries:
        ev = e.event
        if e.kind == "measure":
            partners.setdefault(e.slug, set()).update(ev.get("partners") or ())
            if "imposer" in ev:
                imposers[e.slug] = ev["imposer"]
        elif ev["type"] == "talks.opened":
            parties[e.slug] = set(ev["parties"])
        elif ev["type"] == "summit.scheduled":
            linked.setdefault(e.slug, set()).update(ev.get("tracks") or ())
    tracks = {t for t, p in parties.items() if (f.track is None or t == f.track)
              and all(c in p for c in (f.partner, f.imposer) if c is not None)}
    talks_filtered = any(x is not None for x in (f.track, f.partner, f.imposer))

    def keep(e: Entry) -> bool:
        if e.kind == "measure":
            return (f.track is None and f.measure in (None, e.slug) and f.imposer in (None, imposers.get(e.slug))
                    and (f.partner is None or bool({f.partner, "*"} & partners.get(e.slug, set()))))
        if f.measure is not None:
            return False
        if e.kind == "track":
            return e.slug in tracks
        return not talks_filtered or bool(linked.get(e.slug, set()) & tracks)

    def day(e: Entry) -> str:
        return str(e.event["date"])

    kept = [e for e in all_entries if keep(e)
            and (f.since is None or day(e) >= f.since.isoformat())
            and (f.until is None or day(e) <= f.until.isoformat())]
    return sorted(kept, key=lambda e: (day(e), e.position))


def timeline_json(chosen: Sequence[Entry], all_entries: Sequence[Entry]) -> list[dict[str, Any]]:
    names = {e.slug: e.event["name"] for e in all_entries if e.event["type"] == "summit.scheduled"}
    out = []
    for e in chosen:
        line, detail = describe(e.event, names)
        out.append({
            "date": e.event["date"], "position": e.position, "id": e.event_id, "type": e.event["type"],
            "subject": f"{e.kind}:{e.slug}", "description": line, "detail": detail,
            "source": e.event["source"], "status": e.status, "corrections": e.corrections,
            "recorded_at": e.recorded_at, "recorded_by": e.recorded_by, "note": e.event.get("note"),
        })
    return out


# -- command --------------------------------------------------------------------------------


def _table(items: Sequence[dict[str, Any]], title: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_lines=True, expand=True)
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("subject", overflow="fold", max_width=22, style="dim")
    table.add_column("development", overflow="fold", ratio=5)
    table.add_column("source", overflow="fold", ratio=2)
    for item in items:
        what = Text()
        if item["status"] != "recorded":
            what.append(f"[{item['status']}] ", style="bold red" if item["status"] == "retracted" else "bold yellow")
        what.append(item["description"], style="strike" if item["status"] == "retracted" else "bold")
        if item["detail"]:
            detail = item["detail"]
            cut = detail if len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 1].rstrip() + "…"
            what.append(f"\n{cut}", style="dim")
        for c in item["corrections"]:
            verb = "retracted" if c["type"] == "ledger.retracted" else "corrected"
            what.append(f"\n{verb} at position {c['position']}: {c['reason']}", style="yellow")
        table.add_row(Text(item["date"]), Text(item["subject"].split(":", 1)[1]), what,
                      Text(source_text(item["source"])))
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def timeline(
        ctx: typer.Context,
        track: Annotated[Optional[str], typer.Option("--track", help="Only this negotiation (and the summits "
                                                     "that name it).")] = None,
        measure: Annotated[Optional[str], typer.Option("--measure", help="Only this measure.")] = None,
        partner: Annotated[Optional[str], typer.Option("--partner", help="Only measures naming this partner "
                                                       "and talks it is a party to.")] = None,
        imposer: Annotated[Optional[str], typer.Option("--imposer", help="Only this imposer's measures and "
                                                       "talks it is a party to.")] = None,
        since: Annotated[Optional[str], typer.Option("--since", help="Events dated on or after this date.")] = None,
        until: Annotated[Optional[str], typer.Option("--until", help="Events dated on or before this date.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table (default), json or csv.")] = Format.table,
    ) -> None:
        """The developments in date order, one sentence each, with their sources; corrections marked.

        Example: ledger timeline --partner JP --since 2025-04-01 --until 2025-07-31
        """
        from ledger.cli.output import emit_csv, emit_json, emit_tables
        from ledger.cli.read import _country
        from ledger.service import parse_day, raise_input

        if track and measure:
            raise_input("measure", "filter by --track or --measure, not both")
        first = parse_day("since", since) if since else None
        last = parse_day("until", until) if until else None
        if first and last and first > last:
            raise_input("since", f"{since} is after --until {until}")
        filters = Filters(track, measure, _country("partner", partner), _country("imposer", imposer), first, last)
        everything = entries(ctx.obj)
        items = timeline_json(select(everything, filters), everything)
        if fmt is Format.json:
            emit_json(items)
        elif fmt is Format.csv:
            rows = [{**i, "subject": i["subject"], "source": source_text(i["source"])} for i in items]
            emit_csv(rows, ("date", "subject", "description", "detail", "source", "status"))
        else:
            shown = [f"{k} {v}" for k, v in (("track", track), ("measure", measure), ("partner", partner),
                                              ("imposer", imposer), ("since", since), ("until", until)) if v]
            emit_tables(_table(items, "Timeline" + (f" ({', '.join(shown)})" if shown else "")))
