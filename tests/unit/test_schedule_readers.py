"""Reading tariff schedules: the USITC JSON and CSV exports and a plain CSV (docs/spec.md §5.2).

The excerpts under tests/data are real rows of HTS exports; tests/data/README.md says
exactly where they come from. Rows written inline below are either copied from those
exports (said so) or built by hand to exercise one rule (said so too).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from benchmarks.schedules import generate_hts_rows, to_csv
from events.errors import BadInput
from ledger.schedules import (
    ScheduleImport,
    ScheduleLine,
    guess_format,
    parse_schedule,
    read_hts_csv,
    read_hts_json,
    read_plain_csv,
    read_schedule,
)
from ledger.schedules.hts import NO_PARENT_DUTY
from ledger.schedules.lines import MAX_ERRORS

DATA = Path(__file__).resolve().parent.parent / "data"
JSON_EXCERPT = DATA / "hts-json-excerpt.json"
CSV_EXCERPT = DATA / "hts-csv-excerpt.csv"
D = Decimal


@pytest.fixture(scope="module")
def excerpt() -> ScheduleImport:
    return read_schedule(JSON_EXCERPT)


def by_product(result: ScheduleImport) -> dict[str, ScheduleLine]:
    return {line.product: line for line in result.lines}


def longest_prefix(result: ScheduleImport, product: str) -> ScheduleLine | None:
    """The line the stacking rule would take for a product (docs/spec.md §4.4)."""
    matches = [line for line in result.lines if product.startswith(line.product)]
    return max(matches, key=lambda line: len(line.product), default=None)


def bad(call: object) -> list[str]:
    with pytest.raises(BadInput) as info:
        call()  # type: ignore[operator]
    assert info.value.nothing_written
    return [str(error) for error in info.value.errors]


# --- the real JSON excerpt -------------------------------------------------------------


def test_excerpt_counts(excerpt: ScheduleImport) -> None:
    report = excerpt.report
    assert report.rows == 400
    assert (report.lines, report.free, report.ad_valorem, report.specific, report.compound) == (132, 32, 87, 13, 0)
    assert report.specific_or_compound == 13
    assert report.inherited == 167, "10-digit lines with an empty general column"
    assert report.without_duty == 38, "headings and subheadings such as 8703 print no duty"
    assert report.skipped_total == 0
    assert len(excerpt.lines) == report.lines == len({line.product for line in excerpt.lines})


def test_excerpt_covers_the_chapters_the_issue_names(excerpt: ScheduleImport) -> None:
    chapters = {line.product[:2] for line in excerpt.lines}
    assert chapters == {"08", "72", "73", "74", "76", "87"}


def test_known_lines(excerpt: ScheduleImport) -> None:
    lines = by_product(excerpt)
    cars = lines["87032301"]
    assert (cars.rate, cars.text, cars.specific) == (D("2.5"), "2.5%", False)
    assert ("AU", "Free") in [(p.program, p.text) for p in cars.preferential]
    trucks = lines["8704210100"]
    assert (trucks.rate, trucks.text) == (D(25), "25%"), "the 25% light-truck duty, on a 10-digit line"
    assert [(p.program, p.text) for p in trucks.preferential if p.program == "KR"] == [("KR", "25%")]
    brakes = lines["87083050"]
    assert (brakes.rate, brakes.text) == (D("2.5"), "2.5%"), "printed '2.5% ' with a trailing space"
    assert lines["87085051"].rate == D("2.5")
    assert lines["7601103000"].rate == D("2.6")
    assert lines["76011060"].rate == D(0) and lines["76011060"].text == "Free"
    assert "7601" not in lines, "a heading without a duty is not a line"
    cathodes = lines["7403110000"]
    assert (cathodes.rate, cathodes.text) == (D(1), "1%")
    cherries = lines["0812100000"]
    assert (cherries.rate, cherries.text, cherries.specific) == (None, "13.4¢/kg", True)
    assert lines["7202600000"].text == "Free", "ferronickel"


def test_statistical_lines_take_their_parent_line(excerpt: ScheduleImport) -> None:
    assert "8703230120" not in by_product(excerpt)
    covering = longest_prefix(excerpt, "8703230120")
    assert covering is not None and covering.product == "87032301"
    expanded = read_schedule(JSON_EXCERPT, statistical_lines=True)
    wagons = by_product(expanded)["8703230120"]
    assert (wagons.rate, wagons.text) == (D("2.5"), "2.5%")
    assert wagons.preferential == by_product(excerpt)["87032301"].preferential
    assert expanded.report.lines == 132 + 167


def test_event_lines(excerpt: ScheduleImport) -> None:
    line = by_product(excerpt)["7403110000"].as_event_line()
    assert {k: line[k] for k in ("product", "rate", "text", "specific")} == {
        "product": "7403110000", "rate": D(1), "text": "1%", "specific": False}
    assert line["preferential"][0] == {"program": "A*", "text": "Free"}
    free = by_product(excerpt)["76011060"].as_event_line()
    assert "preferential" not in free
    assert excerpt.event_lines()[0]["product"] == excerpt.lines[0].product


# --- the real CSV excerpt --------------------------------------------------------------


def test_csv_excerpt_counts() -> None:
    result = read_schedule(CSV_EXCERPT)
    report = result.report
    assert report.rows == 179
    assert (report.lines, report.free, report.ad_valorem, report.specific_or_compound) == (40, 10, 24, 6)
    assert (report.inherited, report.without_duty) == (92, 11)
    assert dict(report.skipped) == {"the rate of each article of the set, printed on their own lines": 1}
    assert report.examples[next(iter(report.skipped))] == ["9608.50.00.00"]
    pens = by_product(result)["9608100000"]
    assert (pens.rate, pens.text, pens.specific) == (D("5.4"), "0.8¢ each + 5.4%", True)
    pencils = by_product(result)["9608404000"]
    assert [(p.program, p.text) for p in pencils.preferential][-1] == ("JP", "3.3%")


def test_the_two_exports_agree_where_they_overlap(excerpt: ScheduleImport) -> None:
    """Two independent copies (a JSON and a CSV export) read alike for motor vehicles."""
    from_csv = by_product(read_schedule(CSV_EXCERPT))
    from_json = by_product(excerpt)
    shared = from_csv.keys() & from_json.keys()
    assert len(shared) == 22
    assert all(from_csv[p] == from_json[p] for p in shared), sorted(p for p in shared if from_csv[p] != from_json[p])


# --- chapters 98 and 99, and inheritance edge cases -------------------------------------

# Copied from the JSON export (tariffboard/htsdata, see tests/data/README.md), fields trimmed.
CHAPTER_99 = [
    {"htsno": "9902.17.82", "indent": "0", "general": "Free", "special": "No change"},
    {"htsno": "9903.01.01", "indent": "0", "general": "The duty provided in the applicable subheading + 25%",
     "special": "The duty provided in the applicable subheading + 25%"},
    {"htsno": "9903.01.31", "indent": "0", "general": "The duty provided in the applicable subheading",
     "special": "The duty provided in the applicable subheading"},
]


def test_chapter_99_is_not_part_of_the_base_schedule() -> None:
    result = read_hts_json(orjson.dumps(CHAPTER_99))
    assert result.lines == []
    reason = "chapter 99: temporary legislation and additional duties, not part of the base schedule"
    assert dict(result.report.skipped) == {reason: 3}
    assert result.report.examples[reason] == ["9902.17.82", "9903.01.01", "9903.01.31"]


def test_chapter_99_on_request_still_refuses_added_duties() -> None:
    result = parse_schedule(orjson.dumps(CHAPTER_99), "hts-json")
    assert result.lines == []
    included = read_hts_json(orjson.dumps(CHAPTER_99), include_chapters_98_99=True)
    assert [line.product for line in included.lines] == ["99021782"]
    assert included.report.skipped["chapter 99: a duty added to another line's duty, not a base duty"] == 2


def test_a_statistical_line_under_a_line_without_a_readable_duty_is_reported() -> None:
    # Built by hand: an 8-digit line whose duty is a reference, with a statistical line under it.
    rows = [{"htsno": "0101.21.00", "indent": "2", "general": "See 9822.04.01"},
            {"htsno": "0101.21.00.10", "indent": "3", "general": ""},
            {"htsno": "0102.29", "indent": "2", "general": ""},
            {"htsno": "0102.29.20.11", "indent": "4", "general": ""}]
    report = read_hts_json(orjson.dumps(rows)).report
    assert report.skipped[NO_PARENT_DUTY] == 2
    assert report.skipped["a reference to 9822.04.01, not a duty"] == 1
    assert report.without_duty == 1


def test_parents_are_found_by_indent_not_by_order() -> None:
    # Built by hand from the shape of 8703.23.01: text rows sit between a line and its statistical lines.
    rows = [{"htsno": "8703.23.01", "indent": "2", "general": "2.5%"},
            {"htsno": "", "indent": "3", "general": "", "superior": "true"},
            {"htsno": "8703.23.01.20", "indent": "7", "general": ""},
            {"htsno": "8703.24.01", "indent": "2", "general": "10%"},
            {"htsno": "8703.24.01.10", "indent": "3", "general": ""}]
    result = read_hts_json(orjson.dumps(rows), statistical_lines=True)
    assert [(line.product, line.rate) for line in result.lines] == [
        ("87032301", D("2.5")), ("8703230120", D("2.5")), ("87032401", D(10)), ("8703240110", D(10))]


# --- malformed files name the row --------------------------------------------------------


def test_malformed_json_files() -> None:
    assert bad(lambda: read_hts_json(b'[{"htsno": "0101",'))[0].startswith("not a JSON file")
    assert "expected a list of rows" in bad(lambda: read_hts_json(b'{"htsno": "0101"}'))[0]


def test_malformed_json_rows_are_all_named() -> None:
    rows = [{"htsno": "0101", "indent": "0", "general": ""},
            7,
            {"htsno": "0101.21.00"},
            {"htsno": "0101.29.00", "indent": "two", "general": "Free"},
            {"htsno": "8703.23.01", "indent": "2", "general": 2.5},
            {"htsno": "87.03", "indent": "1", "general": ""}]
    assert bad(lambda: read_hts_json(orjson.dumps(rows))) == [
        "row 2: expected an object with htsno, indent, general ..., got 7",
        "row 3: missing indent",
        "row 4 (0101.29.00) indent: expected a whole number, got 'two'",
        "row 5 (8703.23.01) general: expected text, got 2.5",
        "row 6 htsno: '87.03' is not an HTS number like 8703.23.01",
    ]


def test_the_same_product_twice_is_bad_input() -> None:
    rows = [{"htsno": "8703.23.01", "indent": "2", "general": "2.5%"},
            {"htsno": "87032301", "indent": "2", "general": "2.5%"}]
    assert bad(lambda: read_hts_json(orjson.dumps(rows))) == [
        "row 2 (87032301): product 87032301 appears twice (first at row 1 (8703.23.01))"]


def test_errors_stop_at_a_limit() -> None:
    rows = [{"htsno": "0101", "indent": "x"}] * (MAX_ERRORS + 20)
    assert len(bad(lambda: read_hts_json(orjson.dumps(rows)))) == MAX_ERRORS


def test_malformed_csv_exports() -> None:
    assert bad(lambda: read_hts_csv("hs6,rate\n870323,10%\n"))[0].startswith(
        "line 1: not an HTS CSV export: no column HTS Number, Indent, General Rate of Duty")
    header = CSV_EXCERPT.read_text(encoding="utf-8").splitlines()[0]
    text = f'{header}\n"8703","0","Motor cars","","","","","",""\n"8703.10.10.00","x"\n'
    assert bad(lambda: read_hts_csv(text)) == ["line 3: expected 9 columns, found 2"]
    text = f'{header}\n"8703.10.10.00","two","Snow","[""No.""]","2.5%","","10%","",""\n'
    assert bad(lambda: read_hts_csv(text)) == ["line 2: Indent: expected a whole number, got 'two'"]


def test_csv_converted_from_the_json_is_read_too() -> None:
    text = 'htsno,indent,description,general,special\n"7403.11.00.00","2","Cathodes","1%","Free (AU)"\n'
    (line,) = read_hts_csv(text).lines
    assert (line.product, line.rate, line.preferential[0].program) == ("7403110000", D(1), "AU")


# --- plain CSV ----------------------------------------------------------------------------


def test_plain_csv() -> None:
    text = "nomenclature;hs6;mfn_rate;pref\nH5;8703.23;2.5;Free (AU)\nH5;870421;25%;\nH5;740311;;\n"
    result = read_plain_csv(text, "hs6", "MFN_RATE", special_column="pref")
    assert [(line.product, line.rate, line.text) for line in result.lines] == [
        ("870323", D("2.5"), "2.5"), ("870421", D(25), "25%")]
    assert result.lines[0].preferential[0].program == "AU"
    assert result.report.skipped["no duty printed on the line"] == 1


def test_plain_csv_errors() -> None:
    assert bad(lambda: read_plain_csv("hs6,rate\n870323,1%\n", "hs", "rate")) == [
        "line 1: no product column 'hs' (the columns are: 'hs6', 'rate')"]
    text = "hs6,rate\n87032,1%\n870323,1%\n870323,2%\nabc,3%\n"
    assert bad(lambda: read_plain_csv(text, "hs6", "rate")) == [
        "line 2: hs6: '87032' is not an HS code of 2, 4, 6, 8 or 10 digits (a leading zero lost?)",
        "line 4: hs6: product 870323 appears twice (first on line 3)",
        "line 5: hs6: 'abc' is not an HS code of 2, 4, 6, 8 or 10 digits",
    ]
    assert bad(lambda: read_plain_csv("hs6,desc\n870323,Cars\n", "hs6", "desc")) == [
        "desc: no duty could be read from this column (1 rows)"]
    assert bad(lambda: parse_schedule(b"hs6,rate\n870323,1%\n")) == [
        "a plain CSV needs --product-column and --rate-column"]


# --- formats, files, progress ---------------------------------------------------------------


def test_formats_are_guessed_from_the_content() -> None:
    assert guess_format(JSON_EXCERPT.read_bytes()) == "hts-json"
    assert guess_format(CSV_EXCERPT.read_bytes()) == "hts-csv"
    assert guess_format("\ufeffhs6,rate\n".encode()) == "csv"


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    assert bad(lambda: read_schedule(tmp_path / "missing.json"))[0].startswith("cannot read")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("hs6,rate\n870323,4.4¢/kg\n".encode("latin-1"))
    assert bad(lambda: read_schedule(latin1, "csv", "hs6", "rate"))[0].startswith("not UTF-8 text")
    assert bad(lambda: parse_schedule(b"[]", "xlsx"))[0].startswith("format: unknown format 'xlsx'")  # type: ignore[arg-type]


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(CSV_EXCERPT.read_bytes())

    monkeypatch.setattr("sys.stdin", Stdin)
    assert read_schedule("-").report.lines == 40


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    read_schedule(JSON_EXCERPT, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (400, 400)


# --- a real-size schedule --------------------------------------------------------------------


def test_a_schedule_of_30000_rows() -> None:
    rows = generate_hts_rows(30_000)
    result = read_hts_json(orjson.dumps(rows))
    coded = [r for r in rows if r["htsno"]]
    with_duty = [r for r in coded if r["general"]]
    assert result.report.rows == 30_000
    assert result.report.lines == len(with_duty)
    assert result.report.inherited == sum(1 for r in coded if len(r["htsno"]) == 13)
    assert read_hts_csv(to_csv(rows)).lines == result.lines
