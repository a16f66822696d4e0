"""``ledger timeline``: developments in date order, one generated sentence each, with sources and filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from projections.timeline import describe
from tests.conftest import BACKENDS, SAMPLE, Cli, backend_url
from tests.scenario import ev

KEYS = {"date", "position", "id", "type", "subject", "description", "detail", "source", "status", "corrections",
        "recorded_at", "recorded_by"}


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The CLI on the sample ledger plus one measure on China, loaded once per backend (read only here)."""
    urls = backend_url(request.param, tmp_path_factory.mktemp("sample"))
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    assert cli.append_lines([ev("measure.announced", "2025-04-02", measure="us-reciprocal-cn", imposer="US",
                                partners=["CN"], products=["*"], rate=34, basis="IEEPA reciprocal",
                                effective_on="2025-04-09")]).exit_code == 0
    yield cli
    next(urls, None)  # lets the PostgreSQL generator drop its schema


def timeline(cli: Cli, *args: str) -> list[dict[str, Any]]:
    run = cli("timeline", *args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


def subjects(items: list[dict[str, Any]]) -> set[str]:
    return {i["subject"] for i in items}


class TestOrderAndShape:
    def test_developments_come_in_date_order_then_record_order(self, sample: Cli) -> None:
        items = timeline(sample)
        assert [(i["date"], i["position"]) for i in items] == sorted((i["date"], i["position"]) for i in items)
        assert len(items) == 60  # the 59 sample events and the measure on China

    def test_each_item_has_the_json_keys_and_a_source(self, sample: Cli) -> None:
        for item in timeline(sample):
            assert item.keys() >= KEYS
            assert item["source"].get("publisher") or item["source"].get("title")
            assert item["status"] == "recorded" and item["corrections"] == []

    def test_sentences_say_what_happened(self, sample: Cli) -> None:
        lines = {i["description"] for i in timeline(sample)}
        assert "us-reciprocal-jp suspended from 2025-04-10 until 2025-07-09" in lines
        assert "Round 5 held in Washington" in lines
        assert "us-232-steel amended from 2025-06-04: rate 50%" in lines
        assert "us-jp-autos-15 to take effect on 2025-09-16" in lines
        assert "Agreement reached: US–Japan tariff agreement (15% deal)" in lines
        assert "G7 Leaders' Summit held" in lines

    def test_the_table_shows_date_sentence_and_source(self, sample: Cli) -> None:
        run = sample("timeline", "--track", "us-jp-tariffs", "--until", "2025-04-16")
        assert run.exit_code == 0
        assert "2025-04-16" in run.stdout and "Round 1 held in Washington" in run.stdout
        assert "Yomiuri Shimbun —" in run.stdout


class TestFilters:
    def test_a_track_keeps_its_events_and_the_summits_that_name_it(self, sample: Cli) -> None:
        items = timeline(sample, "--track", "us-jp-tariffs")
        assert subjects(items) == {"track:us-jp-tariffs", "summit:g7-2025", "summit:trump-takaichi-2025-10-28"}

    def test_a_measure_keeps_only_its_own_events(self, sample: Cli) -> None:
        items = timeline(sample, "--measure", "us-reciprocal-jp")
        assert subjects(items) == {"measure:us-reciprocal-jp"}
        assert [i["type"] for i in items][:2] == ["measure.announced", "measure.suspended"]

    def test_a_partner_keeps_measures_naming_it_or_all_and_its_talks(self, sample: Cli) -> None:
        kept = subjects(timeline(sample, "--partner", "JP"))
        assert "measure:us-reciprocal-cn" not in kept
        assert {"measure:us-232-steel", "measure:us-reciprocal-jp", "track:us-jp-tariffs"} <= kept
        assert "summit:ishiba-trump-2025-02-07" not in kept  # names no track

    def test_another_partner_sees_its_own_measure_and_no_us_japan_talks(self, sample: Cli) -> None:
        kept = subjects(timeline(sample, "--partner", "CN"))
        assert "measure:us-reciprocal-cn" in kept and "measure:us-reciprocal-jp" not in kept
        assert not any(s.startswith(("track:", "summit:")) for s in kept)

    def test_an_imposer_keeps_its_measures_and_its_talks(self, sample: Cli) -> None:
        assert "track:us-jp-tariffs" in subjects(timeline(sample, "--imposer", "US"))
        assert timeline(sample, "--imposer", "CN") == []

    def test_since_and_until_bound_the_dates_inclusively(self, sample: Cli) -> None:
        items = timeline(sample, "--since", "2025-06-06", "--until", "2025-06-09")
        assert {i["date"] for i in items} == {"2025-06-06", "2025-06-09"}
        assert "Round 6 scheduled for 2025-06-13 in Washington" in {i["description"] for i in items}

    @pytest.mark.parametrize(("args", "field"), [(("--since", "2025-13-01"), "since"),
                                                 (("--since", "2025-07-01", "--until", "2025-06-01"), "since"),
                                                 (("--partner", "XX"), "partner"),
                                                 (("--track", "t", "--measure", "m"), "measure")])
    def test_bad_filters_are_refused_naming_the_field(self, sample: Cli, args: tuple[str, ...], field: str) -> None:
        run = sample("timeline", *args)
        assert run.exit_code == 2 and run.stderr.startswith(f"error: {field}: ")

    def test_the_help_has_an_example(self, sample: Cli) -> None:
        assert "Example: ledger timeline --partner JP" in sample("timeline", "--help").stdout


class TestCorrections:
    @pytest.fixture
    def corrected(self, cli: Cli) -> Cli:
        events = [
            ev("measure.announced", "2025-04-02", id="00000000-0000-4000-8000-000000000001", measure="m",
               imposer="US", partners=["JP"], products=["*"], rate=25, basis="IEEPA reciprocal",
               effective_on="2025-04-09"),
            ev("talks.opened", "2025-04-11", id="00000000-0000-4000-8000-000000000002", track="t",
               parties=["US", "JP"]),
            ev("talks.round_held", "2025-04-16", id="00000000-0000-4000-8000-000000000003", track="t", round=1),
        ]
        assert cli.append_lines(events).exit_code == 0
        fixes = [
            ev("ledger.corrected", "2025-05-01", target="00000000-0000-4000-8000-000000000001",
               fields={"rate": 24}, reason="the order says 24"),
            ev("ledger.retracted", "2025-05-01", target="00000000-0000-4000-8000-000000000003",
               reason="the round was postponed"),
        ]
        assert cli.append_lines(fixes).exit_code == 0
        return cli

    def test_a_corrected_event_reads_as_corrected_and_lists_its_correction(self, corrected: Cli) -> None:
        (item,) = [i for i in timeline(corrected) if i["subject"] == "measure:m"]
        assert item["status"] == "corrected"
        assert item["description"].startswith("m announced by US: 24% (IEEPA reciprocal)")
        assert [(c["type"], c["reason"]) for c in item["corrections"]] == [("ledger.corrected", "the order says 24")]

    def test_a_retracted_event_is_still_listed_and_marked(self, corrected: Cli) -> None:
        items = timeline(corrected)
        assert [i["status"] for i in items if i["type"] == "talks.round_held"] == ["retracted"]
        assert not any(i["type"].startswith("ledger.") for i in items)

    def test_the_table_marks_corrected_and_retracted_events(self, corrected: Cli) -> None:
        out = corrected("timeline").stdout
        assert "[corrected] m announced by US: 24%" in out
        assert "[retracted] Round 1 held" in out
        assert "retracted at position 5: the round was postponed" in out


class TestCorrectionsThatMoveThings:
    """A correction can move an event to another date or change whom a measure names: the timeline reads the
    event as corrected, in its new place, and the filters see what it says now."""

    @pytest.fixture
    def moved(self, cli: Cli) -> Cli:
        events = [
            ev("measure.announced", "2025-04-02", id="00000000-0000-4000-8000-00000000000a", measure="m",
               imposer="US", partners=["JP"], products=["*"], rate=25, basis="IEEPA reciprocal"),
            ev("measure.announced", "2025-04-03", measure="n", imposer="US", partners=["KR"], products=["*"],
               rate=25, basis="IEEPA reciprocal"),
            ev("measure.revoked", "2025-04-05", id="00000000-0000-4000-8000-00000000000b", measure="n"),
            ev("measure.revoked", "2025-06-01", measure="m"),
        ]
        assert cli.append_lines(events).exit_code == 0
        fixes = [  # m announced on 5 May naming CN, then on 6 May; n revoked in July, until that is retracted
            ev("ledger.corrected", "2025-07-01", target="00000000-0000-4000-8000-00000000000a",
               fields={"date": "2025-05-05", "partners": ["CN"]}, reason="the notice was dated 5 May"),
            ev("ledger.corrected", "2025-07-01", id="00000000-0000-4000-8000-00000000000c",
               target="00000000-0000-4000-8000-00000000000b", fields={"date": "2025-07-01"}, reason="in July"),
            ev("ledger.corrected", "2025-07-02", target="00000000-0000-4000-8000-00000000000a",
               fields={"date": "2025-05-06"}, reason="the notice was dated 6 May"),
            ev("ledger.retracted", "2025-07-03", target="00000000-0000-4000-8000-00000000000c",
               reason="it was April after all"),
        ]
        assert cli.append_lines(fixes).exit_code == 0
        return cli

    def test_a_moved_event_comes_at_its_new_date(self, moved: Cli) -> None:
        items = timeline(moved)
        assert [(i["date"], i["position"], i["type"], i["status"]) for i in items] == [
            ("2025-04-03", 2, "measure.announced", "recorded"), ("2025-04-05", 3, "measure.revoked", "recorded"),
            ("2025-05-06", 1, "measure.announced", "corrected"), ("2025-06-01", 4, "measure.revoked", "recorded")]
        assert "from CN" in items[2]["description"]
        assert [(c["position"], c["of"]) for c in items[2]["corrections"]] == [(5, None), (7, None)]
        assert [(c["position"], c["of"]) for c in items[1]["corrections"]] == [
            (6, None), (8, "00000000-0000-4000-8000-00000000000c")]

    def test_dates_and_partners_are_filtered_as_they_read_now(self, moved: Cli) -> None:
        assert [i["position"] for i in timeline(moved, "--since", "2025-05-01", "--until", "2025-06-30")] == [1, 4]
        assert [i["position"] for i in timeline(moved, "--until", "2025-04-30")] == [2, 3]
        assert [i["position"] for i in timeline(moved, "--partner", "CN")] == [1, 4]
        assert timeline(moved, "--partner", "JP") == []
        assert [i["position"] for i in timeline(moved, "--measure", "n")] == [2, 3]
        assert [i["position"] for i in timeline(moved, "--measure", "m", "--since", "2025-05-06")] == [1, 4]


def test_an_announcement_without_a_date_says_so() -> None:
    line, detail = describe({"type": "measure.announced", "date": "2025-09-04", "measure": "x", "imposer": "US",
                             "partners": ["JP"], "products": ["8703", "8708", "870421", "870431", "870441"],
                             "rate": 15, "basis": "Section 232", "inclusive_of": ["MFN"], "title": "Japan autos"})
    assert line == ("x announced by US: 15% (Section 232) on HS 8703, 8708, 870421, 870431 (+1 more) from JP, "
                    "inclusive of MFN; effective date not yet set")
    assert detail == "Japan autos"


def test_a_suspension_without_until_lasts_until_further_notice() -> None:
    line, _ = describe({"type": "measure.suspended", "date": "2025-04-09", "measure": "x"})
    assert line == "x suspended from 2025-04-09 until further notice"
