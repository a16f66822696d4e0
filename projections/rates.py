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

**Schedules** (§4.4) join the same set: the line of a schedule in force that the
product falls under (:mod:`projections.schedules` finds it) enters as a measure of
the schedule's basis, slug = the schedule's, rate = the line's ad-valorem rate or 0.
So ``not_with``/``inclusive_of`` naming ``"MFN"`` read a schedule's MFN line exactly
as an MFN measure: light trucks (870421) with a 25% MFN line and a 15% all-in deal
rate add 25 + max(0, 15 - 25) = 25. What the rate cannot count is said in
``warnings``: no schedule line for the product, a specific or compound duty (its
text), preferential rates listed for the partner (shown, not applied).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from events.codes import ALL
from projections.schedules import ScheduleMatch
from projections.views import MeasureView, Terms


@dataclass(frozen=True, slots=True)
class Component:
    measure: str
    basis: str
    rate: Decimal  # what it contributes
    listed_rate: Decimal
    reduced_by: tuple[str, ...] = ()
    line: str | None = None  # a schedule line: the HS prefix matched
    text: str | None = None  # a schedule line: the duty as printed


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
    warnings: list[str] = field(default_factory=list)


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


def schedule_view(match: ScheduleMatch) -> MeasureView:
    """A schedule's line as the stacking rule sees it: an in-force measure of the schedule's basis."""
    head, line = match.head, match.line
    assert line is not None, "only a match with a line contributes"
    terms = Terms(line.rate if line.rate is not None else Decimal(0), head.partners, head.except_partners,
                  (line.product,), (), (), ())
    return MeasureView(head.schedule, head.imposer, head.basis, head.title, "in_force", terms, head.effective_on,
                       head.effective_on)


def stacked_rate(views: Iterable[MeasureView], partner: str, product: str,
                 schedules: Sequence[ScheduleMatch] = ()) -> RateAnswer:
    """Apply the stacking rule to the measures (and schedule lines) of one imposer as they stand on one date."""
    schedules = [m for m in schedules if m.line is not None]  # a code whose lines differ counts no duty (it warns)
    lines = {m.head.schedule: m.line for m in schedules}
    views = [*views, *(schedule_view(m) for m in schedules)]
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
        line = lines.get(view.measure)
        components.append(
            Component(view.measure, view.basis, contribution(view, frozenset()), view.terms.rate, included,
                      line.product if line else None, line.text if line else None)
        )
    total = sum((c.rate for c in components), Decimal(0))
    return RateAnswer(total, components, excluded)


def imposers_naming(views: Iterable[MeasureView]) -> list[str]:
    return sorted({v.imposer for v in views})


def pick_imposer(views: Sequence[MeasureView], partner: str, product: str, imposer: str | None,
                 scheduled: Iterable[str] = ()) -> str | None:
    """The imposer given, else the only one whose measures name the pair (None when none does).

    A schedule joins the stacking rule like a measure of its basis, so it names the pair too where
    it has a line for the product: ``scheduled`` are the imposers with such a line in force for the
    partner. Raises ``LookupError`` listing the candidates when several imposers name the pair.
    """
    if imposer is None:
        named = imposers_naming(v for v in views if v.status != "revoked" and names_scope(v, partner, product))
        candidates = sorted({*named, *scheduled})
        if len(candidates) > 1:
            raise LookupError(candidates)
        imposer = candidates[0] if candidates else None
    return imposer


def rate_from_views(
    views: Sequence[MeasureView], partner: str, product: str, imposer: str | None,
    schedules: Sequence[ScheduleMatch] | None = None, day: object = None,
) -> tuple[str | None, RateAnswer]:
    """Stack the chosen imposer's measures and its schedule lines (``pick_imposer`` chooses it).

    ``schedules``: the lines of the imposer's schedules in force for the pair (None: schedules not
    consulted, no warnings); with them the answer carries its warnings.
    """
    imposer = pick_imposer(views, partner, product, imposer)
    own = [s for s in schedules or () if s.head.imposer == imposer]
    answer = stacked_rate([v for v in views if v.imposer == imposer], partner, product, own)
    if schedules is None:
        return imposer, answer
    return imposer, replace(answer, warnings=warnings(answer, imposer, partner, product, day, own))


def warnings(answer: RateAnswer, imposer: str | None, partner: str, product: str, day: object,
             schedules: Sequence[ScheduleMatch]) -> list[str]:
    """What the rate could not count (docs/spec.md §4.4), as sentences.

    >>> warnings(RateAnswer(Decimal(10)), "US", "JP", "7209", "2025-06-01", [])[0]
    'no tariff schedule of US has a line for 7209 on 2025-06-01: the rate counts only the measures recorded'
    """
    from events.programs import preferences_among

    out: list[str] = []
    if not schedules:
        who = f"of {imposer} " if imposer else ""
        out.append(f"no tariff schedule {who}has a line for {product} on {day}: "
                   "the rate counts only the measures recorded")
    applied = {c.measure for c in answer.components}
    for m in schedules:
        if m.line is None:
            out.append(f"the lines of {m.head.schedule} under {product} on {day} carry different duties "
                       f"({', '.join(m.differing)}): no {m.head.basis} duty is counted; ask for a longer code")
            continue
        line, where = m.line, f"{m.head.schedule} line {m.line.product}"
        if line.specific and m.head.schedule in applied:
            counted = "none of it is" if line.rate is None else f"only its {line.rate:f}% part is"
            out.append(f"the {m.head.basis} duty of {where} is {line.text!r}: {counted} counted in the rate "
                       "(a specific or compound duty)")
        prefs = preferences_among(partner, line.preferential)
        if prefs:
            listed = "; ".join(p.sentence() for p in prefs)
            out.append(f"preferential rate listed for {partner} in {where}: {listed} "
                       "(shown, not applied: rules of origin decide)")
    return out


def select_measures(views: Iterable[MeasureView], imposer: str | None, partner: str | None) -> list[MeasureView]:
    """What ``state --imposer --partner`` keeps: the imposer's measures that cover the partner.

    Here, beside :func:`covers_partner`, rather than in ``projections.state``: the read path uses it
    without importing the replay folds and the event models they need.
    """
    return [v for v in views
            if (imposer is None or v.imposer == imposer) and (partner is None or covers_partner(v, partner))]
