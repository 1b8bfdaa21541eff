"""The buyer journey: designed forward in the ruleset, checked against the data, measured backward.

Forward: ``[engagement]`` lists the phases in order and maps every asset, CTA and form to one of them.
:func:`check_journey` holds that design against the activities actually recorded: which assets no pattern
maps, which phases no pattern feeds, which patterns never matched anything.

Backward: :func:`phase_funnel` counts, per phase, the accounts (or contacts) whose furthest phase it is
and what share of them became opportunities and was won. "Furthest phase reached" here ignores decay
(:func:`furthest_phase_reached`): the funnel asks how far a journey went before the decision, not how
warm the lead still is today, which is what the decayed phase of a score says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scoring.engagement import Activity, EngagementPolicy

NO_PHASE = "(no phase)"


@dataclass(frozen=True)
class AssetUsage:
    """How often one asset id was recorded with one activity kind."""

    kind: str
    asset: str
    count: int


@dataclass(frozen=True)
class MappedAsset:
    kind: str
    asset: str
    count: int
    pattern: str
    phase: str | None  # None: points without a journey step (e.g. unsubscribe)


@dataclass(frozen=True)
class JourneyCheck:
    phases: tuple[str, ...]
    mapped: tuple[MappedAsset, ...]
    unmapped: tuple[AssetUsage, ...]  # most frequent first
    empty_phases: tuple[str, ...]  # phases that no asset pattern maps to
    unseen_phases: tuple[str, ...]  # phases with patterns that no recorded activity reached
    unused_patterns: tuple[str, ...]  # patterns that matched no recorded activity

    @property
    def all_mapped(self) -> bool:
        return not self.unmapped

    @property
    def unmapped_activities(self) -> int:
        return sum(usage.count for usage in self.unmapped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phases": list(self.phases),
            "all_mapped": self.all_mapped,
            "mapped": [
                {
                    "kind": asset.kind,
                    "asset": asset.asset,
                    "count": asset.count,
                    "pattern": asset.pattern,
                    "phase": asset.phase,
                }
                for asset in self.mapped
            ],
            "unmapped": [
                {"kind": usage.kind, "asset": usage.asset, "count": usage.count} for usage in self.unmapped
            ],
            "unmapped_activities": self.unmapped_activities,
            "empty_phases": list(self.empty_phases),
            "unseen_phases": list(self.unseen_phases),
            "unused_patterns": list(self.unused_patterns),
        }


def check_journey(policy: EngagementPolicy, usage: Iterable[AssetUsage]) -> JourneyCheck:
    """Map every recorded (kind, asset) through the ruleset's patterns, first match wins as in scoring."""
    mapped: list[MappedAsset] = []
    unmapped: list[AssetUsage] = []
    for item in usage:
        rule = policy.rule_for(item.asset, item.kind)
        if rule is None:
            unmapped.append(item)
        else:
            mapped.append(MappedAsset(item.kind, item.asset, item.count, rule.pattern, rule.phase))
    declared = {rule.phase for rule in policy.assets if rule.phase is not None}
    seen_phases = {asset.phase for asset in mapped}
    seen_patterns = {asset.pattern for asset in mapped}
    return JourneyCheck(
        phases=policy.phases,
        mapped=tuple(sorted(mapped, key=lambda asset: (-asset.count, asset.asset, asset.kind))),
        unmapped=tuple(sorted(unmapped, key=lambda usage: (-usage.count, usage.asset, usage.kind))),
        empty_phases=tuple(phase for phase in policy.phases if phase not in declared),
        unseen_phases=tuple(
            phase for phase in policy.phases if phase in declared and phase not in seen_phases
        ),
        unused_patterns=tuple(rule.pattern for rule in policy.assets if rule.pattern not in seen_patterns),
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def furthest_phase_reached(
    policy: EngagementPolicy, activities: Iterable[Activity], as_of: datetime
) -> str | None:
    """The furthest phase whose undecayed positive points, from activities at or before ``as_of``, reach
    ``phase_min_points``; None when no phase was reached."""
    limit = _utc(as_of)
    points: dict[str, float] = dict.fromkeys(policy.phases, 0.0)
    for activity in activities:
        if _utc(activity.occurred_at) > limit:
            continue
        rule = policy.rule_for(activity.asset, activity.kind)
        if rule is not None and rule.phase is not None and rule.points > 0:
            points[rule.phase] = points.get(rule.phase, 0.0) + rule.points
    reached = [
        phase for phase in policy.phases if points[phase] >= policy.phase_min_points and points[phase] > 0
    ]
    return reached[-1] if reached else None


@dataclass(frozen=True)
class JourneyOutcome:
    """One account's or contact's furthest phase and what came of it (None: no opportunity recorded)."""

    phase: str | None
    won: bool | None


@dataclass(frozen=True)
class FunnelStep:
    phase: str  # a phase name, or NO_PHASE
    stopped_here: int  # entities whose furthest phase this is
    reached: int  # entities whose furthest phase is this one or a later one
    opportunities: int  # of those that stopped here, how many have an outcome recorded
    won: int

    @property
    def opportunity_rate(self) -> float | None:
        return self.opportunities / self.stopped_here if self.stopped_here else None

    @property
    def won_rate(self) -> float | None:
        return self.won / self.stopped_here if self.stopped_here else None

    @property
    def win_rate(self) -> float | None:
        """Won share among the opportunities."""
        return self.won / self.opportunities if self.opportunities else None


@dataclass(frozen=True)
class Funnel:
    entity: str  # "accounts" or "contacts"
    total: int
    steps: tuple[FunnelStep, ...]  # NO_PHASE first, then the phases in journey order

    def step(self, phase: str) -> FunnelStep:
        return next(step for step in self.steps if step.phase == phase)

    def to_dict(self) -> dict[str, Any]:
        def rate(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "entity": self.entity,
            "total": self.total,
            "phases": [
                {
                    "phase": step.phase,
                    "furthest": step.stopped_here,
                    "reached": step.reached,
                    "opportunities": step.opportunities,
                    "won": step.won,
                    "opportunity_rate": rate(step.opportunity_rate),
                    "won_rate": rate(step.won_rate),
                    "win_rate": rate(step.win_rate),
                }
                for step in self.steps
            ],
        }


def phase_funnel(policy: EngagementPolicy, entity: str, outcomes: Iterable[JourneyOutcome]) -> Funnel:
    """Count entities by furthest phase, with the share that became opportunities and was won."""
    names = (NO_PHASE, *policy.phases)
    stopped: Counter[str] = Counter()
    opportunities: Counter[str] = Counter()
    won: Counter[str] = Counter()
    for item in outcomes:
        phase = item.phase if item.phase in policy.phases else NO_PHASE
        stopped[phase] += 1
        if item.won is not None:
            opportunities[phase] += 1
            won[phase] += item.won
    total = sum(stopped.values())
    steps = []
    beyond = total
    for name in names:
        steps.append(FunnelStep(name, stopped[name], beyond, opportunities[name], won[name]))
        beyond -= stopped[name]
    return Funnel(entity, total, tuple(steps))
