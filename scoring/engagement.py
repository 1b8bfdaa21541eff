"""Pillar 3, engagement: activities matched to assets by glob pattern, decayed by age, capped, rolled up.

Each activity is matched against the ruleset's asset patterns in file order (first match wins; a pattern
may also require an activity kind). Its points decay with a half-life relative to an explicit ``as_of``:
``decayed = points × 0.5 ** (age_days / half_life_days)``. Activities after ``as_of`` are ignored, so a
backtest at an earlier date never sees the future. Per entity, the points of each phase are capped,
summed with the phase-less points (e.g. a negative unsubscribe), and clamped to ``0..cap``. The furthest
phase is the latest phase whose decayed positive points reach ``phase_min_points``, so a two-year-old
pricing-page visit no longer makes an account "evaluation". An account's engagement rolls up from its
contacts (``max``, or ``sum_top_k``) plus its own account-level activities, clamped to ``0..account_cap``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str
    asset: str
    occurred_at: datetime  # UTC; a naive datetime is read as UTC
    contact_id: int | None = None


@dataclass(frozen=True, slots=True)
class AssetRule:
    index: int
    pattern: str
    regex: re.Pattern[str]
    kinds: frozenset[str] | None  # None: any kind
    phase: str | None  # None: points without advancing the journey (e.g. unsubscribe)
    points: float


_CACHE_LIMIT = 100_000
_LN2 = math.log(2)
_DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class EngagementPolicy:
    phases: tuple[str, ...]
    assets: tuple[AssetRule, ...]
    half_life_days: float
    cap: float
    phase_caps: Mapping[str, float]
    phase_min_points: float
    rollup: str  # "max" or "sum_top_k"
    top_k: int
    account_cap: float
    # (asset, kind) → rule; asset ids repeat a lot, so each is matched against the patterns only once
    _matches: dict[tuple[str, str], AssetRule | None] = field(default_factory=dict, compare=False, repr=False)

    def rule_for(self, asset: str, kind: str) -> AssetRule | None:
        """The first asset rule matching this asset id and activity kind, or None when unmapped."""
        key = (asset, kind)
        try:
            return self._matches[key]
        except KeyError:
            pass
        found = next(
            (
                rule
                for rule in self.assets
                if (rule.kinds is None or kind in rule.kinds) and rule.regex.fullmatch(asset)
            ),
            None,
        )
        if len(self._matches) < _CACHE_LIMIT:
            self._matches[key] = found
        return found


# One matched activity and its points after decay. A plain tuple: built once per activity on the hot path.
ScoredEvent = tuple[Activity, AssetRule, float]


@dataclass(frozen=True)
class EngagementResult:
    engagement: float  # clamped to 0..cap
    raw: float  # phase-capped sum before clamping (may be negative)
    phase: str | None  # furthest phase reached, None when none
    phase_points: Mapping[str, float]  # decayed points per phase, before the phase cap
    events: tuple[ScoredEvent, ...]
    unmapped: Mapping[str, int]  # asset id → count of activities no pattern matched
    ignored_future: int = 0


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def decay_factor(age_days: float, half_life_days: float) -> float:
    """``0.5 ** (age / half_life)``: 1 at age 0, ½ at one half-life, never negative; age < 0 counts as 0."""
    return math.exp(-_LN2 * max(age_days, 0.0) / half_life_days)


def score_activities(
    policy: EngagementPolicy, activities: Sequence[Activity], as_of: datetime, *, cap: float | None = None
) -> EngagementResult:
    """Engagement of one contact (or of an account's own activities) as of ``as_of``."""
    now = _epoch(as_of)
    per_second = _LN2 / (policy.half_life_days * _DAY_SECONDS)  # decay_factor's formula, in seconds
    exp = math.exp
    rule_for = policy.rule_for
    phase_points: dict[str, float] = {}
    positive: dict[str, float] = {}
    unphased = 0.0
    events: list[ScoredEvent] = []
    unmapped: dict[str, int] = {}
    future = 0
    for activity in activities:
        rule = rule_for(activity.asset, activity.kind)
        if rule is None:
            unmapped[activity.asset] = unmapped.get(activity.asset, 0) + 1
            continue
        occurred = activity.occurred_at
        age = now - (occurred if occurred.tzinfo is not None else occurred.replace(tzinfo=UTC)).timestamp()
        if age < 0:
            future += 1
            continue
        decayed = rule.points * exp(-age * per_second)
        events.append((activity, rule, decayed))
        phase = rule.phase
        if phase is None:
            unphased += decayed
        else:
            phase_points[phase] = phase_points.get(phase, 0.0) + decayed
            if decayed > 0:
                positive[phase] = positive.get(phase, 0.0) + decayed
    raw = unphased
    for phase, points in phase_points.items():
        raw += min(points, policy.phase_caps.get(phase, math.inf))
    reached = None
    for phase in policy.phases:
        if positive.get(phase, 0.0) >= policy.phase_min_points:
            reached = phase
    limit = policy.cap if cap is None else cap
    return EngagementResult(
        min(max(raw, 0.0), limit), raw, reached, phase_points, tuple(events), unmapped, future
    )


def furthest_phase(policy: EngagementPolicy, phases: Sequence[str | None]) -> str | None:
    """The phase furthest along the journey among ``phases`` (None entries ignored)."""
    order = {name: position for position, name in enumerate(policy.phases)}
    known = [phase for phase in phases if phase is not None]
    return max(known, key=order.__getitem__) if known else None


@dataclass(frozen=True)
class AccountEngagement:
    engagement: float
    phase: str | None
    from_contacts: float  # the rolled-up contact part (max or sum of the top k)
    from_account: float  # the account-level activities' part (may be negative)
    counted_contacts: tuple[int, ...]  # contacts whose engagement entered the roll-up
    unmapped: Mapping[str, int]
    ignored_future: int


def roll_up(
    policy: EngagementPolicy,
    contacts: Sequence[tuple[int, EngagementResult]],
    account_level: EngagementResult,
) -> AccountEngagement:
    """Combine the contacts' engagement (``max`` or ``sum_top_k``) with the account's own activities."""
    ranked = sorted(contacts, key=lambda item: (-item[1].engagement, item[0]))
    counted = ranked[:1] if policy.rollup == "max" else ranked[: policy.top_k]
    from_contacts = sum(result.engagement for _, result in counted)
    unmapped = dict(account_level.unmapped)
    for _, result in contacts:
        for asset, count in result.unmapped.items():
            unmapped[asset] = unmapped.get(asset, 0) + count
    return AccountEngagement(
        min(max(from_contacts + account_level.raw, 0.0), policy.account_cap),
        furthest_phase(policy, [account_level.phase, *(result.phase for _, result in contacts)]),
        from_contacts,
        account_level.raw,
        tuple(contact_id for contact_id, result in counted if result.engagement > 0),
        unmapped,
        account_level.ignored_future + sum(result.ignored_future for _, result in contacts),
    )
