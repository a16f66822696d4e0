"""Duty texts and the special column, on texts copied from the HTS itself.

Where the texts come from (each case names its HTS line and column):

- ``T``: the USITC HTS JSON export as stored in github.com/tariffboard/htsdata, file
  ``htsdata.json`` at commit 978a6ff997ce4a74c7686dceb4f8fa42a97ea146. The repository
  does not name the revision; its contents date it to December 2025 or later (see
  tests/data/README.md).
- ``C``: the USITC HTS CSV export as stored in github.com/Ly-star-bit/hts-agent, file
  ``htsdata.csv`` at commit a001ffe1ca3aedb6aea75f83d533a0df8e2c46a4 (revision not named
  either).

Both were read on 2026-11-30 through the stored copies of public repositories. The
texts are verbatim, trailing spaces included. A second table holds the texts issue 11
quotes, which the rows read above do not all contain.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from events.duties import LINE_KINDS, normalize, parse_duty
from events.programs import PROGRAMS, parse_special, preferences_among, preferences_for, program

D = Decimal

# (text, kind, rate, specific, source: where the text is printed)
REAL_TEXTS: list[tuple[str, str, Decimal | None, bool, str]] = [
    ("Free", "free", D(0), False, "T 0101.21.00 general"),
    ("6.8%", "ad_valorem", D("6.8"), False, "T 0101.30.00.00 general"),
    ("15%", "ad_valorem", D(15), False, "T 0101.30.00.00 other"),
    ("1¢/kg", "specific", None, True, "T 0102.29.40 general"),
    ("6.6¢/kg", "specific", None, True, "T 0102.29.20 other"),
    ("5.5¢/kg", "specific", None, True, "T 0102.29.40 other"),
    ("2.5%", "ad_valorem", D("2.5"), False, "T 8703.23.01 general"),
    ("2.5% ", "ad_valorem", D("2.5"), False, "T 8708.29.51 general (a trailing space)"),
    ("25%", "ad_valorem", D(25), False, "T 8704.21.01.00 general"),
    ("4%", "ad_valorem", D(4), False, "T 8704.22.11 general"),
    ("1%", "ad_valorem", D(1), False, "T 7403.11.00.00 general"),
    ("10%", "ad_valorem", D(10), False, "T 8703.23.01 other"),
    ("27.5%", "ad_valorem", D("27.5"), False, "T 8701.94.50.00 other"),
    ("2.45%", "ad_valorem", D("2.45"), False, "T 9002.11.40.00 general"),
    ("4.4¢/kg on silicon content", "specific", None, True, "T 7202.29.00 other"),
    ("$2.21/t", "specific", None, True, "T 7203.10.00.00 other"),
    ("74¢/t", "specific", None, True, "T 7204.10.00.00 other"),
    ("14.5¢/m2 + 0.4%", "compound", D("0.4"), True, "T 7005.21.10 general"),
    ("$2.13/m2 + 5%", "compound", D(5), True, "T 7005.21.10 other"),
    ("18.7¢/m2", "specific", None, True, "T 7005.29.08 general"),
    ("$1.35/m2", "specific", None, True, "T 7005.29.04 other"),
    ("29.1¢/m2", "specific", None, True, "T 7005.30.00.00 general"),
    ("$2.48/m2", "specific", None, True, "T 7005.30.00.00 other"),
    ("16¢ each + 45%", "compound", D(45), True, "T 7114.11.10.00 other"),
    ("22¢/kg + 30%", "compound", D(30), True, "T 7323.10.00.00 other"),
    ("13.4¢/kg", "specific", None, True, "T 0812.10.00.00 general"),
    ("0.25¢/kg", "specific", None, True, "T 0812.90.40.00 general"),
    ("0.74¢/kg", "specific", None, True, "T 0813.30.00.00 general"),
    ("The duty provided in the applicable subheading + 25%", "skipped", None, False, "T 9903.01.01 general"),
    ("The duty provided in the applicable subheading", "skipped", None, False, "T 9903.01.31 general"),
    ("No change", "skipped", None, False, "T 9902.17.81 special"),
    ("No change.", "skipped", None, False, "T 9903.01.01 other"),
    ("A duty upon the value of the repairs or alterations (see U.S. note 3 of this subchapter)",
     "skipped", None, False, "T 9802.00.40 general"),
    ("A duty upon the full value of the imported article, less the cost or value of such products of the "
     "United States (see U.S. Note 4 of this subchapter)", "skipped", None, False, "T 9802.00.80 general"),
    ("", "empty", None, False, "T 0101.21.00.10 general (a statistical line)"),
    ("$3/head", "specific", None, True, "C 0104.10.00.00 column 2"),
    ("68¢/head", "specific", None, True, "C 0104.20.00.00 general"),
    ("0.9¢ each", "specific", None, True, "C 0105.11.00 general"),
    ("4¢ each", "specific", None, True, "C 0105.11.00 column 2"),
    ("26.4%", "ad_valorem", D("26.4"), False, "C 0201.10.50 general"),
    ("4.4¢/kg", "specific", None, True, "C 0201.10.05 general"),
    ("0.8¢ each + 5.4%", "compound", D("5.4"), True, "C 9608.10.00.00 general"),
    ("20¢/thousand + 3.5%", "compound", D("3.5"), True, "C 9608.99.30.00 general"),
    ("$2.50/thou- sand + 40%", "compound", D(40), True, "C 9608.99.30.00 column 2 (hyphenated in print)"),
    ("14¢/gross + 4.3%", "compound", D("4.3"), True, "C 9609.10.00.00 general"),
    ("6¢/gross", "specific", None, True, "C 9609.20.40.00 column 2"),
    ("33 1/3%", "ad_valorem", D("33.3333"), False, "C 9610.00.00.00 column 2"),
    ("The rate applicable to each article in the absence of this subheading", "reference", None, False,
     "C 9608.50.00.00 general"),
    ("The rate applicable, to each article in the absence of this subheading", "reference", None, False,
     "C 9608.50.00.00 column 2"),
    ("0.3¢/line/ gross + 4.6%", "compound", D("4.6"), True, "C 9606.21.40.00 general"),
    ("2¢ each + 50%", "compound", D(50), True, "C 9603.21.00.00 column 2"),
    ("0.2¢ each + 7%", "compound", D(7), True, "C 9603.29.40 general"),
    ("5¢ each", "specific", None, True, "C 9603.10.15.00 general"),
    ("See 9822.04.01-9822.04.03", "reference", None, False, "C 0201.10.50 special (the text before (AU))"),
    ("Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)", "free", D(0), False, "C 0101.30.00.00 special"),
]

# Texts as issue 11 quotes them (some also occur above); the expected reading is the issue's.
ISSUE_TEXTS: list[tuple[str, str, Decimal | None, bool]] = [
    ("Free", "free", D(0), False),
    ("2.5%", "ad_valorem", D("2.5"), False),
    ("33 1/3%", "ad_valorem", D("33.3333"), False),
    ("4.4¢/kg", "specific", None, True),
    ("$1.05/kg + 2.3%", "compound", D("2.3"), True),
    ("0.9¢ each + 15.8%", "compound", D("15.8"), True),
    ("6.5% on the entire set", "ad_valorem", D("6.5"), False),
    ("The duty provided in the applicable subheading plus 25%", "skipped", None, False),
    ("See 9903.88.15", "reference", None, False),
    ("1.9¢/kg on drained weight", "specific", None, True),
    ("25¢/liter", "specific", None, True),
    ("2.8¢/kg + 10%", "compound", D(10), True),
]


def test_the_real_table_is_large_enough() -> None:
    assert len(REAL_TEXTS) >= 40
    assert len({text for text, *_ in REAL_TEXTS}) == len(REAL_TEXTS)


@pytest.mark.parametrize(("text", "kind", "rate", "specific", "source"), REAL_TEXTS,
                         ids=[source for *_, source in REAL_TEXTS])
def test_real_duty_texts(text: str, kind: str, rate: Decimal | None, specific: bool, source: str) -> None:
    duty = parse_duty(text)
    assert (duty.kind, duty.rate, duty.specific) == (kind, rate, specific)
    assert duty.text == text, "the original text is kept as printed"
    assert duty.is_line == (kind in LINE_KINDS)
    if not duty.is_line:
        assert duty.reason, "a text that is not a duty says why"


@pytest.mark.parametrize(("text", "kind", "rate", "specific"), ISSUE_TEXTS, ids=[t for t, *_ in ISSUE_TEXTS])
def test_issue_texts(text: str, kind: str, rate: Decimal | None, specific: bool) -> None:
    duty = parse_duty(text)
    assert (duty.kind, duty.rate, duty.specific) == (kind, rate, specific)


def test_reasons_say_what_was_refused() -> None:
    assert parse_duty("See 9903.88.15").reason == "a reference to 9903.88.15, not a duty"
    assert "chapter 99" in (parse_duty("The duty provided in the applicable subheading + 25%").reason or "")
    assert parse_duty("").reason == "no duty printed on the line"
    assert parse_duty("3 pesos").reason == "unrecognised duty text"


def test_a_percentage_of_part_of_the_value_is_flagged() -> None:
    duty = parse_duty("15% on the value of the tires")
    assert (duty.kind, duty.rate, duty.specific) == ("ad_valorem", D(15), True)
    assert "part of the value" in (duty.reason or "")
    # A whole set is the whole value.
    assert parse_duty("6.5% on the entire set").specific is False


def test_compound_with_two_specific_parts_counts_only_the_percentage() -> None:
    duty = parse_duty("13.5¢/kg + 6.3% + 1.9¢/article")
    assert (duty.kind, duty.rate, duty.specific) == ("compound", D("6.3"), True)


def test_white_space_and_markup_do_not_matter() -> None:
    assert parse_duty("2.5% <u></u>").rate == D("2.5")
    assert parse_duty("  Free\xa0").kind == "free"
    assert normalize("14.5¢/m2 +\n 0.4%") == "14.5¢/m2 + 0.4%"


def test_bare_numbers_only_when_asked() -> None:
    assert parse_duty("2.5").kind == "skipped"
    assert parse_duty("2.5", bare_number_is_percent=True).rate == D("2.5")
    assert parse_duty("0", bare_number_is_percent=True).rate == D(0)


def test_a_cell_with_several_program_rates_is_not_one_duty() -> None:
    duty = parse_duty("Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,MA,OM,P,PA,PE,S,SG)25% (KR)")
    assert duty.kind == "skipped"
    assert "parse_special" in (duty.reason or "")


# Special-column cells (source as above).
SPECIAL_TEXTS: list[tuple[str, list[tuple[tuple[str, ...], str]], str]] = [
    ("Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",
     [(("A+", "AU", "BH", "CL", "CO", "D", "E", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG"), "Free")],
     "T 0101.30.00.00"),
    ("Free (A+,AU,BH,CL,CO,D,E, IL,JO,KR,MA,OM,P,PA,PE,S, SG)",
     [(("A+", "AU", "BH", "CL", "CO", "D", "E", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG"), "Free")],
     "T 0813.20.10.00 (spaces inside the list)"),
    ("Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,MA,OM,P,PA,PE,S,SG)25% (KR)",
     [(("A+", "AU", "B", "BH", "CL", "CO", "D", "E", "IL", "JO", "MA", "OM", "P", "PA", "PE", "S", "SG"), "Free"),
      (("KR",), "25%")],
     "T 8704.21.01.00 (no space before 25%)"),
    ("Free (BH,CL,CO,JO,KR,MA,OM,P,PE,S,SG) See 9822.04.01-9822.04.03 (AU) See 9919.02.01-9919.02.02 (PA)",
     [(("BH", "CL", "CO", "JO", "KR", "MA", "OM", "P", "PE", "S", "SG"), "Free"),
      (("AU",), "See 9822.04.01-9822.04.03"), (("PA",), "See 9919.02.01-9919.02.02")],
     "C 0201.10.50"),
    ("Free (A*,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 2.8% (JP)",
     [(("A*", "AU", "BH", "CL", "CO", "D", "E", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG"), "Free"),
      (("JP",), "2.8%")],
     "C 9507.90.40.00"),
    ("Free (AU,BH,CL, CO,IL,JO,KR,MA,OM,P,PA, PE,S,SG) A duty upon the value of the repairs or alterations "
     "(see U.S. note 3 of this subchapter) (B,C)",
     [(("AU", "BH", "CL", "CO", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG"), "Free"),
      (("B", "C"), "A duty upon the value of the repairs or alterations (see U.S. note 3 of this subchapter)")],
     "T 9802.00.50 (parentheses that are prose)"),
    ("22% (S+)", [(("S+",), "22%")], "T 9922.01.02"),
    ("5.2¢/kg (S+)", [(("S+",), "5.2¢/kg")], "T 9922.52.02"),
    ("The duty provided in the applicable subheading + 25%",
     [((), "The duty provided in the applicable subheading + 25%")], "T 9903.01.01"),
    ("", [], "T 0101.21.00 (no special rate)"),
]


@pytest.mark.parametrize(("text", "expected", "source"), SPECIAL_TEXTS, ids=[s for *_, s in SPECIAL_TEXTS])
def test_special_column(text: str, expected: list[tuple[tuple[str, ...], str]], source: str) -> None:
    assert [(rate.programs, rate.text) for rate in parse_special(text)] == expected


def test_special_column_from_the_issue() -> None:
    assert [(r.programs, r.text) for r in parse_special("5% (JO)")] == [(("JO",), "5%")]
    rates = parse_special("Free (A*,CA,MX) 3.4% (AU)")
    assert [(r.programs, r.duty.rate) for r in rates] == [(("A*", "CA", "MX"), D(0)), (("AU",), D("3.4"))]


def test_every_symbol_the_issue_names_is_in_the_table() -> None:
    for symbol in ("A", "A+", "A*", "AU", "B", "BH", "C", "CL", "CO", "D", "E", "IL", "JO", "JP", "K", "KR",
                   "L", "MA", "OM", "P", "PA", "PE", "R", "S", "S+", "SG"):
        assert program(symbol) is not None, symbol
    assert program("S").partners == frozenset({"CA", "MX"})
    assert program("JP").partners == frozenset({"JP"})
    assert program("PA").partners == frozenset({"PA"})
    assert program("A").partners is None, "GSP beneficiaries are not copied into the table"
    assert all(symbol == p.symbol for symbol, p in PROGRAMS.items())


def test_preferences_for_a_partner() -> None:
    # 9002.11.90.00 (T): Japan is listed, Korea too.
    special = "Free (A,AU,BH,CL,CO,D,E,IL,JO,JP,KR,MA,OM,P,PA,PE,S,SG)"
    assert [(p.code, p.text) for p in preferences_for("JP", special)] == [("JP", "Free")]
    assert [p.code for p in preferences_for("ca", special)] == ["S"]
    assert preferences_for("CN", special) == []
    # 8704.21.01.00 (T): Korea's rate is 25%, not free.
    trucks = "Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,MA,OM,P,PA,PE,S,SG)25% (KR)"
    assert [(p.code, p.duty.rate) for p in preferences_for("KR", trucks)] == [("KR", D(25))]
    assert [p.code for p in preferences_for("CA", trucks)] == ["B", "S"]
    # 8544.30.00.00 (T): civil aircraft (C) is open to every origin.
    wiring = "Free (A*,AU,B,BH,C,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"
    assert [p.code for p in preferences_for("JP", wiring)] == ["C"]


def test_unlisted_programs_are_uncertain_and_only_on_request() -> None:
    special = "Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"
    assert preferences_for("KE", special) == []
    found = preferences_for("KE", special, include_unlisted=True)
    assert [(p.code, p.certain) for p in found] == [("A+", False), ("D", False), ("E", False)]
    assert found[0].sentence().endswith("if the partner is one of the program's beneficiaries")


def test_unknown_symbols_are_ignored() -> None:
    assert preferences_for("JP", "Free (ZZ,JP)") == [p for p in preferences_for("JP", "Free (JP)")]
    assert program("ZZ") is None


def test_preferences_among_a_lines_entries() -> None:
    """What the rate answer has: a schedule line's ``preferential`` entries, one or several symbols each."""
    special = "Free (A*,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 2.8% (JP)"  # C 9507.90.40.00
    one_each = [(code, rate.text) for rate in parse_special(special) for code in rate.programs]
    grouped = [(",".join(rate.programs), rate.text) for rate in parse_special(special)]
    for entries in (one_each, grouped):
        assert [(p.code, p.text) for p in preferences_among("JP", entries)] == [("JP", "2.8%")]
        assert [p.code for p in preferences_among("MX", entries)] == ["S"]
    assert preferences_among("JP", []) == []
