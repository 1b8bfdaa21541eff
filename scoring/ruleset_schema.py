"""The shape of a ruleset file (pydantic, strict: ``points = "ten"`` is an error, not a coercion).

Only structure and single-value checks live here; conditions, phases, tiers and bands are checked
against each other in :mod:`scoring.ruleset`. Defaults are the documented ones (docs/scoring.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class MetaSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    version: int | str
    description: str = ""


class PointRuleSpec(_Strict):
    when: str
    points: float
    name: str | None = None


class FitSpec(_Strict):
    cap: float = Field(default=100.0, gt=0)
    bands: dict[str, float] = Field(default_factory=lambda: {"red": 0.0, "yellow": 50.0, "green": 80.0})
    rule: list[PointRuleSpec] = Field(default_factory=list)


class TierSpec(_Strict):
    when: str
    weight: float = Field(default=1.0, gt=0)


class PersonaSpec(_Strict):
    cap: float = Field(default=100.0, gt=0)
    rule: list[PointRuleSpec] = Field(default_factory=list)


class AssetSpec(_Strict):
    points: float
    phase: str | None = None
    kind: str | list[str] | None = None


class EngagementSpec(_Strict):
    half_life_days: float = Field(default=30.0, gt=0)
    cap: float = Field(default=100.0, gt=0)
    phases: list[str] = Field(
        default_factory=lambda: ["awareness", "consideration", "evaluation", "purchase_intent"], min_length=1
    )
    phase_caps: dict[str, float] = Field(default_factory=dict)
    phase_min_points: float = Field(default=1.0, ge=0)
    rollup: Literal["max", "sum_top_k"] = "max"
    top_k: int = Field(default=3, ge=1)
    account_cap: float | None = Field(default=None, gt=0)
    assets: dict[str, AssetSpec] = Field(default_factory=dict)


class PrioritySpec(_Strict):
    fit_weight: float = Field(default=0.6, ge=0)
    engagement_weight: float = Field(default=0.4, ge=0)
    uncertain_fit: Literal["min", "midpoint"] = "min"


class CapacityAdjustmentSpec(_Strict):
    overloaded: float = 15.0
    normal: float = 0.0
    idle: float = -15.0


class HandoffSpec(_Strict):
    base_threshold: float = 70.0
    capacity: CapacityAdjustmentSpec = Field(default_factory=CapacityAdjustmentSpec)
    overloaded_at: float = Field(default=0.9, ge=0)
    idle_at: float = Field(default=0.5, ge=0)
    interpolate: bool = False


class RulesetSpec(_Strict):
    ruleset: MetaSpec
    fields: dict[str, Literal["string", "integer", "number", "boolean"]] = Field(default_factory=dict)
    fit: FitSpec = Field(default_factory=FitSpec)
    tier: dict[str, TierSpec] = Field(default_factory=dict)
    persona: PersonaSpec = Field(default_factory=PersonaSpec)
    engagement: EngagementSpec = Field(default_factory=EngagementSpec)
    priority: PrioritySpec = Field(default_factory=PrioritySpec)
    handoff: HandoffSpec = Field(default_factory=HandoffSpec)
