"""How well extraction + decision do on labelled sites: precision, coverage, false accepts, calibration.

Pure: pages and truth in, a report out. For each field:

- accepted:        sites where a value was accepted;
- correct:         of those, how many equal the truth (a range counts when it contains the true number);
- precision:       correct / accepted;
- found:           sites stating the field whose true value is among the accepted or pending values;
- coverage:        found / stated;
- false accepts:   values accepted on sites that state nothing for the field (the answer was "unknown").

Calibration: every accepted or pending value of a site that states the field, binned by confidence,
with the share that is right (DESIGN §5: of values accepted at >= 0.9, at least 90 % right).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from enrich.confidence import DEFAULT_POLICY, ConfidencePolicy, Decision, decide
from enrich.extract.base import Extractor, FieldValue, Page, ValueRange
from enrich.extract.runner import DEFAULT_EXTRACTORS, extract_page, findings_by_field

Truth = Mapping[str, Mapping[str, FieldValue | None]]  # domain -> field -> stated value (None: states none)
CALIBRATION_EDGES = (0.0, 0.5, 0.7, 0.85, 0.9, 1.0)


@dataclass
class FieldReport:
    """Figures for one field over all sites; ``mistakes`` lists (domain, truth, accepted) for people."""

    name: str
    sites: int = 0
    stated: int = 0
    accepted: int = 0
    correct: int = 0
    found: int = 0
    pending_only: int = 0
    false_accepts: int = 0
    mistakes: list[tuple[str, str, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.correct / self.accepted if self.accepted else None

    @property
    def coverage(self) -> float | None:
        return self.found / self.stated if self.stated else None


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    values: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.values if self.values else None


@dataclass
class EvaluationReport:
    fields: dict[str, FieldReport]
    calibration: list[CalibrationBin]
    pages: int = 0
    refused_pages: Counter[str] = field(default_factory=Counter)

    def render(self) -> str:
        """A plain-text table for people (pytest -s, CI logs)."""
        lines = [
            f"pages read: {self.pages}; refused: {dict(self.refused_pages) or 'none'}",
            f"{'field':<16}{'sites':>6}{'stated':>7}{'accepted':>9}{'correct':>8}{'precision':>10}"
            f"{'found':>7}{'coverage':>9}{'false acc.':>11}",
        ]
        for report in self.fields.values():
            lines.append(
                f"{report.name:<16}{report.sites:>6}{report.stated:>7}{report.accepted:>9}{report.correct:>8}"
                f"{_percent(report.precision):>10}{report.found:>7}{_percent(report.coverage):>9}"
                f"{report.false_accepts:>11}"
            )
        lines.append("calibration (accepted + pending values on sites that state the field):")
        for bin_ in self.calibration:
            lines.append(
                f"  confidence {bin_.low:.2f}-{bin_.high:.2f}: {bin_.values:>4} values, "
                f"{_percent(bin_.accuracy)} right"
            )
        return "\n".join(lines)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def matches(value: FieldValue, truth: FieldValue) -> bool:
    """Whether an extracted value states the truth: equal numbers, equal text (case-insensitive), or a
    range that contains the true number."""
    if isinstance(value, ValueRange):
        if isinstance(truth, int):
            return value.minimum <= truth and (value.maximum is None or truth <= value.maximum)
        return value == truth
    if isinstance(value, str) or isinstance(truth, str):
        return " ".join(str(value).casefold().split()) == " ".join(str(truth).casefold().split())
    return value == truth


def score_decisions(
    decisions: Mapping[str, Mapping[str, Sequence[Decision]]], truth: Truth, fields: Sequence[str]
) -> tuple[dict[str, FieldReport], list[CalibrationBin]]:
    """Figures per field from decisions already made (domain -> field -> decisions)."""
    reports = {name: FieldReport(name) for name in fields}
    binned: list[tuple[float, bool]] = []
    for domain, stated_fields in truth.items():
        site_decisions = decisions.get(domain, {})
        for name in fields:
            report = reports[name]
            report.sites += 1
            expected = stated_fields.get(name)
            chosen = [d for d in site_decisions.get(name, []) if d.status in {"accepted", "pending_review"}]
            accepted = [d for d in chosen if d.status == "accepted"]
            if accepted:
                report.accepted += 1
            elif chosen:
                report.pending_only += 1
            if expected is None:
                report.false_accepts += len(accepted)
                continue
            report.stated += 1
            if accepted and matches(accepted[0].finding.value, expected):
                report.correct += 1
            elif accepted:
                report.mistakes.append((domain, str(expected), str(accepted[0].finding.value)))
            if any(matches(d.finding.value, expected) for d in chosen):
                report.found += 1
            else:
                report.missed.append(domain)
            binned.extend((d.confidence, matches(d.finding.value, expected)) for d in chosen)
    return reports, _calibration(binned)


def _calibration(values: list[tuple[float, bool]]) -> list[CalibrationBin]:
    bins = []
    for low, high in pairwise(CALIBRATION_EDGES):
        inside = [
            right for confidence, right in values if low <= confidence < high or (high == 1.0 == confidence)
        ]
        bins.append(CalibrationBin(low, high, len(inside), sum(inside)))
    return bins


def evaluate(
    sites: Mapping[str, Sequence[Page]],
    truth: Truth,
    *,
    now: datetime,
    accept_threshold: float,
    fields: Sequence[str] = ("employee_count", "founded_year", "country", "city"),
    extractors: Sequence[Extractor] = DEFAULT_EXTRACTORS,
    policy: ConfidencePolicy = DEFAULT_POLICY,
) -> EvaluationReport:
    """Run extraction and decisions over each site's pages (domain -> pages) and score them against
    ``truth``. The domain is the site's own domain for the confidence rules."""
    all_decisions: dict[str, dict[str, list[Decision]]] = {}
    pages = 0
    refused: Counter[str] = Counter()
    for domain, site_pages in sites.items():
        extractions = [extract_page(page, now=now, extractors=extractors) for page in site_pages]
        pages += len(extractions)
        refused.update(e.classification.kind for e in extractions if not e.classification.minable)
        grouped = findings_by_field(extractions)
        all_decisions[domain] = {
            name: decide(grouped.get(name, []), accept_threshold, now=now, own_domain=domain, policy=policy)
            for name in fields
        }
    reports, calibration = score_decisions(all_decisions, truth, fields)
    return EvaluationReport(reports, calibration, pages, refused)
