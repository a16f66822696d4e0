"""The HTS "special" column: which preferential programs list which rate, and for which partners.

The special column prints rates followed by the symbols of the programs that grant them:

    >>> [(r.programs, r.text) for r in parse_special("Free (A*,AU,BH,CL) 3.4% (JP)")]
    [(('A*', 'AU', 'BH', 'CL'), 'Free'), (('JP',), '3.4%')]

A preferential rate applies only to goods that meet the program's rules of origin, so the
ledger never applies one; it warns that one is listed for the partner:

    >>> trucks = "Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,MA,OM,P,PA,PE,S,SG)25% (KR)"
    >>> [(p.code, p.text) for p in preferences_for("KR", trucks)]
    [('KR', '25%')]
    >>> preferences_for("JP", "Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)")
    []

Source of the symbols: the HTS General Notes, General Note 3(c)(i) ("Products Eligible
for Special Tariff Treatment": the programs and the symbols printed for them), and for
the US–Japan Trade Agreement (JP) General Note 36. Which countries a program covers is
set out in each program's own general note; where that is a long list that changes
(GSP, AGOA, CBERA, CBTPA) this table does not copy it and says so (``partners`` is
``None``); a program not tied to an origin (civil aircraft, pharmaceuticals, dye
intermediates) covers every partner (``"*"``). A modifier after a symbol narrows the
program for that line: ``A*``/``E*`` exclude some beneficiaries (listed in the program's
note), ``A+`` is for least-developed beneficiaries only, ``S+``/``P+`` mark goods under
the agreement's special provisions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from events.duties import Duty, parse_duty

ANY = "*"


@dataclass(frozen=True, slots=True)
class Program:
    """A special tariff program as General Note 3(c)(i) names it.

    ``partners``: ISO 3166-1 alpha-2 codes of the countries whose goods may qualify,
    ``{"*"}`` for a program open to goods of any origin, ``None`` when the eligible
    countries are a list in the program's general note that this table does not carry.
    """

    symbol: str
    name: str
    partners: frozenset[str] | None
    note: str = ""


def _p(symbol: str, name: str, partners: str | None, note: str = "") -> Program:
    return Program(symbol, name, None if partners is None else frozenset(partners.split()), note)


_CAFTA_DR = "CR DO GT HN NI SV"
PROGRAMS: dict[str, Program] = {
    p.symbol: p
    for p in (
        _p("A", "Generalized System of Preferences (GSP)", None,
           "beneficiary developing countries are listed in the GSP general note; GSP lapsed after "
           "31 December 2020 and its symbols are still printed"),
        _p("AU", "United States-Australia Free Trade Agreement", "AU"),
        _p("B", "Automotive Products Trade Act", "CA", "the US-Canada automotive products agreement"),
        _p("BH", "United States-Bahrain Free Trade Agreement", "BH"),
        _p("C", "Agreement on Trade in Civil Aircraft", ANY,
           "civil aircraft and their parts that meet the agreement's conditions, whatever their origin"),
        _p("CA", "North American Free Trade Agreement (goods of Canada)", "CA", "replaced by USMCA (S) on 1 July 2020"),
        _p("CL", "United States-Chile Free Trade Agreement", "CL"),
        _p("CO", "United States-Colombia Trade Promotion Agreement", "CO"),
        _p("D", "African Growth and Opportunity Act (AGOA)", None,
           "sub-Saharan beneficiary countries are listed in the AGOA general note"),
        _p("E", "Caribbean Basin Economic Recovery Act (CBERA)", None,
           "beneficiary countries are listed in the CBERA general note"),
        _p("IL", "United States-Israel Free Trade Area", "IL",
           "also certain goods of the West Bank, Gaza Strip and qualifying industrial zones"),
        _p("J", "Andean Trade Preference Act / Andean Trade Promotion and Drug Eradication Act", "BO CO EC PE",
           "expired on 31 July 2013"),
        _p("JO", "United States-Jordan Free Trade Area", "JO"),
        _p("JP", "United States-Japan Trade Agreement", "JP", "General Note 36; in force from 1 January 2020"),
        _p("K", "Agreement on Trade in Pharmaceutical Products", ANY, "pharmaceutical products, whatever their origin"),
        _p("KR", "United States-Korea Free Trade Agreement", "KR"),
        _p("L", "Uruguay Round Concessions on Intermediate Chemicals for Dyes", ANY,
           "dye intermediates, whatever their origin"),
        _p("MA", "United States-Morocco Free Trade Agreement", "MA"),
        _p("MX", "North American Free Trade Agreement (goods of Mexico)", "MX", "replaced by USMCA (S) on 1 July 2020"),
        _p("NP", "Nepal Preference Program", "NP"),
        _p("OM", "United States-Oman Free Trade Agreement", "OM"),
        _p("P", "Dominican Republic-Central America-United States Free Trade Agreement (CAFTA-DR)", _CAFTA_DR),
        _p("PA", "United States-Panama Trade Promotion Agreement", "PA"),
        _p("PE", "United States-Peru Trade Promotion Agreement", "PE"),
        _p("R", "United States-Caribbean Basin Trade Partnership Act (CBTPA)", None,
           "beneficiary countries are listed in the CBTPA general note"),
        _p("S", "United States-Mexico-Canada Agreement (USMCA)", "CA MX"),
        _p("SG", "United States-Singapore Free Trade Agreement", "SG"),
    )
}

_MODIFIERS = {
    "*": "some of the program's countries are excluded for this line",
    "+": "only some of the program's countries or goods (least-developed beneficiaries for GSP, "
         "special provisions for USMCA and CAFTA-DR)",
}

_SYMBOL = re.compile(r"^[A-Z]{1,2}[*+]?$")
_GROUP = re.compile(r"\(([^()]*)\)")


def program(symbol: str) -> Program | None:
    """The program a symbol names, modifiers (``*``, ``+``) ignored; ``None`` when unknown.

    >>> program("S+").name
    'United States-Mexico-Canada Agreement (USMCA)'
    >>> program("ZZ") is None
    True
    """
    return PROGRAMS.get(symbol.rstrip("*+"))


def modifier_note(symbol: str) -> str | None:
    """What a ``*`` or ``+`` after a symbol means, or ``None``."""
    return _MODIFIERS.get(symbol[-1]) if symbol[-1:] in _MODIFIERS else None


@dataclass(frozen=True, slots=True)
class SpecialRate:
    """One rate of the special column and the program symbols printed after it (maybe none)."""

    programs: tuple[str, ...]
    text: str

    @property
    def duty(self) -> Duty:
        return parse_duty(self.text)


def _symbols(group: str) -> tuple[str, ...] | None:
    """``"A+,AU, BH"`` → ``("A+", "AU", "BH")``; ``None`` when the parentheses hold prose."""
    parts = tuple(part.strip() for part in group.split(","))
    return parts if parts and all(_SYMBOL.match(part) for part in parts) else None


@lru_cache(maxsize=4096)
def parse_special(text: str) -> tuple[SpecialRate, ...]:
    """Split a special-column cell into (symbols, rate text) pairs, in printed order.

    Parentheses that do not hold symbols are part of the rate text:

    >>> parse_special("Free (AU,BH) A duty upon the value of the repairs (see U.S. note 3) (B,C)")[1]
    SpecialRate(programs=('B', 'C'), text='A duty upon the value of the repairs (see U.S. note 3)')
    >>> parse_special("")
    ()
    >>> parse_special("No change")
    (SpecialRate(programs=(), text='No change'),)
    """
    out: list[SpecialRate] = []
    start = 0
    pending = ""
    for group in _GROUP.finditer(text):
        symbols = _symbols(group.group(1))
        if symbols is None:
            continue
        pending = " ".join(text[start : group.start()].split())
        out.append(SpecialRate(symbols, pending))
        start = group.end()
    rest = " ".join(text[start:].split())
    if rest:
        out.append(SpecialRate((), rest))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Preference:
    """A rate the special column lists for a partner under one program.

    ``certain`` is false when the program's eligible countries are not in this table
    (GSP, AGOA, CBERA, CBTPA): the partner may or may not be one of them.
    """

    code: str
    program: Program | None
    text: str
    certain: bool = True

    @property
    def duty(self) -> Duty:
        return parse_duty(self.text)

    def sentence(self) -> str:
        """``'Free under JP (United States-Japan Trade Agreement)'``, for a warning."""
        name = f" ({self.program.name})" if self.program else " (a program this ledger does not know)"
        qualifier = "" if self.certain else ", if the partner is one of the program's beneficiaries"
        return f"{self.text} under {self.code}{name}{qualifier}"


def preferences_for(partner: str, special: str, include_unlisted: bool = False) -> list[Preference]:
    """The preferential rates a special-column cell lists for ``partner`` (ISO alpha-2).

    Programs open to any origin (``"*"``) match every partner. With ``include_unlisted``,
    programs whose countries this table does not list are returned too, marked uncertain.

    >>> [p.sentence() for p in preferences_for("JP", "Free (A,AU,BH,CL,CO,D,E,IL,JO,JP,KR,MA,OM,P,PA,PE,S,SG)")]
    ['Free under JP (United States-Japan Trade Agreement)']
    >>> [p.code for p in preferences_for("MX", "Free (A*,AU,B,BH,C,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)")]
    ['C', 'S']
    >>> [(p.code, p.certain) for p in preferences_for("KE", "Free (A+,AU,D)", include_unlisted=True)]
    [('A+', False), ('D', False)]
    """
    listed = ((code, rate.text) for rate in parse_special(special) for code in rate.programs)
    return preferences_among(partner, listed, include_unlisted)


def preferences_among(partner: str, listed: Iterable[tuple[str, str]],
                      include_unlisted: bool = False) -> list[Preference]:
    """Like :func:`preferences_for`, over (symbol, rate text) pairs already split out, as a
    schedule line's ``preferential`` entries carry them; a symbol may be several joined by commas.

    >>> entries = [{"program": "AU", "text": "Free"}, {"program": "JP,KR", "text": "2.8%"}]
    >>> [p.sentence() for p in preferences_among("JP", ((e["program"], e["text"]) for e in entries))]
    ['2.8% under JP (United States-Japan Trade Agreement)']
    """
    partner = partner.upper()
    out: list[Preference] = []
    for symbols, text in listed:
        for code in symbols.split(","):
            code = code.strip()
            prog = program(code)
            if prog is None:
                continue
            if prog.partners is None:
                if include_unlisted:
                    out.append(Preference(code, prog, text, certain=False))
            elif partner in prog.partners or ANY in prog.partners:
                out.append(Preference(code, prog, text))
    return out
