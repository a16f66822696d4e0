"""Which talks are "between" two countries: the one rule every caller uses.

``state --imposer US --partner JP``, ``timeline --partner JP`` and the chart's
negotiation milestones all keep the tracks whose parties include both countries
given (either may be omitted)::

    >>> parties_between(("US", "JP"), "US", "JP")
    True
    >>> parties_between(("US", "JP", "KR"), None, "KR")
    True
    >>> parties_between(("US", "CN"), "US", "JP")
    False

The read models only narrow candidates (``queries.tracks_between``); this decides.
"""

from __future__ import annotations

from collections.abc import Sequence


def parties_between(parties: Sequence[str], imposer: str | None, partner: str | None) -> bool:
    """Both countries given are among ``parties``."""
    return all(code in parties for code in (imposer, partner) if code is not None)
