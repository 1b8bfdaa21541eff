"""The Score: the numbers of the three pillars and the explanation of each point; JSON via ``to_dict()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring.ruleset import RulesetRef

EVENTS_SHOWN = 50  # to_dict lists the events with the most decayed points; the count says how many in all


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class RuleLine:
    """A point rule that fired, or whose condition is unknown (it may fire once the data is known)."""

    path: str  # "fit.rule[2]"
    label: str
    condition: str
    points: float
    outcome: str  # "fired" | "unknown"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.path,
            "label": self.label,
            "when": self.condition,
            "points": self.points,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class MissingField:
    """A field whose value is unknown (missing or only a range) and what deciding it could change."""

    field: str
    down: float  # fit points it could take away
    up: float  # fit points it could add
    affects: tuple[str, ...]  # of "band", "tier", "handoff": decisions it could change

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "down": _num(self.down),
            "up": _num(self.up),
            "affects": list(self.affects),
        }


@dataclass(frozen=True)
class TierDecision:
    tier: str | None
    weight: float
    weight_max: float
    candidates: tuple[str | None, ...]
    matched_condition: str | None
    unknown: tuple[str, ...]  # tiers ahead of the match whose condition is unknown

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "weight": self.weight,
            "weight_max": self.weight_max,
            "candidates": list(self.candidates),
            "matched_when": self.matched_condition,
            "unknown": list(self.unknown),
            "certain": len(self.candidates) == 1,
        }


@dataclass(frozen=True)
class EventLine:
    contact_id: int | None
    kind: str
    asset: str
    occurred_at: datetime
    pattern: str
    phase: str | None
    points: float
    decayed_points: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "kind": self.kind,
            "asset": self.asset,
            "occurred_at": self.occurred_at.isoformat(),
            "pattern": self.pattern,
            "phase": self.phase,
            "points": self.points,
            "decayed_points": _num(self.decayed_points),
        }


@dataclass(frozen=True)
class ContactLine:
    contact_id: int
    label: str
    persona: float
    persona_min: float
    persona_max: float
    engagement: float
    phase: str | None
    persona_rules: tuple[RuleLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "label": self.label,
            "persona": _num(self.persona),
            "persona_min": _num(self.persona_min),
            "persona_max": _num(self.persona_max),
            "engagement": _num(self.engagement),
            "phase": self.phase,
            "persona_rules": [rule.to_dict() for rule in self.persona_rules],
        }


@dataclass(frozen=True)
class Explanation:
    fit_rules: tuple[RuleLine, ...]
    missing: tuple[MissingField, ...]
    tier: TierDecision
    engagement_from_contacts: float
    engagement_from_account: float
    counted_contacts: tuple[int, ...]
    events: tuple[EventLine, ...]  # every scored event, most decayed points (by size) first
    unmapped_assets: Mapping[str, int]
    ignored_future: int
    contacts: tuple[ContactLine, ...]  # in call order
    most_engaged_contact_id: int | None
    priority_formula: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "fit_rules": [rule.to_dict() for rule in self.fit_rules],
            "missing_fields": [field.to_dict() for field in self.missing],
            "tier": self.tier.to_dict(),
            "engagement": {
                "from_contacts": _num(self.engagement_from_contacts),
                "from_account": _num(self.engagement_from_account),
                "counted_contacts": list(self.counted_contacts),
                "events": [event.to_dict() for event in self.events[:EVENTS_SHOWN]],
                "events_total": len(self.events),
                "unmapped_assets": dict(sorted(self.unmapped_assets.items())),
                "ignored_future": self.ignored_future,
            },
            "contacts": [contact.to_dict() for contact in self.contacts],
            "most_engaged_contact_id": self.most_engaged_contact_id,
            "priority": self.priority_formula,
        }


@dataclass(frozen=True)
class Score:
    ruleset: RulesetRef
    as_of: datetime
    account_id: int | None
    fit: float  # points of the rules known to fire, capped
    fit_min: float
    fit_max: float
    band: str  # a band name, or "undetermined" when the fit range spans bands
    tier: str | None  # None when uncertain (see explanation.tier.candidates) or when no tier matches
    tier_weight: float
    engagement: float
    phase: str | None
    priority: float
    priority_max: float  # the highest priority reachable once unknown fields are filled
    best_contact_id: int | None
    explanation: Explanation

    @property
    def fit_is_exact(self) -> bool:
        return self.fit_min == self.fit_max

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": {
                "name": self.ruleset.name,
                "version": self.ruleset.version,
                "sha256": self.ruleset.sha256,
            },
            "as_of": self.as_of.isoformat(),
            "account_id": self.account_id,
            "fit": _num(self.fit),
            "fit_min": _num(self.fit_min),
            "fit_max": _num(self.fit_max),
            "band": self.band,
            "tier": self.tier,
            "tier_weight": self.tier_weight,
            "engagement": _num(self.engagement),
            "phase": self.phase,
            "priority": _num(self.priority),
            "priority_max": _num(self.priority_max),
            "best_contact_id": self.best_contact_id,
            "explanation": self.explanation.to_dict(),
        }
