"""Loading a ruleset: TOML text → checked, compiled :class:`Ruleset`, or a RulesetError naming file:line.

Three passes, each collecting every problem it finds: TOML decoding, structure (pydantic, strict), then
meaning: conditions parse and type-check against the field catalogue, bands and phases are consistent,
no tier is unreachable. Conditions are compiled once here. The ruleset's identity is ``name@version``
plus the sha256 of the canonical file text; both travel with every score.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring.documents import Document, canonical_text, parse_toml, validate
from scoring.engagement import AssetRule, EngagementPolicy
from scoring.errors import ExpressionError, RulesetError
from scoring.evaluate import compile_condition, pattern_regex
from scoring.expressions import KEYWORDS, Expr, fields_of, parse
from scoring.fields import ACCOUNT_FIELDS, CONTACT_CATALOGUE, Catalogue, FieldType, account_catalogue
from scoring.handoff import HandoffPolicy
from scoring.points import Bands, PointRule, PointRules
from scoring.ruleset_schema import EngagementSpec, PointRuleSpec, RulesetSpec
from scoring.tiers import Tier, TierRules, unreachable_tiers
from scoring.toml_lines import KeyPath
from scoring.typecheck import check


@dataclass(frozen=True)
class RulesetRef:
    name: str
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class PriorityWeights:
    fit_weight: float
    engagement_weight: float
    uncertain_fit: str  # "min" or "midpoint": which point of an uncertain fit range enters priority


@dataclass(frozen=True)
class Ruleset:
    ref: RulesetRef
    source: str
    description: str
    custom_fields: Mapping[str, FieldType]
    bands: Bands
    fit_rules: PointRules  # capped to 0..fit.cap
    tiers: TierRules
    persona_rules: PointRules  # capped to 0..persona.cap
    engagement: EngagementPolicy
    priority: PriorityWeights
    handoff: HandoffPolicy


def ruleset_sha256(data: bytes | str) -> str:
    """sha256 of the canonical file text (UTF-8, no BOM, ``\\n`` line ends)."""
    return hashlib.sha256(canonical_text(data).encode("utf-8")).hexdigest()


class _Compiler:
    def __init__(self, document: Document, catalogue: Catalogue) -> None:
        self.document = document
        self.catalogue = catalogue
        self.integer_fields = frozenset(
            name for name, spec in catalogue.fields.items() if spec.type is FieldType.INTEGER
        )

    def condition(self, text: str, path: KeyPath, catalogue: Catalogue | None = None) -> Expr | None:
        try:
            expr = parse(text)
        except ExpressionError as exc:
            where = f" at character {exc.position + 1}" if exc.position is not None else ""
            self.document.add(path, f"syntax error{where} in {text!r}: {exc.reason}")
            return None
        try:
            check(expr, catalogue or self.catalogue)
        except ExpressionError as exc:
            self.document.add(path, exc.reason)
            return None
        return expr

    def point_rules(
        self, specs: Sequence[PointRuleSpec], section: str, catalogue: Catalogue
    ) -> list[PointRule]:
        rules: list[PointRule] = []
        for index, spec in enumerate(specs):
            path: KeyPath = (section, "rule", index)
            if not math.isfinite(spec.points):
                self.document.add((*path, "points"), f"must be a finite number, got {spec.points}")
            expr = self.condition(spec.when, (*path, "when"), catalogue)
            if expr is not None:
                rules.append(
                    PointRule(
                        index,
                        spec.name or spec.when.strip(),
                        spec.when.strip(),
                        expr,
                        spec.points,
                        compile_condition(expr, self.integer_fields),
                        fields_of(expr),
                    )
                )
        return rules


def _custom_fields(document: Document, spec: RulesetSpec) -> dict[str, FieldType]:
    custom: dict[str, FieldType] = {}
    for name, type_name in spec.fields.items():
        if (
            name in ACCOUNT_FIELDS
            or name.lower() in KEYWORDS
            or not name.isidentifier()
            or name != name.lower()
        ):
            document.add(
                ("fields", name),
                f"'{name}' cannot be a custom field: use a lowercase name, not a built-in field or keyword",
            )
            continue
        custom[name] = FieldType(type_name)
    return custom


def _bands(document: Document, spec: RulesetSpec) -> Bands:
    ordered = tuple(sorted(spec.fit.bands.items(), key=lambda item: item[1]))
    if not ordered:
        document.add(
            ("fit", "bands"), "at least one band is needed, e.g. { red = 0, yellow = 50, green = 80 }"
        )
        return Bands((("all", 0.0),))
    if ordered[0][1] > 0:
        document.add(
            ("fit", "bands"), f"the lowest band '{ordered[0][0]}' must start at 0 so every fit has a band"
        )
    thresholds = [threshold for _, threshold in ordered]
    if len(set(thresholds)) != len(thresholds):
        document.add(("fit", "bands"), "two bands start at the same threshold")
    for name, threshold in ordered:
        if threshold > spec.fit.cap:
            document.add(
                ("fit", "bands", name),
                f"band '{name}' starts at {threshold}, above the fit cap {spec.fit.cap}",
            )
        if name == Bands.UNDETERMINED:
            document.add(("fit", "bands", name), f"'{name}' is reserved for fit ranges that span bands")
    return Bands(ordered)


def _tiers(document: Document, spec: RulesetSpec, compiler: _Compiler) -> TierRules:
    tiers: list[Tier] = []
    for index, (name, tier_spec) in enumerate(spec.tier.items()):
        expr = compiler.condition(tier_spec.when, ("tier", name, "when"))
        if expr is not None:
            test = compile_condition(expr, compiler.integer_fields)
            tiers.append(
                Tier(index, name, tier_spec.when.strip(), expr, tier_spec.weight, test, fields_of(expr))
            )
    if len(tiers) == len(spec.tier):  # reachability only means something when every tier compiled
        for tier, covering in unreachable_tiers(tiers):
            names = ", ".join(f"'{other.name}'" for other in covering)
            document.add(
                ("tier", tier.name, "when"),
                f"tier '{tier.name}' can never match: every account it matches is already taken by "
                f"tier{'s' if len(covering) > 1 else ''} {names} above it (first match wins; "
                "put narrower tiers first)",
            )
    return TierRules(tiers)


def _phase_reason(phase: str, phases: Sequence[str]) -> str:
    close = difflib.get_close_matches(phase, phases, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"phases: {', '.join(phases)}"
    return f"unknown phase '{phase}' ({hint})"


def _engagement(document: Document, spec: EngagementSpec) -> EngagementPolicy:
    phases = tuple(spec.phases)
    if len(set(phases)) != len(phases):
        document.add(("engagement", "phases"), "a phase is listed twice")
    for phase in spec.phase_caps:
        if phase not in phases:
            document.add(("engagement", "phase_caps", phase), _phase_reason(phase, phases))
    rules: list[AssetRule] = []
    for index, (pattern, asset) in enumerate(spec.assets.items()):
        path: KeyPath = ("engagement", "assets", pattern)
        if asset.phase is not None and asset.phase not in phases:
            document.add((*path, "phase"), _phase_reason(asset.phase, phases))
        if asset.phase is None and asset.points > 0:
            document.add(
                (*path, "phase"), "positive points need a journey phase (only ≤ 0 points may omit it)"
            )
        if not math.isfinite(asset.points):
            document.add((*path, "points"), f"must be a finite number, got {asset.points}")
        kinds = [asset.kind] if isinstance(asset.kind, str) else asset.kind
        if kinds is not None and not kinds:
            document.add((*path, "kind"), "an empty list matches no activity; leave 'kind' out to match any")
        regex = pattern_regex(pattern, "glob")
        rules.append(
            AssetRule(
                index, pattern, regex, None if kinds is None else frozenset(kinds), asset.phase, asset.points
            )
        )
    return EngagementPolicy(
        phases=phases,
        assets=tuple(rules),
        half_life_days=spec.half_life_days,
        cap=spec.cap,
        phase_caps=dict(spec.phase_caps),
        phase_min_points=spec.phase_min_points,
        rollup=spec.rollup,
        top_k=spec.top_k,
        account_cap=spec.account_cap if spec.account_cap is not None else spec.cap,
    )


def _handoff(document: Document, spec: RulesetSpec) -> HandoffPolicy:
    handoff = spec.handoff
    if handoff.idle_at >= handoff.overloaded_at:
        document.add(("handoff", "idle_at"), f"must be below overloaded_at ({handoff.overloaded_at})")
    return HandoffPolicy(
        base_threshold=handoff.base_threshold,
        overloaded=handoff.capacity.overloaded,
        normal=handoff.capacity.normal,
        idle=handoff.capacity.idle,
        overloaded_at=handoff.overloaded_at,
        idle_at=handoff.idle_at,
        interpolate=handoff.interpolate,
    )


def load_ruleset(data: bytes | str, source: str = "<ruleset>") -> Ruleset:
    """Parse, check and compile a ruleset. Raises :class:`RulesetError` listing each problem with its line."""
    text = canonical_text(data)
    document = parse_toml(text, source, RulesetError)
    spec: RulesetSpec | None = validate(document, RulesetSpec)
    document.raise_if_problems(RulesetError)
    assert spec is not None  # validate() returns None only when it added problems
    custom = _custom_fields(document, spec)
    compiler = _Compiler(document, account_catalogue(custom))
    fit_rules = compiler.point_rules(spec.fit.rule, "fit", compiler.catalogue)
    persona_rules = compiler.point_rules(spec.persona.rule, "persona", CONTACT_CATALOGUE)
    ruleset = Ruleset(
        ref=RulesetRef(spec.ruleset.name, str(spec.ruleset.version), ruleset_sha256(text)),
        source=source,
        description=spec.ruleset.description,
        custom_fields=custom,
        bands=_bands(document, spec),
        fit_rules=PointRules(fit_rules, spec.fit.cap),
        tiers=_tiers(document, spec, compiler),
        persona_rules=PointRules(persona_rules, spec.persona.cap),
        engagement=_engagement(document, spec.engagement),
        priority=PriorityWeights(
            spec.priority.fit_weight, spec.priority.engagement_weight, spec.priority.uncertain_fit
        ),
        handoff=_handoff(document, spec),
    )
    if spec.priority.fit_weight == 0 and spec.priority.engagement_weight == 0:
        document.add(("priority",), "fit_weight and engagement_weight cannot both be 0")
    document.raise_if_problems(RulesetError)
    return ruleset
