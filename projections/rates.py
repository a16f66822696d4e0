"""The stacking rule: what a partner's product pays under one imposer on one date.

docs/spec.md §4.3, in order:

1. take every measure of the imposer in force on the date whose partners and
   products cover the pair, and whose exceptions do not;
2. drop each whose ``not_with`` names the slug or basis of *another* measure of
   that set (all drops are decided against the same set);
3. a remaining measure with ``inclusive_of`` contributes its rate minus what the
   other remaining measures it names contribute, never below 0;
4. the rate is the sum of the contributions.

Worked example (Japanese passenger cars, HS 870323, 2025-09-20)::

    us-mfn-cars        MFN             2.5   in force       -> 2.5
    us-232-autos       Section 232     25    JP excepted    -> excluded
    us-jp-autos-15     Japan deal      15    inclusive_of MFN -> 15 - 2.5 = 12.5
                                                     rate  =  15

Each answer explains itself: ``components`` (what each measure adds, with any
reduction) sum to ``rate``; ``excluded`` says why a measure that names the pair
does not count (exceptions, ``not_with``, suspended, not yet in force).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from events.codes import ALL
from projections.views import MeasureView


@dataclass(frozen=True, slots=True)
class Component:
    measure: str
    basis: str
    rate: Decimal  # what it contributes
    listed_rate: Decimal
    reduced_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Exclusion:
    measure: str
    basis: str
    reason: str


@dataclass(frozen=True, slots=True)
class RateAnswer:
    rate: Decimal
    components: list[Component] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)


def product_matches(prefixes: Iterable[str], product: str) -> str | None:
    """The longest prefix among ``prefixes`` that covers ``product`` (``*`` covers all), else None."""
    best: str | None = None
    for prefix in prefixes:
        if (prefix == ALL or product.startswith(prefix)) and (best is None or best == ALL or len(prefix) > len(best)):
            best = prefix
    return best


def _scope_reason(view: MeasureView, partner: str, product: str) -> str | None:
    """None if the measure's terms cover the pair; else why its exceptions leave it out."""
    t = view.terms
    if partner in t.except_partners:
        return f"{partner} is excepted from its partners"
    excepted = product_matches(t.except_products, product)
    if excepted is not None:
        return f"product {product} is excepted ({excepted})"
    return None


def names_partner(view: MeasureView, partner: str) -> bool:
    """The measure's partners name ``partner`` (exceptions aside)."""
    return partner in view.terms.partners or ALL in view.terms.partners


def covers_partner(view: MeasureView, partner: str) -> bool:
    """The measure applies to ``partner``: named, and not excepted (``state --partner`` keeps these)."""
    return names_partner(view, partner) and partner not in view.terms.except_partners


def names_scope(view: MeasureView, partner: str, product: str) -> bool:
    """The measure's partners and products name the pair (exceptions aside)."""
    return names_partner(view, partner) and product_matches(view.terms.products, product) is not None


def _names(view: MeasureView, names: tuple[str, ...]) -> bool:
    return view.measure in names or view.basis in names


def stacked_rate(views: Iterable[MeasureView], partner: str, product: str) -> RateAnswer:
    """Apply the stacking rule to the measures of one imposer as they stand on one date."""
    applicable: list[MeasureView] = []
    excluded: list[Exclusion] = []
    for view in sorted(views, key=lambda v: v.measure):
        if view.status == "revoked" or not names_scope(view, partner, product):
            continue
        reason = _scope_reason(view, partner, product)
        if reason is None and view.status == "suspended":
            lapse = f" until {view.suspended_until}" if view.suspended_until else ""
            reason = f"suspended{lapse}"
        elif reason is None and view.status == "announced":
            when = f"takes effect {view.effective_on}" if view.effective_on else "effective date not yet known"
            reason = f"not yet in force ({when})"
        if reason is None:
            applicable.append(view)
        else:
            excluded.append(Exclusion(view.measure, view.basis, reason))

    remaining = []
    for view in applicable:
        blockers = [o.measure for o in applicable if o is not view and _names(o, view.terms.not_with)]
        if blockers:
            excluded.append(Exclusion(view.measure, view.basis, f"not_with: {', '.join(blockers)} applies"))
        else:
            remaining.append(view)

    contributions: dict[str, Decimal] = {}

    def contribution(view: MeasureView, visiting: frozenset[str]) -> Decimal:
        if view.measure in contributions:
            return contributions[view.measure]
        rate = view.terms.rate
        if view.terms.inclusive_of and view.measure not in visiting:
            included = [o for o in remaining if o is not view and _names(o, view.terms.inclusive_of)]
            inner = visiting | {view.measure}
            rate = max(Decimal(0), rate - sum((contribution(o, inner) for o in included), Decimal(0)))
        contributions[view.measure] = rate
        return rate

    components = []
    for view in remaining:
        included = tuple(o.measure for o in remaining if o is not view and _names(o, view.terms.inclusive_of))
        components.append(
            Component(view.measure, view.basis, contribution(view, frozenset()), view.terms.rate, included)
        )
    total = sum((c.rate for c in components), Decimal(0))
    return RateAnswer(total, components, excluded)


def imposers_naming(views: Iterable[MeasureView]) -> list[str]:
    return sorted({v.imposer for v in views})


def rate_from_views(
    views: Sequence[MeasureView], partner: str, product: str, imposer: str | None
) -> tuple[str | None, RateAnswer]:
    """Pick the imposer (the only one naming the pair when not given) and stack its measures.

    Raises ``LookupError`` listing the candidates when several imposers name the pair.
    """
    if imposer is None:
        candidates = imposers_naming(v for v in views if v.status != "revoked" and names_scope(v, partner, product))
        if len(candidates) > 1:
            raise LookupError(candidates)
        imposer = candidates[0] if candidates else None
    return imposer, stacked_rate([v for v in views if v.imposer == imposer], partner, product)
