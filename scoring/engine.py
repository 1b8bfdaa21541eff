"""Scoring an account: ICP fit (pillar 1), ICP tier (pillar 2), engagement (pillar 3), priority.

Priority formula::

    priority = tier_weight × (fit_weight × fit_used + engagement_weight × engagement)

with ``fit_weight`` and ``engagement_weight`` from ``[priority]`` (defaults 0.6 and 0.4, so a perfect fit
and full engagement give 100 × tier_weight). When fields are missing, fit is a range ``fit_min..fit_max``
and ``fit_used`` is ``fit_min`` by default (``uncertain_fit = "min"``): hand-off spends a seller's time,
so an account is not handed over on points it may not have; resolving the uncertainty is the
enricher's job, and :func:`decisive_fields` tells it which fields could change band, tier or hand-off.
``uncertain_fit = "midpoint"`` uses the middle of the range instead. An uncertain tier likewise counts
with the lowest weight among its candidates. ``priority_max`` is the best case (fit_max, highest weight).

Nothing here reads a clock: engagement decays relative to the ``as_of`` the caller passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scoring.engagement import Activity, roll_up, score_activities
from scoring.fields import Record, is_unknown
from scoring.persona import ContactInput, ContactScore, rank_contacts, score_contact
from scoring.points import Bands, PointRules, Tally, swings
from scoring.ruleset import Ruleset
from scoring.score import ContactLine, EventLine, Explanation, MissingField, RuleLine, Score, TierDecision
from scoring.tiers import TierOutcome

CONTACTS_SHOWN = 5


def fit_of(ruleset: Ruleset, account: Record) -> Tally:
    """ICP fit points (a range when conditions are unknown), capped to ``0..fit.cap``."""
    return ruleset.fit_rules.tally(account)


def band_of(ruleset: Ruleset, fit: Tally) -> str:
    """The band of the fit range, or ``"undetermined"`` when its ends fall in different bands."""
    return ruleset.bands.band_of_range(fit.low, fit.high)


def tier_of(ruleset: Ruleset, account: Record) -> TierOutcome:
    """The first tier whose condition holds (uncertain when an earlier condition is unknown)."""
    return ruleset.tiers.decide(account)


@dataclass(frozen=True, slots=True)
class Priority:
    value: float
    low: float  # lowest reachable: fit_min, lowest candidate tier weight
    high: float  # highest reachable: fit_max, highest candidate tier weight
    fit_used: float


def priority_of(ruleset: Ruleset, fit: Tally, tier: TierOutcome, engagement: float) -> Priority:
    """The module docstring's formula."""
    weights = ruleset.priority
    fit_used = fit.low if weights.uncertain_fit == "min" else (fit.low + fit.high) / 2
    engaged = weights.engagement_weight * engagement
    return Priority(
        tier.weight * (weights.fit_weight * fit_used + engaged),
        tier.weight * (weights.fit_weight * fit.low + engaged),
        tier.weight_max * (weights.fit_weight * fit.high + engaged),
        fit_used,
    )


def _missing_fields(
    ruleset: Ruleset, account: Record, fit: Tally, tier: TierOutcome, priority: Priority, threshold: float
) -> tuple[MissingField, ...]:
    by_field = {swing.field: swing for swing in swings(ruleset.fit_rules.rules, account, fit.unknown)}
    tier_fields = {
        name
        for index in tier.unknown + ((tier.matched,) if tier.matched is not None and tier.unknown else ())
        for name in ruleset.tiers.tiers[index].fields
        if is_unknown(account.get(name))
    }
    band_open = band_of(ruleset, fit) == Bands.UNDETERMINED
    handoff_open = priority.low < threshold <= priority.high
    result: list[MissingField] = []
    for name in sorted(set(by_field) | tier_fields):
        swing = by_field.get(name)
        moves_fit = swing is not None and (swing.up > 0 or swing.down < 0)
        affects = [
            decision
            for decision, applies in (
                ("band", band_open and moves_fit),
                ("tier", name in tier_fields),
                ("handoff", handoff_open and (moves_fit or name in tier_fields)),
            )
            if applies
        ]
        result.append(
            MissingField(name, swing.down if swing else 0.0, swing.up if swing else 0.0, tuple(affects))
        )
    return tuple(sorted(result, key=lambda field: (-len(field.affects), field.down - field.up, field.field)))


def decisive_fields(
    ruleset: Ruleset, account: Record, *, engagement: float = 0.0, threshold: float | None = None
) -> list[MissingField]:
    """Unknown fields whose value could change the band, the tier or the hand-off decision, most
    decisive first. ``threshold`` defaults to the ruleset's base hand-off threshold; ``engagement`` is
    the account's current engagement (it moves priority but no field changes it)."""
    fit = fit_of(ruleset, account)
    tier = tier_of(ruleset, account)
    priority = priority_of(ruleset, fit, tier, engagement)
    limit = ruleset.handoff.base_threshold if threshold is None else threshold
    return [field for field in _missing_fields(ruleset, account, fit, tier, priority, limit) if field.affects]


def _rule_lines(point_rules: PointRules, result: Tally, section: str) -> tuple[RuleLine, ...]:
    outcomes = {index: "fired" for index in result.fired} | {index: "unknown" for index in result.unknown}
    rules = point_rules.rules
    return tuple(
        RuleLine(
            f"{section}.rule[{index}]",
            rules[index].label,
            rules[index].when,
            rules[index].points,
            outcome,
        )
        for index, outcome in sorted(outcomes.items())
    )


def _tier_decision(ruleset: Ruleset, tier: TierOutcome) -> TierDecision:
    tiers = ruleset.tiers.tiers
    matched = None if tier.matched is None else tiers[tier.matched].when
    unknown = tuple(tiers[index].name for index in tier.unknown)
    return TierDecision(tier.name, tier.weight, tier.weight_max, tier.candidates, matched, unknown)


def _contact_line(ruleset: Ruleset, contact: ContactScore) -> ContactLine:
    persona = contact.persona
    return ContactLine(
        contact.contact_id,
        contact.label,
        persona.value,
        persona.low,
        persona.high,
        contact.engagement.engagement,
        contact.engagement.phase,
        _rule_lines(ruleset.persona_rules, persona, "persona"),
    )


def score_account(
    ruleset: Ruleset,
    account: Record,
    *,
    as_of: datetime,
    contacts: Sequence[ContactInput] = (),
    activities: Sequence[Activity] = (),
    account_id: int | None = None,
) -> Score:
    """Score one account as of ``as_of``: ``account`` from :func:`scoring.fields.account_record`, its
    contacts with their activities, and ``activities`` linked to the account but to no contact."""
    fit = fit_of(ruleset, account)
    tier = tier_of(ruleset, account)
    contact_scores = rank_contacts(score_contact(ruleset, contact, as_of) for contact in contacts)
    own = score_activities(ruleset.engagement, activities, as_of, cap=ruleset.engagement.account_cap)
    engaged = roll_up(ruleset.engagement, [(c.contact_id, c.engagement) for c in contact_scores], own)
    priority = priority_of(ruleset, fit, tier, engaged.engagement)
    weights = ruleset.priority
    formula = (
        f"{tier.weight:g} × ({weights.fit_weight:g} × {priority.fit_used:.2f} + "
        f"{weights.engagement_weight:g} × {engaged.engagement:.2f}) = {priority.value:.2f}"
    )
    events = [event for contact in contact_scores for event in contact.engagement.events] + list(own.events)
    events.sort(key=lambda event: (-abs(event[2]), event[0].occurred_at))
    most_engaged = max(contact_scores, key=lambda c: (c.engagement.engagement, -c.contact_id), default=None)
    shown = contact_scores[:CONTACTS_SHOWN]
    if most_engaged is not None and most_engaged not in shown:
        shown.append(most_engaged)
    explanation = Explanation(
        fit_rules=_rule_lines(ruleset.fit_rules, fit, "fit"),
        missing=_missing_fields(ruleset, account, fit, tier, priority, ruleset.handoff.base_threshold),
        tier=_tier_decision(ruleset, tier),
        engagement_from_contacts=engaged.from_contacts,
        engagement_from_account=engaged.from_account,
        counted_contacts=engaged.counted_contacts,
        events=tuple(
            EventLine(
                activity.contact_id,
                activity.kind,
                activity.asset,
                activity.occurred_at,
                rule.pattern,
                rule.phase,
                rule.points,
                decayed,
            )
            for activity, rule, decayed in events
        ),
        unmapped_assets=engaged.unmapped,
        ignored_future=engaged.ignored_future,
        contacts=tuple(_contact_line(ruleset, contact) for contact in shown),
        most_engaged_contact_id=most_engaged.contact_id
        if most_engaged and most_engaged.engagement.engagement > 0
        else None,
        priority_formula=formula,
    )
    return Score(
        ruleset=ruleset.ref,
        as_of=as_of,
        account_id=account_id,
        fit=fit.value,
        fit_min=fit.low,
        fit_max=fit.high,
        band=band_of(ruleset, fit),
        tier=tier.name,
        tier_weight=tier.weight,
        engagement=engaged.engagement,
        phase=engaged.phase,
        priority=priority.value,
        priority_max=priority.high,
        best_contact_id=contact_scores[0].contact_id if contact_scores else None,
        explanation=explanation,
    )
