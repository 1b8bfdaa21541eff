"""From a decision on a finding to the store's ``Candidate`` (``enrich.store.values``) and its status.

Kept apart from the extractors so that they stay free of the store. Value forms follow the data contract:
a lower bound ("over 1,200 employees") of a field with a range column is stored as the open range
``{"min": 1200, "max": None}`` (column ``employee_count_range`` = "1200+", ``employee_count`` NULL), never
as the exact count 1200; ranges as ``{"min": .., "max": ..}``; everything else as it is.
"""

from __future__ import annotations

from enrich.confidence import Decision
from enrich.extract.base import Finding, ValueRange
from enrich.store.values import RANGE_FIELDS, Candidate, JsonValue


def stored_value(finding: Finding) -> JsonValue:
    """The JSON form of a finding's value for ``field_value.value``."""
    value = finding.value
    if isinstance(value, ValueRange):
        return value.to_json()
    if isinstance(value, int) and finding.qualifier == "at_least" and finding.field in RANGE_FIELDS:
        return ValueRange(value, None).to_json()
    return value


def candidate_from(decision: Decision) -> tuple[Candidate, str]:
    """The candidate to record and the status to ask for (``record_value(..., status=...)``)."""
    finding = decision.finding
    candidate = Candidate(
        field=finding.field,
        value=stored_value(finding),
        value_text=finding.value_text,
        confidence=round(decision.confidence, 4),
        source_kind=finding.source_kind,
        source_url=finding.source_url,
        evidence=finding.evidence,
        evidence_start=finding.evidence_start,
        evidence_end=finding.evidence_end,
        page_sha256=finding.page_sha256,
        extractor=finding.extractor,
        extractor_version=finding.extractor_version,
        reason=f"{finding.qualifier}; {decision.reason}" if decision.reason else finding.qualifier,
    )
    return candidate, decision.status
