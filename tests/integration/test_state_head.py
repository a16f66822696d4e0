"""A page of a state: its first rows, and how many there are, without folding every negotiation.

The web page ``/`` shows the first 500 measures and negotiations of a state; an unfiltered state of a
1M-event ledger holds 12,000 negotiations, and folding all of them to show 500 took most of the page's
time (docs/performance.md). ``Ledger.state_head`` folds tracks in slug order until it has enough and
counts the rest from the opened tracks; the property test (test_replay_property.py) holds that count
to a full replay's on random ledgers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ledger.service import Ledger

SOURCE = {"publisher": "Test wire", "title": "Talks open", "url": "https://example.org/t",
          "published_on": "2025-04-01"}


def opened(track: str, date: str, parties: list[str]) -> dict[str, Any]:
    return {"type": "talks.opened", "date": date, "track": track, "parties": parties,
            "title": f"{track} talks", "source": SOURCE}


@pytest.fixture
def tracks(store: Ledger) -> Ledger:
    events = [opened("t-c", "2025-04-01", ["US", "JP"]), opened("t-a", "2025-04-02", ["US", "CN"]),
              opened("t-b", "2025-04-03", ["US", "JP"]), opened("t-d", "2025-05-20", ["EU", "JP"])]
    store.append(list(enumerate(events, start=1)))
    return store


def test_the_first_rows_by_track_and_how_many_there_are(tracks: Ledger) -> None:
    whole = tracks.state(dt.date(2025, 5, 1))
    head, total = tracks.state_head(dt.date(2025, 5, 1), 2)
    assert [n.track for n in whole.negotiations] == ["t-a", "t-b", "t-c"]  # t-d opens later
    assert [n.track for n in head.negotiations] == ["t-a", "t-b"]
    assert head.negotiations == whole.negotiations[:2]
    assert total == {"measures": 0, "negotiations": 3}
    _, japan = tracks.state_head(dt.date(2025, 6, 1), 1, partner="JP")
    assert japan == {"measures": 0, "negotiations": 3}  # t-b, t-c, t-d


def test_only_the_tracks_shown_are_folded(tracks: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from projections import negotiations

    folded: list[str] = []
    real = negotiations.negotiation_on

    def negotiation_on(events: Any, *args: Any, **kwargs: Any) -> Any:
        view = real(events, *args, **kwargs)
        folded.append(view.track if view is not None else "")
        return view

    monkeypatch.setattr(negotiations, "negotiation_on", negotiation_on)
    tracks.state_head(dt.date(2025, 6, 1), 2)
    assert folded == ["t-a", "t-b"]
    folded.clear()
    tracks.state(dt.date(2025, 6, 1))
    assert folded == ["t-a", "t-b", "t-c", "t-d"]
