"""Ledger text for tests: the seed's US–Japan talks as a short scenario, and helpers to write events."""

from __future__ import annotations

from typing import Any

SRC = {"publisher": "seed", "title": "Japan's top negotiator heads to US for sixth round of tariff talks"}


def ev(type_: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "date": date, "source": fields.pop("source", "test"), **fields}


def seed_scenario() -> list[dict[str, Any]]:
    """Baseline 10% from 04-05, Japan +14 from 04-09 paused from 04-10, 232 cars 25% from 04-03,
    rounds 1-5 held, round 6 scheduled, the G7 scheduled naming the track."""
    events = [
        ev("measure.announced", "2025-03-26", measure="us-232-autos", imposer="US", partners=["*"],
           products=["8703"], rate=25, basis="Section 232", effective_on="2025-04-03", source=SRC),
        ev("measure.announced", "2025-04-02", measure="us-reciprocal-baseline", imposer="US", partners=["*"],
           products=["*"], rate=10, basis="IEEPA reciprocal", effective_on="2025-04-05", not_with=["Section 232"],
           source=SRC),
        ev("measure.announced", "2025-04-02", measure="us-reciprocal-jp", imposer="US", partners=["JP"],
           products=["*"], rate=14, basis="IEEPA reciprocal", effective_on="2025-04-09", not_with=["Section 232"],
           source=SRC),
        ev("measure.suspended", "2025-04-09", measure="us-reciprocal-jp", effective_on="2025-04-10",
           until="2025-07-09", source=SRC),
        ev("talks.opened", "2025-04-11", track="us-jp-tariffs", parties=["US", "JP"],
           leads={"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent", "Howard Lutnick"]}, source=SRC),
    ]
    for i, day in enumerate(["2025-04-16", "2025-05-01", "2025-05-23", "2025-05-30", "2025-06-06"]):
        events.append(ev("talks.round_held", day, track="us-jp-tariffs", round=i + 1, venue="Washington", source=SRC))
    events += [
        ev("talks.proposal_submitted", "2025-06-06", track="us-jp-tariffs", proposal="jp-package", by="JP",
           items=["semiconductors and critical minerals", "shipbuilding", "US farm imports",
                  "vehicle safety standards"], source=SRC),
        ev("talks.round_scheduled", "2025-06-09", track="us-jp-tariffs", round=6, starts_on="2025-06-13",
           venue="Washington", source=SRC),
        ev("summit.scheduled", "2025-06-09", summit="g7-2025", name="G7 Leaders' Summit", starts_on="2025-06-15",
           ends_on="2025-06-17", venue="Kananaskis, Canada", tracks=["us-jp-tariffs"], source=SRC),
    ]
    return events
