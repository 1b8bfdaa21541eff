"""Backtest: how well a ruleset's ranking separates leads that converted from those that did not.

Each labelled case is scored once (see :func:`score_record` for flat lead rows; store accounts go through
:func:`scoring.engine.score_account` as of their decision date) and its ``priority``, band and tier are
appended to a :class:`CaseRecorder`, which keeps flat arrays rather than an object per case. The report
ranks by priority, the number hand-off compares with the ruleset's ``base_threshold``; for a ruleset
without tiers and with ``engagement_weight = 0`` that is the fit itself.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring.engine import band_of, fit_of, priority_of, tier_of
from scoring.fields import Record
from scoring.metrics import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    Decile,
    GroupRate,
    Interval,
    RocPoint,
    ThresholdQuality,
    at_threshold,
    bootstrap_auc,
    bootstrap_auc_difference,
    lift_by_decile,
    rates_by_group,
    roc_auc,
    roc_curve,
    score_levels,
)
from scoring.points import Bands
from scoring.ruleset import Ruleset

POSITIVE_OUTCOMES = frozenset({"1", "true", "yes", "won", "converted"})
NEGATIVE_OUTCOMES = frozenset({"0", "false", "no", "lost", "not converted"})
ACCEPTED_OUTCOMES = "0/1, true/false, yes/no, won/lost, converted/not converted"
NO_TIER = "(no tier)"
UNCERTAIN_TIER = "(uncertain)"


def parse_outcome(text: str) -> bool | None:
    """``True`` for a conversion, ``False`` for none, ``None`` when the text is none of the accepted words
    (:data:`ACCEPTED_OUTCOMES`, any case, surrounding blanks ignored)."""
    word = " ".join(text.split()).lower()
    if word in POSITIVE_OUTCOMES:
        return True
    if word in NEGATIVE_OUTCOMES:
        return False
    return None


def tier_label(name: str | None, candidates: tuple[str | None, ...]) -> str:
    """The tier's name, or a label saying whether no tier matched or the tier is not yet decidable."""
    if name is not None:
        return name
    return NO_TIER if candidates == (None,) else UNCERTAIN_TIER


@dataclass(frozen=True, slots=True)
class RecordScore:
    priority: float
    fit: float
    band: str
    tier: str


def score_record(ruleset: Ruleset, record: Record) -> RecordScore:
    """Fit, band, tier and priority of one lead row that has no activities (engagement 0)."""
    fit = fit_of(ruleset, record)
    tier = tier_of(ruleset, record)
    priority = priority_of(ruleset, fit, tier, 0.0)
    return RecordScore(
        priority.value, fit.value, band_of(ruleset, fit), tier_label(tier.name, tier.candidates)
    )


@dataclass(frozen=True)
class ScoredCases:
    """One ruleset's scores of the labelled cases, as parallel arrays."""

    ruleset: str  # name@version
    sha256: str
    handoff_threshold: float
    priority: npt.NDArray[np.float64]
    outcome: npt.NDArray[np.bool_]
    band: npt.NDArray[np.int64]
    band_names: tuple[str, ...]
    tier: npt.NDArray[np.int64]
    tier_names: tuple[str, ...]


class CaseRecorder:
    """Collects scored cases in compact arrays (about 13 bytes a case), for millions of rows."""

    def __init__(self, ruleset: Ruleset) -> None:
        self._ruleset = ruleset
        self.band_names = (*ruleset.bands.names, Bands.UNDETERMINED)
        self.tier_names = (*(tier.name for tier in ruleset.tiers.tiers), NO_TIER, UNCERTAIN_TIER)
        self._band_code = {name: code for code, name in enumerate(self.band_names)}
        self._tier_code = {name: code for code, name in enumerate(self.tier_names)}
        self._priority = array("d")
        self._outcome = bytearray()
        self._band = array("H")
        self._tier = array("H")

    def __len__(self) -> int:
        return len(self._outcome)

    def add(self, priority: float, band: str, tier: str, outcome: bool) -> None:
        self._priority.append(priority)
        self._band.append(self._band_code[band])
        self._tier.append(self._tier_code[tier])
        self._outcome.append(1 if outcome else 0)

    def add_record(self, record: Record, outcome: bool) -> None:
        """Score a lead row without activities and record it."""
        scored = score_record(self._ruleset, record)
        self.add(scored.priority, scored.band, scored.tier, outcome)

    def cases(self) -> ScoredCases:
        ref = self._ruleset.ref
        return ScoredCases(
            str(ref),
            ref.sha256,
            self._ruleset.handoff.base_threshold,
            np.frombuffer(self._priority, dtype=np.float64).copy(),
            np.frombuffer(self._outcome, dtype=np.uint8).astype(np.bool_),
            np.frombuffer(self._band, dtype=np.uint16).astype(np.int64),
            self.band_names,
            np.frombuffer(self._tier, dtype=np.uint16).astype(np.int64),
            self.tier_names,
        )


_SYNTHETIC_GROUPS = frozenset({Bands.UNDETERMINED, NO_TIER, UNCERTAIN_TIER})


def _groups(
    codes: npt.NDArray[np.int64], outcome: npt.NDArray[np.bool_], names: tuple[str, ...]
) -> tuple[GroupRate, ...]:
    """Declared groups always; the synthetic ones (undetermined, no tier) only when they hold cases."""
    return tuple(
        group
        for group in rates_by_group(codes, outcome, names)
        if group.cases or group.name not in _SYNTHETIC_GROUPS
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _group_dict(groups: tuple[GroupRate, ...]) -> dict[str, dict[str, Any]]:
    return {
        group.name: {
            "n": group.cases,
            "positives": group.positives,
            "conversion_rate": _rate(group.conversion_rate),
        }
        for group in groups
    }


@dataclass(frozen=True)
class BacktestReport:
    ruleset: str
    sha256: str
    n: int
    positives: int
    auc: float
    auc_interval: Interval
    seed: int
    handoff: ThresholdQuality
    bands: tuple[GroupRate, ...]  # in the ruleset's band order, lowest first
    tiers: tuple[GroupRate, ...]
    lift: tuple[Decile, ...]
    roc: tuple[RocPoint, ...]

    @property
    def base_rate(self) -> float:
        return self.positives / self.n

    def band(self, name: str) -> GroupRate | None:
        return next((group for group in self.bands if group.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        handoff = self.handoff
        return {
            "ruleset": self.ruleset,
            "sha256": self.sha256,
            "n": self.n,
            "positives": self.positives,
            "base_rate": round(self.base_rate, 4),
            "auc": round(self.auc, 4),
            "auc_ci": self.auc_interval.to_list(),
            "confidence": self.auc_interval.confidence,
            "resamples": self.auc_interval.resamples,
            "seed": self.seed,
            "handoff": {
                "threshold": handoff.threshold,
                "selected": handoff.selected,
                "selected_share": round(handoff.selected_share, 4),
                "precision": _rate(handoff.precision),
                "recall": _rate(handoff.recall),
            },
            "bands": _group_dict(self.bands),
            "tiers": _group_dict(self.tiers),
            "lift": [
                {
                    "decile": decile.decile,
                    "n": round(decile.cases, 1),
                    "positives": round(decile.positives, 1),
                    "conversion_rate": round(decile.conversion_rate, 4),
                    "lift": round(decile.lift, 3),
                    "captured": round(decile.captured, 4),
                    "score_range": [decile.score_low, decile.score_high],
                }
                for decile in self.lift
            ],
            "roc": [
                [round(point.false_positive_rate, 4), round(point.true_positive_rate, 4)]
                for point in self.roc
            ],
        }


def backtest(
    cases: ScoredCases,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> BacktestReport:
    """The report for one ruleset. Raises :class:`scoring.metrics.SingleClassError` when every outcome
    is the same (AUC undefined), never returns a NaN AUC."""
    levels = score_levels(cases.priority, cases.outcome)
    auc = roc_auc(levels)
    return BacktestReport(
        cases.ruleset,
        cases.sha256,
        levels.n,
        levels.total_positives,
        auc,
        bootstrap_auc(cases.priority, cases.outcome, resamples=resamples, confidence=confidence, seed=seed),
        seed,
        at_threshold(levels, cases.handoff_threshold),
        _groups(cases.band, cases.outcome, cases.band_names),
        _groups(cases.tier, cases.outcome, cases.tier_names),
        lift_by_decile(levels),
        roc_curve(levels),
    )


@dataclass(frozen=True)
class Comparison:
    first: BacktestReport
    second: BacktestReport
    auc_difference: float  # second − first
    difference_interval: Interval

    def to_dict(self) -> dict[str, Any]:
        return {
            "auc_difference": round(self.auc_difference, 4),
            "auc_difference_ci": self.difference_interval.to_list(),
            "compared": self.second.to_dict(),
        }


def compare(
    first: ScoredCases,
    second: ScoredCases,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> Comparison:
    """Both reports on the same cases, and the AUC difference with a paired bootstrap interval."""
    if not np.array_equal(first.outcome, second.outcome):
        raise ValueError("a comparison needs both rulesets scored on the same cases")
    first_report = backtest(first, resamples=resamples, confidence=confidence, seed=seed)
    second_report = backtest(second, resamples=resamples, confidence=confidence, seed=seed)
    paired = bootstrap_auc_difference(
        first.priority, second.priority, first.outcome, resamples=resamples, confidence=confidence, seed=seed
    )
    return Comparison(first_report, second_report, paired.difference, paired.difference_interval)
