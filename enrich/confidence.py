"""Confidence from evidence, and the decision it leads to (DESIGN §5). Pure: data in, data out.

Never uses a model's self-reported confidence. For each candidate value of one field:

1. base by source kind: structured data on the company's own site (JSON-LD, microdata) > imprint and
   register data > free page text > an LLM value with a verified verbatim quote;
2. minus a penalty when the page is not on the company's own domain;
3. minus a penalty for how loosely the value is stated (exact < range < approx < at_least / at_most);
4. plus a bonus for each independent source that states a compatible value (capped);
5. times an age factor: the evidence halves in weight every ``half_life_days`` of the field;
6. disagreement: when two plausible values cannot both be true, every candidate loses a penalty and is
   held below the accept threshold, and the field goes to review ("conflicting values").

Then at most one value per field is accepted (confidence >= accept threshold); the runner-up values
that agree with it are ``superseded`` (kept as corroboration), weak ones ``rejected``, the rest wait for
a reviewer. The numbers and their calibration are documented in docs/confidence.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from enrich.extract.base import Finding, ValueRange
from enrich.extract.discovery import registrable_domain

Status = Literal["accepted", "pending_review", "rejected", "superseded"]


def _default_base() -> dict[str, float]:
    return {"jsonld": 0.92, "imprint": 0.90, "page_text": 0.75, "llm": 0.70}


def _default_qualifier_penalty() -> dict[str, float]:
    return {"exact": 0.0, "range": 0.05, "approx": 0.08, "at_least": 0.10, "at_most": 0.10}


def _default_half_lives() -> dict[str, float | None]:
    # Head counts change yearly; a city or country rarely; a founding year never.
    return {
        "employee_count": 730.0,
        "annual_revenue": 365.0,
        "managing_director": 730.0,
        "city": 3650.0,
        "country": 3650.0,
        "street_address": 1825.0,
        "postal_code": 1825.0,
        "founded_year": None,
        "legal_name": 3650.0,
        "commercial_register": None,
    }


@dataclass(frozen=True)
class ConfidencePolicy:
    """Every number the confidence rules use; docs/confidence.md explains and calibrates them."""

    source_base: Mapping[str, float] = field(default_factory=_default_base)
    qualifier_penalty: Mapping[str, float] = field(default_factory=_default_qualifier_penalty)
    off_domain_penalty: float = 0.20
    agreement_other_kind: float = 0.08  # per other source kind stating a compatible value
    agreement_same_kind: float = 0.05  # per other page of the same kind, in other words
    agreement_cap: float = 0.15
    conflict_penalty: float = 0.15
    review_floor: float = 0.30  # below this a candidate is rejected outright
    max_confidence: float = 0.99
    approx_tolerance: float = 0.10  # "about N" is compatible with values within ±10 %
    half_life_days: Mapping[str, float | None] = field(default_factory=_default_half_lives)
    default_half_life_days: float | None = 1825.0
    # Fields with several true values at once: each value is decided on its own, never a conflict.
    multi_valued_fields: frozenset[str] = frozenset({"managing_director", "industry_hint"})


DEFAULT_POLICY = ConfidencePolicy()


@dataclass(frozen=True)
class Decision:
    """The verdict on one finding: its computed confidence, status and the reason in words."""

    finding: Finding
    confidence: float
    status: Status
    reason: str


@dataclass(frozen=True)
class _Scored:
    finding: Finding
    confidence: float
    explanation: str


def _own_site(finding: Finding, own_domain: str | None) -> bool:
    if own_domain is None:
        return True  # the caller vouches that these pages come from the account's own site
    host = urlsplit(finding.source_url).hostname or ""
    return registrable_domain(host) == registrable_domain(own_domain)


def _interval(finding: Finding, tolerance: float) -> tuple[float, float] | None:
    """The numbers a finding allows; None for text values."""
    value = finding.value
    if isinstance(value, ValueRange):
        return (value.minimum, math.inf if value.maximum is None else value.maximum)
    if isinstance(value, str):
        return None
    if finding.qualifier == "approx":
        return (value * (1 - tolerance), value * (1 + tolerance))
    if finding.qualifier == "at_least":
        return (value, math.inf)
    if finding.qualifier == "at_most":
        return (-math.inf, value)
    return (value, value)


def _text_key(value: object) -> str:
    return " ".join(str(value).casefold().split())


def compatible(first: Finding, second: Finding, policy: ConfidencePolicy = DEFAULT_POLICY) -> bool:
    """True when both findings can be true at once ("over 1,000" and "1,200"; "Leeds" and "leeds")."""
    first_interval = _interval(first, policy.approx_tolerance)
    second_interval = _interval(second, policy.approx_tolerance)
    if first_interval is None or second_interval is None:
        return _text_key(first.value) == _text_key(second.value)
    return first_interval[0] <= second_interval[1] and second_interval[0] <= first_interval[1]


def _value_key(finding: Finding) -> str:
    return f"{finding.qualifier}:{_text_key(finding.value)}"


def _age_factor(finding: Finding, now: datetime, policy: ConfidencePolicy) -> tuple[float, float]:
    half_life = policy.half_life_days.get(finding.field, policy.default_half_life_days)
    age_days = max(0.0, (now - finding.fetched_at).total_seconds() / 86400)
    if half_life is None or age_days == 0:
        return 1.0, age_days
    return 0.5 ** (age_days / half_life), age_days


def _agreement(finding: Finding, others: Sequence[Finding], policy: ConfidencePolicy) -> tuple[float, str]:
    """Bonus from independent sources with a compatible value. The same words on several pages are one
    source (a footer or template repeats itself); another page of the same kind must say it differently."""
    other_kinds: set[str] = set()
    same_kind_pages: set[str] = set()
    own_quote = _text_key(finding.display_quote)
    for other in others:
        if other is finding or not compatible(finding, other, policy):
            continue
        if other.source_kind != finding.source_kind:
            other_kinds.add(other.source_kind)
        elif other.source_url != finding.source_url and _text_key(other.display_quote) != own_quote:
            same_kind_pages.add(other.source_url)
    bonus = len(other_kinds) * policy.agreement_other_kind + len(same_kind_pages) * policy.agreement_same_kind
    bonus = min(policy.agreement_cap, bonus)
    sources = sorted(other_kinds) + [f"{len(same_kind_pages)} other page(s)"] * bool(same_kind_pages)
    return bonus, (f"+{bonus:.2f} agreement ({', '.join(sources)})" if bonus else "")


def score(
    finding: Finding,
    others: Sequence[Finding],
    *,
    now: datetime,
    own_domain: str | None = None,
    policy: ConfidencePolicy = DEFAULT_POLICY,
) -> tuple[float, str]:
    """Confidence of ``finding`` among the other findings for its field, before any conflict, with the
    explanation of each term."""
    base = policy.source_base.get(finding.source_kind, 0.0)
    parts = [f"{finding.source_kind} {base:.2f}"]
    confidence = base
    if not _own_site(finding, own_domain):
        confidence -= policy.off_domain_penalty
        parts.append(f"-{policy.off_domain_penalty:.2f} not on own domain")
    qualifier_penalty = policy.qualifier_penalty.get(finding.qualifier, 0.0)
    if qualifier_penalty:
        confidence -= qualifier_penalty
        parts.append(f"-{qualifier_penalty:.2f} {finding.qualifier}")
    bonus, agreement = _agreement(finding, others, policy)
    confidence += bonus
    if agreement:
        parts.append(agreement)
    factor, age_days = _age_factor(finding, now, policy)
    confidence *= factor
    if factor < 1.0:
        parts.append(f"x{factor:.2f} age {age_days:.0f} d")
    return max(0.0, min(policy.max_confidence, confidence)), ", ".join(parts)


def _describe(finding: Finding) -> str:
    path = urlsplit(finding.source_url).path or "/"
    return f"{finding.value_text} ({finding.source_kind}, {path})"


def decide(
    findings_for_field: Sequence[Finding],
    accept_threshold: float,
    *,
    now: datetime,
    own_domain: str | None = None,
    policy: ConfidencePolicy = DEFAULT_POLICY,
) -> list[Decision]:
    """One decision per finding of ONE field; at most one ``accepted`` (except multi-valued fields).

    ``now`` ages the evidence; ``own_domain`` is the account's domain (None: all pages are its own).
    Promises: a field whose plausible candidates contradict each other has nothing accepted and its
    best candidate per value is ``pending_review`` with a reason starting "conflicting values".
    """
    if not findings_for_field:
        return []
    fields = {finding.field for finding in findings_for_field}
    if len(fields) != 1:
        raise ValueError(f"decide() takes the findings of one field, got {sorted(fields)}")
    if fields <= policy.multi_valued_fields:
        by_value: dict[str, list[Finding]] = {}
        for finding in findings_for_field:
            by_value.setdefault(_text_key(finding.value), []).append(finding)
        decisions = [
            _decide_single(group, accept_threshold, now=now, own_domain=own_domain, policy=policy)
            for group in by_value.values()
        ]
        return [decision for group in decisions for decision in group]
    return _decide_single(findings_for_field, accept_threshold, now=now, own_domain=own_domain, policy=policy)


def _decide_single(
    findings: Sequence[Finding],
    accept_threshold: float,
    *,
    now: datetime,
    own_domain: str | None,
    policy: ConfidencePolicy,
) -> list[Decision]:
    scored = [
        _Scored(finding, *score(finding, findings, now=now, own_domain=own_domain, policy=policy))
        for finding in findings
    ]
    # The strongest candidate first; ties go to the more precise statement, then to page order.
    order = sorted(
        scored,
        key=lambda item: (-item.confidence, policy.qualifier_penalty.get(item.finding.qualifier, 0.0)),
    )
    viable = [item for item in order if item.confidence >= policy.review_floor]
    conflicts = [
        (first, second)
        for index, first in enumerate(viable)
        for second in viable[index + 1 :]
        if not compatible(first.finding, second.finding, policy)
    ]
    if conflicts:
        return _conflicted(order, viable, accept_threshold, policy)
    decisions: list[Decision] = []
    chosen: _Scored | None = viable[0] if viable else None
    for item in order:
        if item.confidence < policy.review_floor:
            decisions.append(
                Decision(item.finding, item.confidence, "rejected", f"too weak: {item.explanation}")
            )
        elif item is chosen and item.confidence >= accept_threshold:
            decisions.append(Decision(item.finding, item.confidence, "accepted", item.explanation))
        elif item is chosen:
            reason = f"below accept threshold {accept_threshold:.2f}: {item.explanation}"
            decisions.append(Decision(item.finding, item.confidence, "pending_review", reason))
        else:
            assert chosen is not None
            reason = f"agrees with {_describe(chosen.finding)}: {item.explanation}"
            decisions.append(Decision(item.finding, item.confidence, "superseded", reason))
    return decisions


def _conflicted(
    order: Sequence[_Scored], viable: Sequence[_Scored], accept_threshold: float, policy: ConfidencePolicy
) -> list[Decision]:
    """Everything below the threshold; the best candidate of each distinct value waits for a reviewer."""
    values = sorted({_describe(item.finding) for item in viable})
    summary = "conflicting values: " + " vs ".join(values)
    ceiling = max(0.0, accept_threshold - 0.01)
    decisions: list[Decision] = []
    best_of_value: dict[str, _Scored] = {}
    for item in order:
        confidence = min(ceiling, max(0.0, item.confidence - policy.conflict_penalty))
        key = _value_key(item.finding)
        if item.confidence < policy.review_floor:
            decisions.append(Decision(item.finding, confidence, "rejected", f"too weak: {item.explanation}"))
        elif key not in best_of_value:
            best_of_value[key] = item
            decisions.append(
                Decision(item.finding, confidence, "pending_review", f"{summary}; {item.explanation}")
            )
        else:
            reason = f"same value as {_describe(best_of_value[key].finding)}; {summary}"
            decisions.append(Decision(item.finding, confidence, "superseded", reason))
    return decisions
