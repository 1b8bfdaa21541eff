"""Point rules (ICP fit and contact persona): sum the points of the rules that fire, capped, as a range.

A rule whose condition is unknown (a field missing or only a range) may or may not fire once the data is
filled in, so the result is a range: ``low`` counts every unknown negative rule, ``high`` every unknown
positive one, both clamped to ``0..cap``. These bounds are sound (the true score lies inside once the
data is known) though not always tight, e.g. when two unknown rules exclude each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from scoring.evaluate import Condition
from scoring.expressions import Expr
from scoring.fields import Record, is_unknown


@dataclass(frozen=True, slots=True)
class PointRule:
    index: int  # position in the ruleset's array, for "fit.rule[2]"
    label: str  # the rule's name, or its condition text
    when: str  # the condition as written in the ruleset
    condition: Expr
    points: float
    test: Condition
    fields: frozenset[str]


class Tally(NamedTuple):  # a tuple: built once per account and contact on the hot path
    value: float  # points of the rules known to fire, clamped
    low: float  # lowest reachable once unknown conditions are decided
    high: float  # highest reachable
    fired: tuple[int, ...]  # indexes of the rules that fired
    unknown: tuple[int, ...]  # indexes of the rules whose condition is unknown

    @property
    def exact(self) -> bool:
        return self.low == self.high


class PointRules:
    """An ordered list of point rules with their cap, evaluated together."""

    def __init__(self, rules: Iterable[PointRule], cap: float) -> None:
        self.rules = tuple(rules)
        self.cap = cap
        self._plan = tuple((rule.test, rule.points, rule.index) for rule in self.rules)

    def tally(self, record: Record) -> Tally:
        """Evaluate every rule once on ``record``."""
        cap = self.cap
        sure = gain = loss = 0.0
        fired: list[int] = []
        unknown: list[int] = []
        for test, points, index in self._plan:
            outcome = test(record)
            if outcome:
                sure += points
                fired.append(index)
            elif outcome is None:
                unknown.append(index)
                if points > 0:
                    gain += points
                else:
                    loss += points
        value = 0.0 if sure < 0 else cap if sure > cap else sure
        if not unknown:
            return Tally(value, value, value, tuple(fired), ())
        return Tally(value, _clamp(sure + loss, cap), _clamp(sure + gain, cap), tuple(fired), tuple(unknown))


def _clamp(points: float, cap: float) -> float:
    return min(max(points, 0.0), cap)


@dataclass(frozen=True, slots=True)
class Swing:
    """A field whose value is unknown, and how many points deciding it could move the score."""

    field: str
    down: float  # sum of the unknown negative rules reading it (≤ 0)
    up: float  # sum of the unknown positive rules reading it (≥ 0)
    rules: tuple[int, ...]


def swings(rules: Sequence[PointRule], record: Record, unknown: Sequence[int]) -> list[Swing]:
    """For each unknown field read by an unknown rule: the points it could swing, largest first."""
    down: dict[str, float] = {}
    up: dict[str, float] = {}
    by_field: dict[str, list[int]] = {}
    for index in unknown:
        rule = rules[index]
        for name in sorted(rule.fields):
            if not is_unknown(record.get(name)):
                continue
            by_field.setdefault(name, []).append(index)
            target = up if rule.points > 0 else down
            target[name] = target.get(name, 0.0) + rule.points
    result = [
        Swing(name, down.get(name, 0.0), up.get(name, 0.0), tuple(idx)) for name, idx in by_field.items()
    ]
    return sorted(result, key=lambda swing: (-(swing.up - swing.down), swing.field))


@dataclass(frozen=True)
class Bands:
    """Named bands by lower threshold, e.g. red ≥ 0, yellow ≥ 50, green ≥ 80."""

    thresholds: tuple[tuple[str, float], ...]  # ascending by threshold

    UNDETERMINED = "undetermined"

    def band_of(self, value: float) -> str:
        name = self.thresholds[0][0]
        for band, threshold in self.thresholds:
            if value >= threshold:
                name = band
        return name

    def band_of_range(self, low: float, high: float) -> str:
        """The band if both ends agree, else ``"undetermined"``."""
        band = self.band_of(low)
        return band if low == high or band == self.band_of(high) else self.UNDETERMINED

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.thresholds)
