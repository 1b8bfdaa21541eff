"""Pillar 2, the ICP tier: the first tier whose condition holds wins; its weight multiplies priority.

An unknown condition ahead of the match makes the tier uncertain: every tier from the first unknown one
up to the match is possible. Validation finds tiers that can never match because the tiers above them
already take every account they would (checked by :func:`implies`, sound but not complete).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scoring.evaluate import Condition
from scoring.expressions import And, Between, Compare, Const, Expr, InList, Or, Scalar
from scoring.fields import Record

NO_TIER_WEIGHT = 1.0  # weight of an account no tier matches


@dataclass(frozen=True, slots=True)
class Tier:
    index: int
    name: str
    when: str  # the condition as written in the ruleset
    condition: Expr
    weight: float
    test: Condition
    fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class TierOutcome:
    name: str | None  # the tier, or None when uncertain or when no tier matches
    weight: float  # the tier's weight; when uncertain the lowest possible one (conservative)
    weight_max: float  # the highest possible weight
    candidates: tuple[str | None, ...]  # every tier still possible (None: no tier at all)
    matched: int | None  # index of the tier whose condition held
    unknown: tuple[int, ...]  # indexes of the tiers whose condition was unknown before the decision

    @property
    def certain(self) -> bool:
        return len(self.candidates) == 1


_NO_MATCH = TierOutcome(None, NO_TIER_WEIGHT, NO_TIER_WEIGHT, (None,), None, ())


class TierRules:
    """The ordered tiers, with the certain outcomes built once (the hot path allocates nothing)."""

    def __init__(self, tiers: Sequence[Tier]) -> None:
        self.tiers = tuple(tiers)
        self._certain = tuple(
            TierOutcome(tier.name, tier.weight, tier.weight, (tier.name,), tier.index, ())
            for tier in self.tiers
        )

    def decide(self, record: Record) -> TierOutcome:
        unknown: list[int] = []
        for tier in self.tiers:
            outcome = tier.test(record)
            if outcome is True:
                if not unknown:
                    return self._certain[tier.index]
                return self._uncertain(unknown, tier.index)
            if outcome is None:
                unknown.append(tier.index)
        return self._uncertain(unknown, None) if unknown else _NO_MATCH

    def _uncertain(self, unknown: list[int], matched: int | None) -> TierOutcome:
        candidates: list[str | None] = [self.tiers[index].name for index in unknown]
        weights = [self.tiers[index].weight for index in unknown]
        if matched is None:
            candidates.append(None)
            weights.append(NO_TIER_WEIGHT)
        else:
            candidates.append(self.tiers[matched].name)
            weights.append(self.tiers[matched].weight)
        return TierOutcome(None, min(weights), max(weights), tuple(candidates), matched, tuple(unknown))


# --- static analysis: a ⇒ b --------------------------------------------------------------------------

Interval = tuple[float, bool, float, bool]  # low, low inclusive, high, high inclusive
_ANY: Interval = (-math.inf, False, math.inf, False)


def _leaf_interval(expr: Expr) -> tuple[str, Interval] | None:
    if isinstance(expr, Compare) and isinstance(expr.value, int | float) and not isinstance(expr.value, bool):
        value = float(expr.value)
        shapes: dict[str, Interval] = {
            ">": (value, False, math.inf, False),
            ">=": (value, True, math.inf, False),
            "<": (-math.inf, False, value, False),
            "<=": (-math.inf, False, value, True),
            "=": (value, True, value, True),
        }
        return (expr.field, shapes[expr.op]) if expr.op in shapes else None
    if isinstance(expr, Between) and not expr.negated:
        return expr.field, (float(expr.low), True, float(expr.high), True)
    if isinstance(expr, And):
        parts: list[tuple[str, Interval]] = []
        for item in expr.items:
            part = _leaf_interval(item)
            if part is None:
                return None
            parts.append(part)
        if len({field for field, _ in parts}) != 1:
            return None
        low, low_in, high, high_in = _ANY
        for _, (p_low, p_low_in, p_high, p_high_in) in parts:
            if p_low > low or (p_low == low and not p_low_in):
                low, low_in = p_low, p_low_in
            if p_high < high or (p_high == high and not p_high_in):
                high, high_in = p_high, p_high_in
        return parts[0][0], (low, low_in, high, high_in)
    return None


def _covered(inner: Interval, outers: list[Interval]) -> bool:
    """``inner`` lies inside the union of ``outers``."""
    low, low_in, high, high_in = inner
    for o_low, o_low_in, o_high, o_high_in in sorted(outers, key=lambda item: (item[0], not item[1])):
        starts_before = o_low < low or (o_low == low and (o_low_in or not low_in))
        if not starts_before:
            return False  # a gap at ``low``: the rest start even later
        if o_high > high or (o_high == high and (o_high_in or not high_in)):
            return True
        if o_high > low or (o_high == low and o_high_in and low_in):
            low, low_in = o_high, not o_high_in
    return False


def _value_set(expr: Expr) -> tuple[str, frozenset[Scalar]] | None:
    def key(value: Scalar) -> Scalar:
        return value.lower() if isinstance(value, str) else value

    if isinstance(expr, InList) and not expr.negated:
        return expr.field, frozenset(key(value) for value in expr.values)
    if isinstance(expr, Compare) and expr.op == "=":
        return expr.field, frozenset({key(expr.value)})
    return None


def implies(a: Expr, b: Expr) -> bool:
    """True only if every record on which ``a`` holds also satisfies ``b`` (False means "not shown")."""
    if b == Const(True) or a == Const(False) or a == b:
        return True
    if isinstance(a, Or):
        return all(implies(item, b) for item in a.items)
    if isinstance(b, And):
        return all(implies(a, item) for item in b.items)
    if isinstance(a, And) and any(implies(item, b) for item in a.items):
        return True
    if isinstance(b, Or) and any(implies(a, item) for item in b.items):
        return True
    a_set, b_set = _value_set(a), _value_set(b)
    if a_set and b_set and a_set[0] == b_set[0]:
        return a_set[1] <= b_set[1]
    a_range = _leaf_interval(a)
    if a_range is None:
        return False
    outers = [
        interval
        for field, interval in filter(
            None, (_leaf_interval(item) for item in (b.items if isinstance(b, Or) else (b,)))
        )
        if field == a_range[0]
    ]
    return _covered(a_range[1], outers)


def unreachable_tiers(tiers: Sequence[Tier]) -> list[tuple[Tier, list[Tier]]]:
    """Each tier that can never match, with the earlier tiers that take all of its accounts."""
    found: list[tuple[Tier, list[Tier]]] = []
    for position, tier in enumerate(tiers):
        earlier = list(tiers[:position])
        if not earlier:
            continue
        single = next((other for other in earlier if implies(tier.condition, other.condition)), None)
        if single is not None:
            found.append((tier, [single]))
        elif implies(tier.condition, Or(tuple(other.condition for other in earlier))):
            found.append((tier, earlier))
    return found
