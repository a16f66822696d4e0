"""The words synthetic ledgers are made of: real ISO codes, real HS headings, plausible sources.

Kept as fixed tuples (not read from ``pycountry``) so a seed gives the same
ledger whatever library versions are installed. Every country code here is an
ISO 3166-1 alpha-2 code the project accepts (``EU`` is its one reserved extra);
every HS heading is a real 4-digit heading, so ``"8703"`` reads as cars and
``"720851"`` as hot-rolled steel plate, as an analyst would expect.
"""

from __future__ import annotations

# Governments that impose measures in the generated ledgers, most active first (weights below).
IMPOSERS = (
    "EU", "CN", "CA", "MX", "IN", "BR", "KR", "GB", "AU", "TR", "ZA", "ID", "VN", "TH", "CH", "AR",
    "JP", "MY", "SG", "NO", "CL", "CO", "PE", "SA", "AE", "NZ", "PH", "EG", "NG", "KE", "MA", "IL",
    "PK", "BD", "UA", "KZ",
)
IMPOSER_WEIGHTS = tuple(max(1, 30 - 2 * i) for i in range(len(IMPOSERS)))

# Trading partners: the imposers plus smaller economies.
PARTNERS = tuple(sorted(set(IMPOSERS) | {
    "US", "RU", "TW", "HK", "DE", "FR", "IT", "ES", "NL", "BE", "PL", "SE", "AT", "IE", "DK", "FI", "PT",
    "CZ", "HU", "RO", "GR", "BY", "IR", "IQ", "QA", "KW", "OM", "BH", "JO", "LB", "DZ", "TN", "GH", "CI",
    "SN", "ET", "TZ", "UG", "AO", "ZM", "ZW", "MZ", "BW", "NA", "MU", "LK", "NP", "MM", "KH", "LA", "MN",
    "UZ", "GE", "AM", "AZ", "RS", "BA", "AL", "MK", "MD", "IS", "LI", "EC", "BO", "PY", "UY", "VE", "CR",
    "PA", "GT", "HN", "SV", "NI", "DO", "JM", "TT", "CU", "FJ", "PG",
}))

# Real HS 2022 headings across the chapters trade measures most often name.
HEADINGS = (
    "0201", "0202", "0203", "0207", "0303", "0306", "0402", "0406", "0701", "0703", "0803", "0805", "0806",
    "0901", "1001", "1005", "1006", "1201", "1507", "1511", "1701", "1806", "2204", "2208", "2304", "2401",
    "2523", "2601", "2701", "2709", "2710", "2711", "2804", "2901", "3004", "3102", "3105", "3808", "3901",
    "3902", "3920", "4011", "4407", "4703", "4802", "5201", "5208", "5407", "6109", "6110", "6203", "6204",
    "6403", "6404", "6802", "6907", "7005", "7108", "7201", "7206", "7207", "7208", "7209", "7210", "7213",
    "7219", "7304", "7306", "7318", "7403", "7408", "7601", "7604", "7606", "8104", "8105", "8411", "8413",
    "8414", "8418", "8429", "8450", "8471", "8473", "8481", "8482", "8501", "8504", "8507", "8517", "8523",
    "8528", "8541", "8542", "8544", "8701", "8702", "8703", "8704", "8708", "8711", "8802", "8803", "8901",
    "9013", "9018", "9401", "9403", "9503", "9506",
)

# Legal bases; an imposer's measures mostly use its own.
US_BASES = ("Section 232", "Section 301", "IEEPA reciprocal", "Section 201", "Antidumping duty")
TRADE_REMEDIES = ("Safeguard", "Anti-dumping", "Countervailing duty", "Retaliation", "Countermeasure",
                  "Rebalancing measure", "Tariff-rate quota")
MFN = "MFN"

RATES = (0, 2.5, 3, 4.5, 5, 6.5, 7.5, 8, 10, 12, 12.5, 15, 17.5, 20, 25, 30, 34, 35, 40, 50, 60, 100, 125, 145)
MFN_RATES = (0, 1.5, 2, 2.5, 3.2, 4, 5, 6.5, 8, 10, 12, 14, 17, 20)

PUBLISHERS = (
    "Official Journal of the European Union", "Federal Register", "Canada Gazette", "Diário Oficial da União",
    "Gazette of India", "Ministry of Commerce of the PRC", "Diario Oficial de la Federación", "GOV.UK",
    "Korea Customs Service", "Reuters", "Bloomberg", "Financial Times", "Nikkei Asia", "Kyodo News",
    "South China Morning Post", "Agence France-Presse", "WTO notification", "Inside U.S. Trade",
)
HEADLINES = (
    "imposes duties on imports of", "extends safeguard on", "notifies new tariff on", "amends duty rates for",
    "suspends additional duties on", "lifts tariff on", "delays duty increase on", "retaliates with tariffs on",
)
GOODS = (
    "steel products", "aluminium", "passenger cars", "auto parts", "solar panels", "semiconductors",
    "soybeans", "dairy", "wine and spirits", "textiles", "footwear", "machinery", "fertilisers",
    "pharmaceuticals", "copper", "rice", "furniture", "electric vehicles", "lithium batteries", "tyres",
)
CITIES = (
    "Geneva", "Brussels", "Beijing", "Ottawa", "Mexico City", "New Delhi", "Brasília", "Seoul", "London",
    "Canberra", "Ankara", "Pretoria", "Jakarta", "Hanoi", "Bangkok", "Bern", "Buenos Aires", "Tokyo",
    "Kuala Lumpur", "Singapore", "Oslo", "Santiago", "Bogotá", "Lima", "Riyadh", "Abu Dhabi", "Wellington",
    "Manila", "Cairo", "Nairobi", "Rabat", "Jerusalem", "Islamabad", "Dhaka", "Kyiv", "Astana", "Paris",
)
SURNAMES = (
    "Rossi", "Müller", "Dubois", "García", "Silva", "Kim", "Tanaka", "Wang", "Li", "Singh", "Patel", "Nguyen",
    "Okafor", "Mensah", "Kowalski", "Novak", "Haddad", "Yilmaz", "Santos", "Ivanova", "Andersen", "O'Brien",
    "Fernández", "Sato", "Chen", "Khan", "Rahman", "Mwangi", "Dlamini", "Virtanen",
)
INITIALS = "ABCDEFGHJKLMNOPRSTVW"
TITLES = ("Minister", "Vice-Minister", "Ambassador", "Trade Commissioner", "Chief Negotiator", "Secretary")
ITEMS = (
    "tariff-rate quota for {g}", "phase-out of duties on {g} over five years", "rules of origin for {g}",
    "sanitary standards for {g}", "investment pledge tied to {g}", "export restraint on {g}",
    "mutual recognition of conformity assessment for {g}", "joint review mechanism for {g}",
)
STATEMENT_TEXTS = (
    "talks on {g} were constructive", "gaps remain on {g}", "we will not accept a deal without {g}",
    "both sides agreed to intensify work on {g}", "a framework on {g} is within reach",
    "our position on {g} has not changed", "progress on {g} was slower than hoped",
)
OUTCOMES = (
    "technical groups set up", "no agreement; talks continue", "framework agreed in principle",
    "joint statement issued", "positions exchanged", "schedule for the next round agreed",
)
AUTHORS = ("analyst-a", "analyst-b", "analyst-c", "desk-geneva", "desk-brussels", "import-bot")
