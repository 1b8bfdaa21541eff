"""Hand-off: a capacity-aware threshold per team, and assigning accounts to reps with free capacity.

A team's utilisation is its reps' open leads over their capacity. The hand-off threshold is
``base_threshold + adjustment(utilisation)``; by default ``+15`` when utilisation ≥ 0.9 (overloaded: only
the best leads get through), ``-15`` when ≤ 0.5 (idle: sellers get more), ``0`` between (or a linear
ramp between the two ends with ``interpolate = true``). A team with no capacity counts as overloaded.

Assignment is deterministic: accounts by priority (highest first, then lowest account id), each to the
eligible rep with the lowest utilisation (then most free slots, then name). A rep is eligible when the
account's priority reaches the rep's team threshold, the rep's tier and territory filters (if any)
accept the account, and the rep has a free slot. No rep is ever given more than its capacity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class HandoffPolicy:
    base_threshold: float = 70.0
    overloaded: float = 15.0
    normal: float = 0.0
    idle: float = -15.0
    overloaded_at: float = 0.9
    idle_at: float = 0.5
    interpolate: bool = False

    def adjustment(self, utilisation: float) -> float:
        """Points added to the base threshold at this utilisation (open leads / capacity)."""
        if utilisation >= self.overloaded_at:
            return self.overloaded
        if utilisation <= self.idle_at:
            return self.idle
        if self.interpolate:
            share = (utilisation - self.idle_at) / (self.overloaded_at - self.idle_at)
            return self.idle + share * (self.overloaded - self.idle)
        return self.normal


@dataclass(frozen=True)
class Rep:
    name: str
    team: str
    capacity: int
    open_leads: int
    territory: frozenset[str] | None = None  # country codes the rep covers; None: all
    tiers: frozenset[str] | None = None  # tiers the rep takes; None: all

    @property
    def free(self) -> int:
        return max(self.capacity - self.open_leads, 0)

    def accepts(self, tier: str | None, country: str | None) -> bool:
        return (self.tiers is None or tier in self.tiers) and (
            self.territory is None or country in self.territory
        )


def utilisation(open_leads: int, capacity: int) -> float:
    """Open leads over capacity; no capacity at all counts as infinitely busy."""
    return open_leads / capacity if capacity > 0 else math.inf


@dataclass(frozen=True)
class TeamThreshold:
    team: str
    capacity: int
    open_leads: int
    utilisation: float
    adjustment: float
    threshold: float


def team_thresholds(policy: HandoffPolicy, reps: Iterable[Rep]) -> dict[str, TeamThreshold]:
    """The hand-off threshold of every team, from the summed capacity and open leads of its reps."""
    totals: dict[str, tuple[int, int]] = {}
    for rep in reps:
        capacity, open_leads = totals.get(rep.team, (0, 0))
        totals[rep.team] = (capacity + rep.capacity, open_leads + rep.open_leads)
    result: dict[str, TeamThreshold] = {}
    for team, (capacity, open_leads) in sorted(totals.items()):
        busy = utilisation(open_leads, capacity)
        adjustment = policy.adjustment(busy)
        result[team] = TeamThreshold(
            team, capacity, open_leads, busy, adjustment, policy.base_threshold + adjustment
        )
    return result


@dataclass(frozen=True)
class Candidate:
    """A scored account that may be handed over."""

    account_id: int
    priority: float
    tier: str | None = None
    country: str | None = None
    contact_id: int | None = None  # the contact to call


@dataclass(frozen=True)
class Assignment:
    account_id: int
    rep: str
    team: str
    priority: float
    threshold: float
    contact_id: int | None


@dataclass(frozen=True)
class HandoffPlan:
    thresholds: dict[str, TeamThreshold]
    assignments: tuple[Assignment, ...]
    waiting: tuple[Candidate, ...]  # over some team's threshold, but no eligible rep had a free slot


def over_threshold(candidates: Iterable[Candidate], threshold: float) -> list[Candidate]:
    """Candidates whose priority reaches ``threshold``, highest priority first (ties: lowest id)."""
    chosen = [candidate for candidate in candidates if candidate.priority >= threshold]
    return sorted(chosen, key=lambda candidate: (-candidate.priority, candidate.account_id))


def plan_handoffs(policy: HandoffPolicy, reps: Sequence[Rep], candidates: Iterable[Candidate]) -> HandoffPlan:
    """Assign each account over its team's threshold to a rep with room. Pure and deterministic."""
    thresholds = team_thresholds(policy, reps)
    if not thresholds:
        return HandoffPlan(thresholds, (), ())
    lowest = min(team.threshold for team in thresholds.values())
    load = {rep.name: rep.open_leads for rep in reps}
    assignments: list[Assignment] = []
    waiting: list[Candidate] = []
    for candidate in over_threshold(candidates, lowest):
        eligible = [
            rep
            for rep in reps
            if load[rep.name] < rep.capacity
            and candidate.priority >= thresholds[rep.team].threshold
            and rep.accepts(candidate.tier, candidate.country)
        ]
        if not eligible:
            waiting.append(candidate)
            continue
        rep = min(
            eligible,
            key=lambda rep: (
                utilisation(load[rep.name], rep.capacity),
                load[rep.name] - rep.capacity,
                rep.name,
            ),
        )
        load[rep.name] += 1
        assignments.append(
            Assignment(
                candidate.account_id,
                rep.name,
                rep.team,
                candidate.priority,
                thresholds[rep.team].threshold,
                candidate.contact_id,
            )
        )
    return HandoffPlan(thresholds, tuple(assignments), tuple(waiting))
