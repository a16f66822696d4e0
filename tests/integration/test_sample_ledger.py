"""The sourced sample ledger (examples/us-japan-2025.jsonl): it loads, and it tells the 2025 story right.

Headline facts, on SQLite and PostgreSQL (the ledger is loaded once per backend
for the read-only checks):

- Japanese cars (HTS 8703.23.01) pay 27.5% (2.5 MFN from the schedule us-hts-2025 + 25 Section
  232) until the agreement's 15% all-in rate takes effect on 2025-09-16;
- general goods (HS 9503) pay 24% on the one day before the pause, 10% during
  it, and 15% from 2025-08-07;
- flat steel (HS 7208) pays the Section 232 25% from 2018-03-23, then 50% from 2025-06-04 (its
  HTS lines are all Free, so the schedule adds 0);
  unwrought aluminium (HS 7601) 10% from 2018-03-23, 25% from 2025-03-12, 50% from 2025-06-04;
- ferroalloys (7202) are outside steel and copper cathodes (740311) outside the copper tariff;
- auto parts, light trucks, aluminium, ferroalloys and rice as in issue 11's table (TestTheRecord);
  Japanese aeroplanes (880240) pay nothing from 2025-09-16; toys, steel, aircraft and cameras count
  their MFN lines (TestTheNewlyCoveredLines);
- six rounds were held before the G7 summit; from 2025-07-22 the talks have
  reached an agreement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from events.parse import parse_event
from ledger.service import Ledger
from tests.conftest import BACKENDS, SAMPLE, backend_url

D = dt.date.fromisoformat


def sample_lines() -> list[tuple[int, Any]]:
    with SAMPLE.open(encoding="utf-8") as f:
        return [(n, json.loads(text)) for n, text in enumerate(f, start=1) if text.strip()]


def load(ledger: Ledger) -> Any:
    return ledger.append(sample_lines(), author="sample-test")


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """The sample loaded once into a fresh ledger per backend; tests here only read it."""
    urls = backend_url(request.param, tmp_path_factory.mktemp("sample"))
    url = next(urls)
    ledger = Ledger(url)
    ledger.init()
    load(ledger)
    try:
        yield ledger
    finally:
        ledger.close()
        next(urls, None)  # lets the PostgreSQL generator drop its schema


def rate(ledger: Ledger, product: str, day: str) -> float:
    return float(ledger.rate("JP", product, D(day), "US").to_json()["rate"])


def talks(ledger: Ledger, day: str) -> dict[str, Any]:
    (track,) = [n for n in ledger.state(D(day)).to_json()["negotiations"] if n["track"] == "us-jp-tariffs"]
    return track


class TestTheFile:
    def test_every_line_is_a_valid_event(self) -> None:
        lines = sample_lines()
        assert len(lines) == 59
        for number, value in lines:
            parse_event(value, number)  # raises BadInput naming the line and field

    def test_every_event_names_its_publisher_title_and_address(self) -> None:
        for number, value in sample_lines():
            source = value["source"]
            assert isinstance(source, dict), f"line {number}"
            assert source.get("publisher") and source.get("title") and source.get("url"), f"line {number}"

    def test_every_event_carries_an_id_so_reimport_is_a_no_op(self) -> None:
        ids = [value.get("id") for _, value in sample_lines()]
        assert all(ids) and len(set(ids)) == len(ids)


class TestCarsFromJapan:
    # The schedule's car line is 8703.23.01 (2.5%): a rate is asked for that tariff line. The
    # 6-digit 870323 has no line of its own and takes the duty its lines share (spec §4.4).
    def test_cars_pay_mfn_plus_section_232_before_the_deal_takes_effect(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "87032301", D("2025-06-01"), "US").to_json()
        assert answer["rate"] == 27.5
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-hts-2025": 2.5, "us-232-autos": 25}
        assert answer["warnings"] == []

    def test_cars_still_pay_27_5_the_day_before_the_commerce_notice(self, sample: Ledger) -> None:
        assert rate(sample, "87032301", "2025-09-15") == 27.5

    def test_cars_pay_15_all_in_once_the_agreement_took_effect(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "87032301", D("2025-09-16"), "US").to_json()
        assert answer["rate"] == 15
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-hts-2025": 2.5,
                                                                           "us-jp-autos-15": 12.5}

    def test_a_six_digit_code_takes_the_duty_its_tariff_lines_share(self, sample: Ledger) -> None:
        # 870323 has no line of its own; every line under it reads 2.5%, so that is its MFN duty.
        for day, expected in (("2025-06-01", 27.5), ("2025-09-20", 15)):
            answer = sample.rate("JP", "870323", D(day), "US").to_json()
            assert (answer["rate"], answer["warnings"]) == (expected, [])
        trucks = sample.rate("JP", "870421", D("2025-06-01"), "US").to_json()
        assert trucks["rate"] == 50 and trucks["warnings"] == []

    def test_a_code_whose_tariff_lines_differ_has_no_line_and_says_so(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "8708", D("2025-06-01"), "US").to_json()
        assert answer["rate"] == 25
        # The excerpt's lines under 8708 read Free (parts of tractors) and 2.5%: the warning names them.
        assert answer["warnings"] == ["the lines of us-hts-2025 under 8708 on 2025-06-01 carry different duties "
                                      "(Free, 2.5%): no MFN duty is counted; ask for a longer code"]


class TestGeneralGoodsFromJapan:
    @pytest.mark.parametrize(("day", "expected"), [
        ("2025-04-04", 0), ("2025-04-05", 10), ("2025-04-09", 24), ("2025-04-10", 10), ("2025-06-01", 10),
        ("2025-07-09", 10), ("2025-08-01", 10), ("2025-08-06", 10), ("2025-08-07", 15), ("2025-12-31", 15)])
    def test_toys_follow_the_baseline_the_pause_and_the_deal(self, sample: Ledger, day: str, expected: float) -> None:
        assert rate(sample, "9503", day) == expected


class TestSteelFromJapan:
    @pytest.mark.parametrize(("day", "expected"), [("2018-03-22", 0), ("2018-03-23", 25), ("2025-03-11", 25),
                                                   ("2025-03-12", 25), ("2025-06-03", 25), ("2025-06-04", 50),
                                                   ("2025-09-16", 50)])
    def test_flat_steel_pays_section_232_since_2018_doubled_from_4_june(self, sample: Ledger, day: str,
                                                                         expected: float) -> None:
        assert rate(sample, "7208", day) == expected

    def test_the_reciprocal_tariff_does_not_stack_on_steel(self, sample: Ledger) -> None:
        # EO 14289: the reciprocal duty does not stack on the Section 232 steel duty; the MFN line
        # does, and every line of heading 7208 is Free (7208.10.15.00 to 7208.90.00.00).
        answer = sample.rate("JP", "7208", D("2025-06-04"), "US").to_json()
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-232-steel": 50, "us-hts-2025": 0}
        assert answer["rate"] == 50 and answer["warnings"] == []
        assert "not_with" in {e["measure"]: e["reason"] for e in answer["excluded"]}["us-reciprocal-baseline"]

    def test_ferroalloys_are_outside_the_steel_measure(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "7202300000", D("2025-04-10"), "US").to_json()  # ferrosilicon manganese
        assert answer["rate"] == 13.9  # the reciprocal baseline and the MFN line 7202.30.00.00 (3.9%)
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-reciprocal-baseline": 10,
                                                                           "us-hts-2025": 3.9}
        assert "us-232-steel" not in {e["measure"] for e in answer["excluded"]}

    def test_the_auto_duties_take_precedence_over_the_metal_duties_from_4_march(self, sample: Ledger) -> None:
        (steel,) = [m for m in sample.state(D("2025-03-04")).to_json()["measures"] if m["measure"] == "us-232-steel"]
        assert steel["not_with"] == ["us-232-autos", "us-232-auto-parts"]


class TestAluminiumFromJapan:
    @pytest.mark.parametrize(("day", "expected"), [("2018-03-22", 0), ("2018-03-23", 10), ("2025-03-01", 10),
                                                   ("2025-03-12", 25), ("2025-06-04", 50)])
    def test_unwrought_aluminium_pays_10_since_2018_then_25_then_50(self, sample: Ledger, day: str,
                                                                     expected: float) -> None:
        assert rate(sample, "76011060", day) == expected  # MFN Free (7601.10.60)

    def test_the_10_percent_of_2018_is_section_232(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "76011060", D("2025-03-01"), "US").to_json()
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-232-aluminium": 10, "us-hts-2025": 0}
        assert answer["warnings"] == []

    def test_aluminium_scrap_is_outside_the_aluminium_measure(self, sample: Ledger) -> None:
        assert rate(sample, "76020000", "2025-03-01") == 0  # MFN Free, no Section 232


class TestCopperFromJapan:
    def test_copper_wire_pays_the_copper_tariff(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "7408113000", D("2025-08-08"), "US").to_json()
        assert answer["rate"] == 51  # 50 copper + the MFN line 7408.11.30.00 (1%)
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-232-copper": 50, "us-hts-2025": 1}

    def test_copper_cathodes_are_outside_the_copper_tariff(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "7403110000", D("2025-08-08"), "US").to_json()
        assert "us-232-copper" not in {c["measure"] for c in answer["components"]}
        # The MFN line 7403.11.00.00 (1%) counts. Issue 11's table says "MFN only"; the sample's
        # reciprocal measure (15% all-in from 2025-08-07) also covers cathodes, and no sourced
        # exception for them from the reciprocal tariff is recorded, so the total is not pinned here.
        assert {c["measure"]: c["rate"] for c in answer["components"]}["us-hts-2025"] == 1
        assert "us-232-copper" not in {e["measure"] for e in answer["excluded"]}


class TestCivilAircraftFromJapan:
    @pytest.mark.parametrize(("day", "expected"), [("2025-08-07", 15), ("2025-09-15", 15), ("2025-09-16", 0)])
    def test_aeroplanes_pay_nothing_from_16_september(self, sample: Ledger, day: str, expected: float) -> None:
        assert rate(sample, "880240", day) == expected

    def test_the_reciprocal_tariff_excepts_them(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "880240", D("2025-09-16"), "US").to_json()
        assert {e["measure"]: e["reason"] for e in answer["excluded"]}["us-reciprocal-jp"] == (
            "product 880240 is excepted (880240)")


class TestTheRecord:
    """Issue 11's table: Japanese goods into the US, with the MFN lines of the schedule us-hts-2025."""

    @pytest.mark.parametrize("line", ["87083050", "87085051", "8708506100"])
    @pytest.mark.parametrize(("day", "expected"), [("2025-03-01", 2.5), ("2025-04-05", 12.5), ("2025-04-09", 26.5),
                                                   ("2025-06-01", 27.5)])
    def test_auto_parts_pay_mfn_plus_the_additional_duties(self, sample: Ledger, line: str, day: str,
                                                           expected: float) -> None:
        # 2.5 MFN; + 10 baseline from 04-05; + 14 Japan's country rate on 04-09 (the day before the
        # pause); from 05-03 the 25% Section 232 on parts replaces the reciprocal duties (not_with).
        answer = sample.rate("JP", line, D(day), "US").to_json()
        assert answer["rate"] == expected
        assert answer["warnings"] == []

    def test_auto_parts_pay_15_all_in_after_the_deal(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "87083050", D("2025-09-20"), "US").to_json()
        assert answer["rate"] == 15
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-hts-2025": 2.5,
                                                                           "us-jp-auto-parts-15": 12.5}

    @pytest.mark.parametrize(("day", "expected"), [("2025-03-01", 25), ("2025-06-01", 50), ("2025-09-20", 25)])
    def test_light_trucks_pay_the_25_percent_chicken_tax(self, sample: Ledger, day: str, expected: float) -> None:
        # MFN 25% (8704.21.01.00); + 25 Section 232 from 04-03. From 09-16 us-232-autos excepts Japan
        # and the sample's us-jp-autos-15 (15% inclusive of MFN; EO 14345, 9903.94.40-41) names the
        # 8704 lines as us-232-autos does. Whether the deal's 15% covers light trucks or only passenger
        # cars (and parts), an all-in 15% adds nothing above a 25% MFN, so the figure is 25 either way.
        assert rate(sample, "8704210100", day) == expected

    def test_the_all_in_15_adds_nothing_to_light_trucks(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "8704210100", D("2025-09-20"), "US").to_json()
        assert {c["measure"]: c["rate"] for c in answer["components"]} == {"us-hts-2025": 25, "us-jp-autos-15": 0}

    @pytest.mark.parametrize(("line", "expected"), [("7601103000", 12.6), ("76011060", 10), ("76012090", 10)])
    def test_aluminium_pays_section_232_plus_the_mfn_line(self, sample: Ledger, line: str, expected: float) -> None:
        assert rate(sample, line, "2025-03-01") == expected  # 10 + 2.6% / Free / Free

    def test_ferroalloys_pay_the_reciprocal_baseline_plus_mfn(self, sample: Ledger) -> None:
        assert rate(sample, "7202300000", "2025-04-10") == 13.9  # 10 + 3.9 (ferrosilicon manganese)
        assert rate(sample, "7202600000", "2025-04-10") == 10  # ferronickel: MFN Free

    def test_rice_gives_a_specific_duty_warning(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "1006100000", D("2025-04-10"), "US").to_json()
        assert answer["rate"] == 10  # the baseline; the 1.8¢/kg MFN is not a percentage
        assert answer["warnings"] == ["the MFN duty of us-hts-2025 line 1006100000 is '1.8¢/kg': none of it is "
                                      "counted in the rate (a specific or compound duty)"]

    def test_a_product_outside_the_excerpt_warns(self, sample: Ledger) -> None:
        answer = sample.rate("JP", "7209", D("2025-06-04"), "US").to_json()  # cold-rolled steel: not excerpted
        assert answer["rate"] == 50
        assert answer["warnings"] == ["no tariff schedule of US has a line for 7209 on 2025-06-04: "
                                      "the rate counts only the measures recorded"]

    def test_the_schedule_is_one_row_of_the_state(self, sample: Ledger) -> None:
        state = sample.state(D("2025-06-01")).to_json()
        assert [s["schedule"] for s in state["schedules"]] == ["us-hts-2025"]


class TestTheNegotiation:
    def test_six_rounds_were_held_before_the_g7_summit(self, sample: Ledger) -> None:
        track = talks(sample, "2025-06-14")
        assert track["rounds_held"] == 6
        assert track["last_round"] == {"round": 6, "date": "2025-06-13", "venue": "Washington"}
        assert [(s["summit"], s["status"]) for s in track["summits"]] == [("g7-2025", "scheduled")]

    def test_the_g7_summit_is_held_on_16_june(self, sample: Ledger) -> None:
        assert [(s["summit"], s["status"]) for s in talks(sample, "2025-06-16")["summits"]] == [("g7-2025", "held")]

    def test_talks_are_in_progress_until_the_agreement_of_22_july(self, sample: Ledger) -> None:
        assert talks(sample, "2025-07-21")["status"] == "in_progress"
        assert talks(sample, "2025-07-22")["status"] == "agreement_reached"
        assert talks(sample, "2025-12-31")["status"] == "agreement_reached"

    def test_japan_s_package_is_among_the_proposals(self, sample: Ledger) -> None:
        proposals = {p["proposal"]: p for p in talks(sample, "2025-06-10")["proposals"]}
        assert proposals["jp-package"]["by"] == "JP"

    def test_the_talks_are_not_open_before_11_april(self, sample: Ledger) -> None:
        assert [n["track"] for n in sample.state(D("2025-04-10")).to_json()["negotiations"]] == []


class TestTheStore:
    def test_every_recorded_event_has_a_source(self, sample: Ledger) -> None:
        rows = sample.history().to_json()
        assert len(rows) == 59
        assert all(r["source"].get("publisher") or r["source"].get("title") for r in rows)

    def test_reimporting_the_sample_adds_nothing(self, store: Ledger) -> None:
        load(store)
        before = store.digest().to_json()
        load(store)
        assert store.digest().to_json() == before
        assert before["events"] == 59



class TestTheNewlyCoveredLines:
    """The excerpt's runs 7202 (to 7202.29), 7208, 8802, 9006 and 9503.00.00: MFN counted from their rows."""

    @pytest.mark.parametrize(("product", "day", "expected", "mfn"), [
        ("72085100", "2025-06-03", 25, 0),     # flat steel, not in coils, > 10 mm: Free + 25 Section 232
        ("7208540000", "2025-06-04", 50, 0),   # Free + 50 Section 232; the reciprocal duty does not stack
        ("95030000", "2025-04-09", 24, 0),     # toys: Free + 10 baseline + 14 Japan, the day before the pause
        ("95030000", "2025-08-07", 15, 0),     # Free; the deal's 15% all-in
        ("88024001", "2025-09-15", 15, 0),     # aeroplanes over 15,000 kg: Free; 15% until the exception
        ("88024001", "2025-09-16", 0, 0),      # Free, and excepted from the reciprocal tariff
        ("9006300000", "2025-06-01", 10, 0),   # special-purpose cameras: Free + 10 baseline
        ("9006591200", "2025-04-09", 30.8, 6.8),  # cameras valued not over $10: 6.8% + 10 + 14
        ("7202115000", "2025-04-10", 11.5, 1.5),  # ferromanganese, > 4% carbon: 1.5% + 10 baseline
        ("72022900", "2025-04-10", 10, 0),     # other ferrosilicon: Free + 10 baseline
    ])
    def test_the_rate_counts_the_mfn_line(self, sample: Ledger, product: str, day: str, expected: float,
                                         mfn: float) -> None:
        answer = sample.rate("JP", product, D(day), "US").to_json()
        assert answer["rate"] == expected
        assert {c["measure"]: c["rate"] for c in answer["components"]}["us-hts-2025"] == mfn
        assert answer["warnings"] == []

    @pytest.mark.parametrize("code", ["7208", "8802", "880240", "9503"])
    def test_a_heading_whose_lines_share_one_duty_takes_it(self, sample: Ledger, code: str) -> None:
        answer = sample.rate("JP", code, D("2025-06-01"), "US").to_json()
        assert {c["measure"]: c["rate"] for c in answer["components"]}["us-hts-2025"] == 0
        assert answer["warnings"] == []

    @pytest.mark.parametrize("code", ["9006", "7202"])
    def test_a_heading_whose_lines_differ_still_warns(self, sample: Ledger, code: str) -> None:
        # 9006: Free, 3.9%, 4%, 5.8%, 6.8%; 7202: Free to 10% — no single duty for the 4-digit code
        answer = sample.rate("JP", code, D("2025-06-01"), "US").to_json()
        assert "us-hts-2025" not in {c["measure"] for c in answer["components"]}
        [warning] = answer["warnings"]
        assert warning.startswith(f"the lines of us-hts-2025 under {code} on 2025-06-01 carry different duties (")
        assert warning.endswith("): no MFN duty is counted; ask for a longer code")
