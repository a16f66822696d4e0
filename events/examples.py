"""One example event per type, with facts from ``examples/us-japan-2025.jsonl``.

In an order that forms a valid ledger (openers first, corrections after their
targets). The event reference (``docs/events.md``) shows them, ``ledger append
TYPE --help`` turns them into a runnable example, and the docs tests append them
to a fresh ledger, so an example that stops validating fails the suite.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: list[dict[str, Any]] = [
    {"type": "measure.announced", "date": "2025-03-26", "measure": "us-232-autos", "imposer": "US",
     "partners": ["*"], "products": ["8703", "870421"], "rate": 25, "basis": "Section 232",
     "effective_on": "2025-04-03", "source": {"publisher": "Federal Register", "title": "Proclamation 10908"}},
    {"type": "measure.announced", "date": "2025-04-02", "measure": "us-reciprocal-jp", "imposer": "US",
     "partners": ["JP"], "products": ["*"], "rate": 14, "basis": "IEEPA reciprocal", "effective_on": "2025-04-09",
     "not_with": ["Section 232"], "source": "Executive Order 14257"},
    {"type": "measure.amended", "date": "2025-09-04", "measure": "us-reciprocal-jp", "effective_on": "2025-08-07",
     "rate": 15, "inclusive_of": ["MFN"], "source": "Executive Order 14345",
     "note": "retroactive: signed 2025-09-04, applies from 2025-08-07"},
    {"type": "measure.suspended", "id": "11a23219-cd78-4c15-877e-22256188782f", "date": "2025-04-09",
     "measure": "us-reciprocal-jp", "effective_on": "2025-04-10", "until": "2025-07-09",
     "source": "Executive Order 14266"},
    {"type": "measure.resumed", "date": "2025-07-07", "measure": "us-reciprocal-jp", "effective_on": "2025-08-01",
     "source": {"publisher": "Jiji/Nippon.com", "title": "U.S. announces 25 pct tariffs for Japan"}},
    {"type": "measure.announced", "date": "2025-09-04", "measure": "us-jp-autos-15", "imposer": "US",
     "partners": ["JP"], "products": ["8703"], "rate": 15, "basis": "Section 232", "inclusive_of": ["MFN"],
     "source": "Executive Order 14345"},
    {"type": "measure.rescheduled", "date": "2025-09-16", "measure": "us-jp-autos-15", "effective_on": "2025-09-16",
     "source": {"publisher": "Carmichael International", "title": "Updated Implementation Guidance"}},
    {"type": "measure.revoked", "date": "2025-09-16", "measure": "us-232-autos", "effective_on": "2025-09-16",
     "source": "illustration only: in the sample, Japan is excepted instead (measure.amended)"},
    {"type": "talks.opened", "date": "2025-04-11", "track": "us-jp-tariffs", "parties": ["US", "JP"],
     "title": "US–Japan tariff negotiations", "leads": {"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent"]},
     "source": {"publisher": "Asahi Shimbun", "title": "Akazawa leaves for U.S. talks", "published_on": "2025-04-16"}},
    {"type": "talks.round_scheduled", "date": "2025-06-09", "track": "us-jp-tariffs", "round": 6,
     "starts_on": "2025-06-13", "venue": "Washington", "source": "Caliber.Az"},
    {"type": "talks.round_held", "date": "2025-06-13", "track": "us-jp-tariffs", "round": 6, "venue": "Washington",
     "participants": ["Ryosei Akazawa", "Howard Lutnick", "Scott Bessent"], "source": "Japan Times"},
    {"type": "talks.proposal_submitted", "date": "2025-06-09", "track": "us-jp-tariffs", "proposal": "jp-package",
     "by": "JP", "items": ["Semiconductors and critical minerals", "Shipbuilding"], "source": "Caliber.Az"},
    {"type": "talks.proposal_answered", "date": "2025-06-16", "track": "us-jp-tariffs", "proposal": "jp-package",
     "by": "US", "response": "noted", "source": "illustration only: the sample records no answer"},
    {"type": "talks.statement", "date": "2025-07-23", "track": "us-jp-tariffs", "speaker": "Ryosei Akazawa",
     "party": "JP", "text": "The 50% duties on steel and aluminium stay in place under the deal.",
     "source": "US Africa Online"},
    {"type": "talks.agreement_reached", "date": "2025-07-22", "track": "us-jp-tariffs",
     "title": "US–Japan tariff agreement (15% deal)", "terms": ["Reciprocal tariff on Japanese goods set at 15%"],
     "measures": ["us-reciprocal-jp"], "source": "Reuters via Yomiuri"},
    {"type": "talks.concluded", "date": "2025-09-04", "track": "us-jp-tariffs",
     "outcome": "illustration only: the sample leaves the track open", "source": "illustration"},
    {"type": "summit.scheduled", "date": "2025-05-23", "summit": "g7-2025", "name": "G7 Leaders' Summit",
     "starts_on": "2025-06-15", "ends_on": "2025-06-17", "venue": "Kananaskis, Alberta, Canada",
     "tracks": ["us-jp-tariffs"], "source": "Yomiuri Shimbun"},
    {"type": "summit.held", "date": "2025-06-16", "summit": "g7-2025", "outcome": "No deal; ministers to continue.",
     "source": "Yomiuri"},
    {"type": "ledger.corrected", "id": "0b8c5e0e-6a1e-4c43-9a7f-1d0f3c3f2b10",
     "target": "11a23219-cd78-4c15-877e-22256188782f", "fields": {"effective_on": "2025-04-09"},
     "reason": "illustration: follow the reading that the 24% rate never applied", "source": "Asahi Shimbun"},
    {"type": "ledger.retracted", "target": "0b8c5e0e-6a1e-4c43-9a7f-1d0f3c3f2b10",
     "reason": "the Federal Register text is clear: the pause began on 2025-04-10", "source": "Federal Register"},
]
