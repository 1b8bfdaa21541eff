"""Ranking metrics on labelled scores: ROC AUC, its bootstrap interval, ROC curve, lift, precision/recall.

Everything works on *score levels*: the distinct scores, each with its count of positive and negative
cases. A ruleset's scores are sums of a few integer points, so a million leads fold into a few hundred
levels and every metric costs O(levels) rather than O(leads); the bootstrap draws the resampled count
of each (level, outcome) group from one multinomial, which is exactly the distribution of those counts
under resampling the leads with replacement.

AUC is the Mann–Whitney rank statistic with mid-ranks: the probability that a random positive scores
above a random negative, ties counting one half. Lift deciles split tied scores pro rata, so the order
of the input never changes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.errors import ScoringError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95


class SingleClassError(ScoringError):
    """Every outcome is the same, so there is nothing to rank against: AUC is undefined."""

    def __init__(self, positives: int, total: int) -> None:
        self.positives = positives
        self.total = total
        kind = "positive (converted)" if positives else "negative (not converted)"
        super().__init__(f"all {total} outcomes are {kind}: AUC needs both converted and not converted leads")


@dataclass(frozen=True)
class ScoreLevels:
    """Distinct scores in ascending order with the positive and negative cases at each."""

    scores: FloatArray
    positives: IntArray
    negatives: IntArray

    @property
    def total_positives(self) -> int:
        return int(self.positives.sum())

    @property
    def total_negatives(self) -> int:
        return int(self.negatives.sum())

    @property
    def n(self) -> int:
        return self.total_positives + self.total_negatives


def as_outcomes(outcomes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    return np.asarray(outcomes, dtype=np.bool_)


def score_levels(scores: npt.ArrayLike, outcomes: npt.ArrayLike) -> ScoreLevels:
    """Fold cases into levels. ``scores`` must be finite; ``outcomes`` truthy means converted."""
    values = np.asarray(scores, dtype=np.float64)
    labels = as_outcomes(outcomes)
    if values.shape != labels.shape:
        raise ValueError(f"{values.size} scores but {labels.size} outcomes")
    if values.size and not np.isfinite(values).all():
        raise ValueError("scores must be finite numbers")
    distinct, level = np.unique(values, return_inverse=True)
    positives = np.bincount(level[labels], minlength=distinct.size).astype(np.int64)
    negatives = np.bincount(level[~labels], minlength=distinct.size).astype(np.int64)
    return ScoreLevels(distinct, positives, negatives)


def _auc(positives: npt.NDArray[np.float64], negatives: npt.NDArray[np.float64]) -> float:
    """AUC from per-level counts (ascending scores); NaN when one class is empty."""
    total_pos = positives.sum()
    total_neg = negatives.sum()
    if total_pos == 0 or total_neg == 0:
        return float("nan")
    below = np.cumsum(negatives) - negatives
    return float((positives * (below + 0.5 * negatives)).sum() / (total_pos * total_neg))


def require_both_classes(levels: ScoreLevels) -> None:
    """Raise :class:`SingleClassError` unless there are converted and unconverted cases."""
    if levels.total_positives == 0 or levels.total_negatives == 0:
        raise SingleClassError(levels.total_positives, levels.n)


def roc_auc(levels: ScoreLevels) -> float:
    """Area under the ROC curve (ties count half). Raises :class:`SingleClassError` for one class."""
    require_both_classes(levels)
    return _auc(levels.positives.astype(np.float64), levels.negatives.astype(np.float64))


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval."""

    low: float
    high: float
    confidence: float
    resamples: int  # resamples that had both classes (the others cannot be ranked and are dropped)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_list(self) -> list[float]:
        return [round(self.low, 4), round(self.high, 4)]


def _interval(values: FloatArray, confidence: float) -> Interval:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Interval(float("nan"), float("nan"), confidence, 0)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(low), float(high), confidence, int(finite.size))


class _PairedGroups:
    """Cases grouped by (level under each ranking, outcome): what a multinomial bootstrap resamples."""

    def __init__(self, rankings: Sequence[npt.ArrayLike], outcomes: npt.ArrayLike) -> None:
        labels = as_outcomes(outcomes)
        levels: list[IntArray] = []
        self.level_counts: list[int] = []
        for scores in rankings:
            distinct, level = np.unique(np.asarray(scores, dtype=np.float64), return_inverse=True)
            levels.append(level.astype(np.int64))
            self.level_counts.append(int(distinct.size))
        keys = np.column_stack([*levels, labels.astype(np.int64)])
        groups, counts = np.unique(keys, axis=0, return_counts=True)
        self.group_levels = [groups[:, index] for index in range(len(rankings))]
        self.group_positive = groups[:, -1].astype(np.bool_)
        self.counts = counts.astype(np.int64)
        self.n = int(counts.sum())

    def aucs(self, weights: npt.NDArray[np.float64]) -> list[float]:
        """The AUC of each ranking when group ``g`` holds ``weights[g]`` cases."""
        result = []
        for level, size in zip(self.group_levels, self.level_counts, strict=True):
            positives = np.bincount(level, weights=weights * self.group_positive, minlength=size)
            negatives = np.bincount(level, weights=weights * ~self.group_positive, minlength=size)
            result.append(_auc(positives.astype(np.float64), negatives.astype(np.float64)))
        return result

    def resampled_aucs(self, resamples: int, seed: int) -> FloatArray:
        """``resamples × rankings`` AUCs, each from a resample of the cases with replacement."""
        rng = np.random.default_rng(seed)
        shares = self.counts / self.n
        out = np.empty((resamples, len(self.group_levels)))
        for row in range(resamples):
            draw = rng.multinomial(self.n, shares).astype(np.float64)
            out[row] = self.aucs(draw)
        return out


def bootstrap_auc(
    scores: npt.ArrayLike,
    outcomes: npt.ArrayLike,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of the AUC; the same seed gives the same interval."""
    groups = _PairedGroups([scores], outcomes)
    return _interval(groups.resampled_aucs(resamples, seed)[:, 0], confidence)


@dataclass(frozen=True)
class PairedAuc:
    first: Interval
    second: Interval
    difference: float  # second − first, on the full data
    difference_interval: Interval


def bootstrap_auc_difference(
    first: npt.ArrayLike,
    second: npt.ArrayLike,
    outcomes: npt.ArrayLike,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> PairedAuc:
    """Two rankings of the same cases, resampled together so their AUC difference gets an interval."""
    groups = _PairedGroups([first, second], outcomes)
    full = groups.aucs(groups.counts.astype(np.float64))
    samples = groups.resampled_aucs(resamples, seed)
    return PairedAuc(
        _interval(samples[:, 0], confidence),
        _interval(samples[:, 1], confidence),
        full[1] - full[0],
        _interval(samples[:, 1] - samples[:, 0], confidence),
    )


@dataclass(frozen=True)
class RocPoint:
    threshold: float  # cases scoring at or above it are called positive
    false_positive_rate: float
    true_positive_rate: float


def roc_curve(levels: ScoreLevels, *, max_points: int = 200) -> tuple[RocPoint, ...]:
    """ROC points from the strictest threshold down, starting at (0, 0); thinned to ``max_points``."""
    require_both_classes(levels)
    tpr = np.cumsum(levels.positives[::-1]) / levels.total_positives
    fpr = np.cumsum(levels.negatives[::-1]) / levels.total_negatives
    thresholds = levels.scores[::-1]
    keep = np.arange(tpr.size)
    if tpr.size > max_points - 1:
        keep = np.unique(np.linspace(0, tpr.size - 1, max_points - 1).round().astype(np.int64))
    points = [RocPoint(float("inf"), 0.0, 0.0)]
    points += [RocPoint(float(thresholds[i]), float(fpr[i]), float(tpr[i])) for i in keep]
    return tuple(points)


@dataclass(frozen=True)
class Decile:
    decile: int  # 1 = the highest scores
    cases: float  # n / 10; fractional when n is not a multiple of 10
    positives: float  # tied scores split pro rata across decile borders
    conversion_rate: float
    lift: float  # conversion rate over the overall rate
    captured: float  # share of all positives in this and the higher deciles
    score_high: float
    score_low: float


def lift_by_decile(levels: ScoreLevels, *, parts: int = 10) -> tuple[Decile, ...]:
    """Conversion and lift per score decile, best first. Empty when there are fewer cases than parts."""
    n = levels.n
    if n < parts or levels.total_positives == 0:
        return ()
    counts = (levels.positives + levels.negatives)[::-1].astype(np.float64)
    positive_share = levels.positives[::-1] / np.maximum(counts, 1)
    scores = levels.scores[::-1]
    level_start = np.cumsum(counts) - counts
    level_end = level_start + counts
    base = levels.total_positives / n
    deciles = []
    captured = 0.0
    for part in range(parts):
        start, end = n * part / parts, n * (part + 1) / parts
        overlap = np.clip(np.minimum(level_end, end) - np.maximum(level_start, start), 0, None)
        cases = float(overlap.sum())
        positives = float((overlap * positive_share).sum())
        captured += positives
        present = np.nonzero(overlap > 0)[0]
        rate = positives / cases if cases else 0.0
        deciles.append(
            Decile(
                part + 1,
                cases,
                positives,
                rate,
                rate / base,
                captured / levels.total_positives,
                float(scores[present[0]]),
                float(scores[present[-1]]),
            )
        )
    return tuple(deciles)


@dataclass(frozen=True)
class ThresholdQuality:
    threshold: float
    selected: int  # cases scoring at or above the threshold
    true_positives: int
    precision: float | None  # None when nothing is selected
    recall: float | None  # None when there are no positives
    selected_share: float


def at_threshold(levels: ScoreLevels, threshold: float) -> ThresholdQuality:
    """Precision and recall of calling every case with ``score >= threshold`` positive."""
    chosen = levels.scores >= threshold
    true_positives = int(levels.positives[chosen].sum())
    selected = true_positives + int(levels.negatives[chosen].sum())
    total_pos = levels.total_positives
    return ThresholdQuality(
        threshold,
        selected,
        true_positives,
        true_positives / selected if selected else None,
        true_positives / total_pos if total_pos else None,
        selected / levels.n if levels.n else 0.0,
    )


@dataclass(frozen=True)
class GroupRate:
    name: str
    cases: int
    positives: int

    @property
    def conversion_rate(self) -> float | None:
        return self.positives / self.cases if self.cases else None


def rates_by_group(
    codes: npt.ArrayLike, outcomes: npt.ArrayLike, names: Sequence[str]
) -> tuple[GroupRate, ...]:
    """Cases and positives per group; ``codes[i]`` indexes ``names``. Every name is listed, even empty."""
    index = np.asarray(codes, dtype=np.int64)
    labels = as_outcomes(outcomes)
    cases = np.bincount(index, minlength=len(names))
    positives = np.bincount(index[labels], minlength=len(names))
    return tuple(GroupRate(name, int(cases[i]), int(positives[i])) for i, name in enumerate(names))
