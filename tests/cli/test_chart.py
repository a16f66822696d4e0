"""``ledger chart``: the stacked rate over time drawn to PNG, SVG or HTML, and its input errors.

The CLI tests run on the sample ledger (both backends); the pure pieces below
them (steps, layers, milestones, label spreading) need no database.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.charting import spread
from projections.rates import Component, RateAnswer
from projections.series import change_days, layers, rate_steps
from tests.conftest import BACKENDS, SAMPLE, Cli, backend_url
from tests.scenario import ev

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
D = dt.date.fromisoformat


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The CLI on the sample ledger, loaded once per backend: charting only reads it."""
    urls = backend_url(request.param, tmp_path_factory.mktemp("sample"))
    cli = Cli(next(urls))
    assert cli("init").exit_code == 0
    assert cli("append", "--file", str(SAMPLE)).exit_code == 0
    yield cli
    next(urls, None)  # lets the PostgreSQL generator drop its schema


def chart(cli: Cli, out: Path, *extra: str, product: str = "87032301") -> Any:
    # 87032301: the sample schedule's line for these cars; --imposer US consults the schedule before
    # any measure names the pair (26 March)
    return cli("chart", "JP", product, "--from", "2025-01-01", "--to", "2025-12-31", "--imposer", "US", "--output",
               str(out), *extra)


class TestFiles:
    def test_a_png_is_written_with_the_png_signature(self, sample: Cli, tmp_path: Path) -> None:
        out = tmp_path / "jp-cars.png"
        run = chart(sample, out)
        assert run.exit_code == 0, run.stderr
        data = out.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000
        assert f"wrote {out}" in run.stderr

    def test_an_svg_is_well_formed_and_carries_the_title(self, sample: Cli, tmp_path: Path) -> None:
        out = tmp_path / "jp-cars.svg"
        assert chart(sample, out).exit_code == 0
        root = ET.fromstring(out.read_bytes())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "United States (US) tariff on HS 87032301 from Japan (JP)" in texts
        assert "% ad valorem" in texts

    def test_html_is_a_self_contained_page_with_the_svg_and_the_numbers(self, sample: Cli, tmp_path: Path) -> None:
        out = tmp_path / "jp-cars.html"
        assert chart(sample, out).exit_code == 0
        page = out.read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and "<svg" in page and page.rstrip().endswith("</html>")
        assert "src=" not in page and "<link" not in page  # nothing fetched from elsewhere
        assert "27.5%" in page and "us-232-autos (Section 232) +25" in page
        assert "Agreement reached: US–Japan tariff agreement (15% deal)" in page

    def test_the_extension_may_be_upper_case(self, sample: Cli, tmp_path: Path) -> None:
        out = tmp_path / "CARS.PNG"
        assert chart(sample, out).exit_code == 0
        assert out.read_bytes().startswith(PNG_MAGIC)


class TestNumbers:
    def test_json_lists_the_steps_the_picture_draws(self, sample: Cli, tmp_path: Path) -> None:
        data = chart(sample, tmp_path / "c.png", "--format", "json").json()
        assert [(s["from"], s["to"], s["rate"]) for s in data["steps"]] == [
            ("2025-01-01", "2025-04-02", 2.5), ("2025-04-03", "2025-09-15", 27.5), ("2025-09-16", "2025-12-31", 15)]
        last = {c["measure"]: c for c in data["steps"][-1]["components"]}
        assert last["us-jp-autos-15"]["rate"] == 12.5 and last["us-jp-autos-15"]["reduced_by"] == ["us-hts-2025"]
        assert data["imposer"] == "US"

    def test_the_milestones_are_the_rounds_agreements_and_summits_of_the_talks(self, sample: Cli,
                                                                                tmp_path: Path) -> None:
        marks = chart(sample, tmp_path / "c.png", "--format", "json").json()["milestones"]
        rounds = [m["label"] for m in marks if m["kind"] == "round"]
        assert rounds == [f"Round {n}" for n in range(1, 10)]
        assert [(m["date"], m["kind"]) for m in marks if m["kind"] in ("agreement", "summit")] == [
            ("2025-06-16", "summit"), ("2025-07-22", "agreement"), ("2025-09-04", "agreement"),
            ("2025-10-28", "summit")]
        assert [m["date"] for m in marks] == sorted(m["date"] for m in marks)

    def test_only_milestones_inside_the_range_are_marked(self, sample: Cli, tmp_path: Path) -> None:
        run = sample("chart", "JP", "9503", "--from", "2025-06-01", "--to", "2025-06-30", "--output",
                     str(tmp_path / "june.svg"), "--format", "json")
        marks = run.json()["milestones"]
        assert [m["label"] for m in marks] == ["Round 5", "Round 6", "G7 Leaders' Summit", "Round 7"]
        assert [(s["from"], s["rate"]) for s in run.json()["steps"]] == [("2025-06-01", 10)]

    def test_general_goods_show_the_one_day_at_24_percent(self, sample: Cli, tmp_path: Path) -> None:
        steps = chart(sample, tmp_path / "toys.png", "--format", "json", product="9503").json()["steps"]
        assert [(s["from"], s["to"], s["rate"]) for s in steps] == [
            ("2025-01-01", "2025-04-04", 0), ("2025-04-05", "2025-04-08", 10), ("2025-04-09", "2025-04-09", 24),
            ("2025-04-10", "2025-08-06", 10), ("2025-08-07", "2025-12-31", 15)]

    def test_the_table_names_the_components_of_each_step(self, sample: Cli, tmp_path: Path) -> None:
        run = chart(sample, tmp_path / "c.png")
        assert "us-232-autos +25; us-hts-2025 +2.5" in run.stdout

    @pytest.mark.parametrize("product", ["87032301", "9503", "7208"])
    def test_the_replay_path_draws_the_same_series_as_the_read_models(self, sample: Cli, tmp_path: Path,
                                                                      product: str) -> None:
        now = chart(sample, tmp_path / "now.svg", "--format", "json", product=product).json()
        replay = chart(sample, tmp_path / "replay.svg", "--format", "json", "--known-at", "2999-01-01",
                       product=product).json()
        assert (replay["steps"], replay["milestones"]) == (now["steps"], now["milestones"])

    def test_known_at_draws_what_the_ledger_said_then(self, cli: Cli, tmp_path: Path) -> None:
        cut = _record(cli, ev("measure.announced", "2025-04-02", measure="base", imposer="US", partners=["*"],
                              products=["*"], rate=10, basis="IEEPA reciprocal", effective_on="2025-04-05"))
        _record(cli, ev("measure.amended", "2025-05-01", measure="base", effective_on="2025-05-01", rate=20))
        now = cli("chart", "JP", "9503", "--from", "2025-04-01", "--to", "2025-06-30", "--output",
                  str(tmp_path / "now.png"), "--format", "json").json()
        then = cli("chart", "JP", "9503", "--from", "2025-04-01", "--to", "2025-06-30", "--output",
                   str(tmp_path / "then.png"), "--format", "json", "--known-at", cut).json()
        assert [s["rate"] for s in now["steps"]] == [0, 10, 20]
        assert [s["rate"] for s in then["steps"]] == [0, 10]
        assert then["known_at"] is not None


def _record(cli: Cli, event: dict[str, Any]) -> str:
    assert cli.append_lines([event]).exit_code == 0
    return str(cli("history", "--format", "json").json()[-1]["recorded_at"])


class TestBadInput:
    @pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.png.txt"])
    def test_an_unknown_extension_is_refused_naming_output(self, sample: Cli, tmp_path: Path, name: str) -> None:
        run = chart(sample, tmp_path / name)
        assert run.exit_code == 2
        assert run.stderr.startswith("error: output: ")
        assert not (tmp_path / name).exists()

    def test_from_after_to_is_refused(self, sample: Cli, tmp_path: Path) -> None:
        run = sample("chart", "JP", "870323", "--from", "2025-12-31", "--to", "2025-01-01", "--output",
                     str(tmp_path / "c.png"))
        assert run.exit_code == 2 and run.stderr.startswith("error: from: ")
        assert not (tmp_path / "c.png").exists()

    @pytest.mark.parametrize(("option", "field"), [("--from", "from"), ("--to", "to")])
    def test_a_bad_date_is_refused_naming_its_option(self, sample: Cli, tmp_path: Path, option: str,
                                                     field: str) -> None:
        dates = {"--from": "2025-01-01", "--to": "2025-12-31", option: "2025-02-30"}
        run = sample("chart", "JP", "870323", *[x for kv in dates.items() for x in kv], "--output",
                     str(tmp_path / "c.png"))
        assert run.exit_code == 2 and run.stderr.startswith(f"error: {field}: ")

    def test_a_missing_directory_is_refused(self, sample: Cli, tmp_path: Path) -> None:
        run = chart(sample, tmp_path / "nowhere" / "c.png")
        assert run.exit_code == 2 and run.stderr.startswith("error: output: ")

    @pytest.mark.parametrize(("args", "field"), [(("XX", "870323"), "partner"), (("JP", "87a"), "product")])
    def test_bad_codes_are_refused(self, sample: Cli, tmp_path: Path, args: tuple[str, str], field: str) -> None:
        run = sample("chart", *args, "--from", "2025-01-01", "--to", "2025-02-01", "--output", str(tmp_path / "c.png"))
        assert run.exit_code == 2 and run.stderr.startswith(f"error: {field}: ")

    def test_the_help_has_an_example(self, cli: Cli) -> None:
        run = cli("chart", "--help")
        assert run.exit_code == 0 and "Example: ledger chart JP 870323" in run.stdout


# -- pure pieces ----------------------------------------------------------------------------


def answer(**parts: float) -> RateAnswer:
    comps = [Component(m, "MFN" if m == "mfn" else "Section 232", Decimal(str(v)), Decimal(str(v)))
             for m, v in parts.items()]
    return RateAnswer(sum((c.rate for c in comps), Decimal(0)), comps)


def test_change_days_keep_the_start_and_the_changes_inside_the_range() -> None:
    days = [D("2024-12-01"), D("2025-03-01"), D("2025-03-01"), D("2025-01-01"), D("2026-01-01")]
    assert change_days(days, D("2025-01-01"), D("2025-12-31")) == [D("2025-01-01"), D("2025-03-01")]


def test_steps_merge_neighbours_with_the_same_components_and_end_the_day_after_the_range() -> None:
    answers = [(D("2025-01-01"), None, answer()), (D("2025-02-01"), "US", answer()),
               (D("2025-03-01"), "US", answer(mfn=2.5)), (D("2025-04-01"), "US", answer(mfn=2.5, autos=25))]
    steps = rate_steps(answers, D("2025-12-31"))
    assert [(s.start, s.end, s.rate) for s in steps] == [
        (D("2025-01-01"), D("2025-03-01"), 0), (D("2025-03-01"), D("2025-04-01"), Decimal("2.5")),
        (D("2025-04-01"), D("2026-01-01"), Decimal("27.5"))]
    assert steps[0].imposer == "US"


def test_layers_put_mfn_at_the_bottom_and_fill_absent_steps_with_zero() -> None:
    answers = [(D("2025-01-01"), "US", answer(autos=25)), (D("2025-02-01"), "US", answer(autos=25, mfn=2.5))]
    bands = layers(rate_steps(answers, D("2025-12-31")))
    assert [(b.measure, b.values) for b in bands] == [("mfn", (0, Decimal("2.5"))), ("autos", (25, 25))]
    assert bands[0].label == "mfn (MFN)"


@given(st.lists(st.floats(0, 365), max_size=25), st.floats(0.5, 12))
def test_spread_labels_never_overlap_and_keep_their_order(targets: list[float], width: float) -> None:
    targets = sorted(targets)
    placed = spread(targets, [width] * len(targets), 0, 365)
    assert len(placed) == len(targets)
    assert all(b - a >= width - 1e-6 for a, b in zip(placed, placed[1:], strict=False))
    if len(targets) * width <= 365:
        assert all(p - width / 2 >= -1e-6 and p + width / 2 <= 365 + 1e-6 for p in placed)


def test_spread_leaves_labels_that_fit_where_they_are() -> None:
    assert spread([10.0, 50.0, 90.0], [4.0, 4.0, 4.0], 0, 100) == [10.0, 50.0, 90.0]

