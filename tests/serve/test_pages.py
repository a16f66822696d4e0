"""The web pages answer the question in their URL, show as_of and known_at, and work without JavaScript."""

from __future__ import annotations

import re

import pytest

from tests.serve.conftest import Served


def page(served: Served, path: str, **params: str) -> str:
    answer = served.client.get(path, params=params)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def test_the_state_page_lists_the_measures_and_negotiations(sample: Served) -> None:
    html = page(sample, "/", as_of="2025-06-01", partner="JP")
    assert 'id="as-of">2025-06-01<' in html and 'id="known-at">now (everything recorded)<' in html
    assert '<a href="/history?measure=us-232-autos"' in html
    assert '<a href="/history?track=us-jp-tariffs"' in html
    assert "<script" not in html


def test_the_state_page_lists_the_first_rows_and_says_how_many_there_are(sample: Served,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.serve import pages

    whole = sample.cli("state", "--as-of", "2025-06-01", "--format", "json").json()
    assert len(whole["measures"]) > 3 and len(whole["negotiations"]) == 1
    monkeypatch.setattr(pages, "STATE_ROWS", 3)
    html = page(sample, "/", as_of="2025-06-01")
    listed = re.findall(r'<td><a href="/history\?measure=([^"]+)"', html)
    assert listed == [m["measure"] for m in whole["measures"][:3]]
    assert f"The first 3 of {len(whole['measures'])} measures" in html and 'id="more-negotiations"' not in html
    monkeypatch.setattr(pages, "STATE_ROWS", 500)
    assert 'id="more-measures"' not in page(sample, "/", as_of="2025-06-01")


def test_the_rate_page_shows_the_rate_its_components_and_the_chart(sample: Served) -> None:
    html = page(sample, "/rate", partner="JP", product="870323", as_of="2025-06-01")
    assert '<strong id="rate">27.5%</strong>' in html
    assert "us-232-autos" in html and "us-hts-2025" in html and "suspended until 2025-07-09" in html
    assert re.search(r"<figure class=\"chart\"><svg", html)


def test_pages_carry_known_at(sample: Served) -> None:
    html = page(sample, "/rate", partner="JP", product="870323", as_of="2025-06-01", known_at="2000-01-01")
    assert 'id="known-at">' in html and "2000-01-01T23:59:59" in html
    assert '<strong id="rate">0%</strong>' in html


def test_bad_input_is_shown_on_the_page_with_status_400(sample: Served) -> None:
    answer = sample.client.get("/", params={"as_of": "2025-13-01"})
    assert answer.status_code == 400
    assert "as_of: &#39;2025-13-01&#39; is not a real date" in answer.text


def test_the_timeline_and_history_pages(sample: Served) -> None:
    timeline = page(sample, "/timeline", partner="JP", since="2025-04-01", until="2025-07-31")
    assert "us-reciprocal-jp suspended from 2025-04-10 until 2025-07-09" in timeline
    history = page(sample, "/history", measure="us-reciprocal-jp")
    assert 'id="p-' in history and "recorded at" in history


def test_the_timeline_page_is_a_page_of_the_stream_with_a_next_link(sample: Served,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.serve import pages

    whole = [(i["date"], i["position"]) for i in sample.cli("timeline", "--format", "json").json()]
    assert len(whole) == 59
    monkeypatch.setattr(pages, "TIMELINE_PAGE", 25)
    seen: list[tuple[str, int]] = []
    params: dict[str, str] = {}
    for _ in range(3):
        html = page(sample, "/timeline", **params)
        seen += listed(html)
        found = re.search(r'<a rel="next" href="/timeline\?([^"]*)after=([^"]+)">', html)
        if found is None:
            break
        params = {"after": found[2]}
    assert seen == whole and found is None
    # A cursor with filters: the next 25 of that filtered timeline after the given (date, position).
    cut = whole[30]
    jp = [(i["date"], i["position"]) for i in sample.cli("timeline", "--partner", "JP", "--format", "json").json()]
    later = [x for x in jp if x > cut][:25]
    assert later and listed(page(sample, "/timeline", partner="JP", after=f"{cut[0]}.{cut[1]}")) == later


def listed(html: str) -> list[tuple[str, int]]:
    """The (date, position) of each item of a timeline page: its date, then the link to its history entry."""
    return [(d, int(p)) for d, p in re.findall(r'<time>([^<]+)</time>.*?/history\?[^"#]*#p-(\d+)"', html, re.DOTALL)]


def test_a_bad_timeline_cursor_is_refused_on_the_page(sample: Served) -> None:
    for after in ("2025-06-01", "2025-13-01.4", "2025-06-01.x", "2025-06-01." + "9" * 30):
        answer = sample.client.get("/timeline", params={"after": after})
        assert answer.status_code == 400 and "after:" in answer.text, after


def test_history_links_a_correction_to_its_target(fresh: Served) -> None:
    from tests.scenario import ev

    measure = {**ev("measure.announced", "2025-04-02", measure="m-one", imposer="US", partners=["JP"],
                    products=["*"], rate=10, basis="IEEPA reciprocal", effective_on="2025-04-09"),
               "id": "0b7a6f5e-1d2c-4b3a-8f9e-0a1b2c3d4e5f"}
    fix = {"type": "ledger.corrected", "target": measure["id"], "fields": {"rate": 15}, "reason": "typo",
           "source": "test"}
    assert fresh.cli.append_lines([measure, fix]).exit_code == 0
    html = page(fresh, "/history", measure="m-one")
    assert 'of <a href="#p-1">position 1</a>' in html
    assert 'by <a href="#p-2">position 2</a>' in html


def test_the_stylesheet_is_served_locally(sample: Served) -> None:
    html = page(sample, "/", as_of="2025-06-01")
    assert '<link rel="stylesheet" href="/static/style.css">' in html and "http" not in html.split("<body>")[0]
    assert sample.client.get("/static/style.css").status_code == 200


def test_a_source_url_becomes_a_link_only_when_it_is_a_web_address(fresh: Served) -> None:
    from tests.scenario import ev

    event = ev("measure.announced", "2025-04-02", measure="m-one", imposer="US", partners=["JP"], products=["*"],
               rate=10, basis="b", effective_on="2025-04-09",
               source={"title": "odd", "url": "javascript:alert(1)"})
    assert fresh.cli.append_lines([event]).exit_code == 0
    html = page(fresh, "/history", measure="m-one")
    assert "javascript:" not in html and "odd" in html


def test_a_form_typed_in_lower_case_is_understood(sample: Served) -> None:
    html = page(sample, "/rate", partner="jp", product="870323", as_of="2025-06-01")
    assert '<strong id="rate">27.5%</strong>' in html
