"""Calibration: learn points from labelled leads and keep them as ordinary, human-editable rules.

The pipeline, fitted on training leads only:

1. screen the columns (:mod:`scoring.calibrate_columns`: identifiers and likely leaks are left out);
2. bin each column and compute each bin's weight of evidence, zero unless significant
   (:mod:`scoring.calibrate_bins`; Bonferroni over all bins at ``alpha``);
3. weigh the columns against each other with a ridge logistic regression on their WoE, dropping a
   column whose weight comes out ≤ 0 (it only repeats another's signal) and refitting;
4. a bin's points are ``weight × WoE`` on the logit scale, scaled so the lowest and highest reachable
   totals are 0 and 100, rounded; a base rule (``when = "true"``) lifts the lowest total to 0.

Held-out AUC comes from k-fold cross-validation of the whole pipeline (stratified, seeded), pooled over
the folds, with a bootstrap interval. When that interval includes 0.5, the columns carry no reliable
signal: no rules are written, only the candidate bins as comments.

Bands come from the calibrated scores of the training leads: green holds about the target hand-off share,
yellow the rest of the upper half, red the lower half. The hand-off threshold is green's lower bound; the
ruleset ranks by fit alone (``engagement_weight = 0``) since a flat lead file has no activity history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from scoring.calibrate_bins import (
    Bin,
    BinEvidence,
    Binning,
    categorical_binning,
    numeric_binning,
    weight_of_evidence,
)
from scoring.calibrate_columns import (
    DEFAULT_LEAK_AUC,
    DEFAULT_LEAK_WORDS,
    ColumnDecision,
    PreparedColumn,
    screen_columns,
)
from scoring.errors import ScoringError
from scoring.logistic import fit_logistic
from scoring.metrics import (
    FloatArray,
    IntArray,
    Interval,
    SingleClassError,
    bootstrap_auc,
    roc_auc,
    score_levels,
)

FIT_CAP = 100


class CalibrationError(ScoringError):
    """The data cannot be calibrated on (too few leads of one class for the folds, bad options)."""


@dataclass(frozen=True)
class CalibrationOptions:
    name: str = "calibrated"
    source: str = "<data>"  # the data file, for the written ruleset's comments
    outcome_column: str = "outcome"
    target_handoff_share: float = 0.2
    folds: int = 5
    seed: int = 0
    exclude: frozenset[str] = frozenset()  # column or field names, any case
    allow: frozenset[str] = frozenset()
    leak_words: tuple[str, ...] = DEFAULT_LEAK_WORDS
    leak_auc: float = DEFAULT_LEAK_AUC
    max_numeric_bins: int = 10
    min_support: int = 30  # a bin needs at least this many training leads …
    min_support_share: float = 0.01  # … and this share of them
    prior_strength: float = 10.0  # pseudo-leads at the base rate that shrink each bin's WoE
    alpha: float = 0.05  # family-wise error rate for "this bin differs from the base rate"
    ridge: float = 1.0
    resamples: int = 1000


@dataclass(frozen=True)
class ColumnModel:
    column: PreparedColumn
    binning: Binning
    evidence: tuple[BinEvidence, ...]
    weight: float  # the logistic regression's weight of this column's WoE; 0 when unused
    points: tuple[int, ...]  # per bin

    def assign(self, rows: IntArray) -> IntArray:
        return assign_rows(self.column, self.binning, rows)


def assign_rows(column: PreparedColumn, binning: Binning, rows: IntArray) -> IntArray:
    """The bin of each of the given leads."""
    if column.numbers is not None:
        return binning.assign_numbers(column.numbers[rows])
    labels = column.labels or ()
    return binning.assign_labels([labels[row] for row in rows.tolist()])


@dataclass(frozen=True)
class Model:
    columns: tuple[ColumnModel, ...]
    base_points: int

    def scores(self, rows: IntArray) -> FloatArray:
        """Fit points of the given leads, exactly as the written ruleset gives them."""
        total = np.full(rows.size, float(self.base_points))
        for column in self.columns:
            total += np.asarray(column.points, dtype=np.float64)[column.assign(rows)]
        clipped: FloatArray = np.clip(total, 0, FIT_CAP)
        return clipped


def _min_support(options: CalibrationOptions, rows: int) -> int:
    return max(options.min_support, math.ceil(options.min_support_share * rows))


def _binning(column: PreparedColumn, train: IntArray, options: CalibrationOptions, support: int) -> Binning:
    if column.numbers is not None:
        return numeric_binning(
            column.field, column.numbers[train], max_bins=options.max_numeric_bins, min_support=support
        )
    labels = column.labels or ()
    return categorical_binning(column.field, [labels[row] for row in train.tolist()], min_support=support)


def _weights(features: list[FloatArray], outcomes: npt.NDArray[np.bool_], ridge: float) -> list[float]:
    """Logistic weights of the WoE columns; a column whose weight is ≤ 0 is dropped and the rest refit."""
    active = [index for index, feature in enumerate(features) if np.any(feature != 0)]
    weights = [0.0] * len(features)
    while active:
        fit = fit_logistic(np.column_stack([features[i] for i in active]), outcomes, ridge=ridge)
        worst = int(np.argmin(fit.coefficients))
        if fit.coefficients[worst] > 0:
            for index, coefficient in zip(active, fit.coefficients.tolist(), strict=True):
                weights[index] = coefficient
            break
        del active[worst]
    return weights


def _integer_points(
    contributions: list[FloatArray], supported: list[npt.NDArray[np.bool_]]
) -> tuple[list[tuple[int, ...]], int]:
    """Round ``scale × contribution`` so the reachable totals span at most 0..100; returns the points per
    bin and the base points that lift the lowest total to 0."""
    spans = [
        float(values[mask].max() - values[mask].min()) if mask.any() else 0.0
        for values, mask in zip(contributions, supported, strict=True)
    ]
    if sum(spans) <= 0:
        return [tuple(0 for _ in values) for values in contributions], 0
    scale = FIT_CAP / sum(spans)
    while True:
        points = [np.round(values * scale).astype(np.int64) for values in contributions]
        lows = [int(p[mask].min()) if mask.any() else 0 for p, mask in zip(points, supported, strict=True)]
        highs = [int(p[mask].max()) if mask.any() else 0 for p, mask in zip(points, supported, strict=True)]
        if sum(highs) - sum(lows) <= FIT_CAP:
            return [tuple(p.tolist()) for p in points], -sum(lows)
        scale *= 0.99


def fit_model(
    columns: Sequence[PreparedColumn],
    train: IntArray,
    outcomes: npt.NDArray[np.bool_],
    options: CalibrationOptions,
) -> Model:
    """The whole pipeline of the module docstring, fitted on the rows ``train``."""
    labels = outcomes[train]
    support = _min_support(options, train.size)
    binnings = [_binning(column, train, options, support) for column in columns]
    total_bins = max(sum(len(binning.bins) for binning in binnings), 1)
    z_critical = NormalDist().inv_cdf(1 - options.alpha / (2 * total_bins))
    assignments: list[IntArray] = []
    evidence: list[tuple[BinEvidence, ...]] = []
    for column, binning in zip(columns, binnings, strict=True):
        rows = assign_rows(column, binning, train)
        assignments.append(rows)
        evidence.append(
            weight_of_evidence(
                rows,
                labels,
                len(binning.bins),
                prior_strength=options.prior_strength,
                z_critical=z_critical,
                min_support=support,
            )
        )
    woe = [np.array([bin_.woe for bin_ in bins]) for bins in evidence]
    weights = _weights(
        [values[rows] for values, rows in zip(woe, assignments, strict=True)], labels, options.ridge
    )
    contributions = [weight * values for weight, values in zip(weights, woe, strict=True)]
    supported = [np.array([bin_.cases > 0 for bin_ in bins]) for bins in evidence]
    points, base = _integer_points(contributions, supported)
    models = tuple(
        ColumnModel(column, binning, bins, weight, column_points)
        for column, binning, bins, weight, column_points in zip(
            columns, binnings, evidence, weights, points, strict=True
        )
    )
    return Model(models, base)


def stratified_folds(outcomes: npt.NDArray[np.bool_], folds: int, seed: int) -> list[IntArray]:
    """Row indexes of each fold; positives and negatives are shuffled and dealt round-robin."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(folds)]
    for label in (True, False):
        rows = np.nonzero(outcomes == label)[0]
        rng.shuffle(rows)
        for position, row in enumerate(rows.tolist()):
            parts[position % folds].append(row)
    return [np.array(sorted(part), dtype=np.int64) for part in parts]


@dataclass(frozen=True)
class Band:
    name: str
    threshold: int
    share: float  # of the training leads
    conversion_rate: float | None


def _threshold_for_share(scores: FloatArray, share: float) -> int:
    """The threshold whose share of leads at or above it is closest to ``share`` (the higher wins ties)."""
    candidates = np.unique(scores)
    shares = np.array([(scores >= value).mean() for value in candidates])
    best = int(np.argmin(np.abs(shares - share)[::-1]))
    return int(candidates[::-1][best])


def choose_bands(
    scores: FloatArray, outcomes: npt.NDArray[np.bool_], target_share: float
) -> tuple[Band, ...]:
    """red from 0, yellow for the rest of the upper half, green for about ``target_share`` of the leads."""
    thresholds = {"red": 0}
    green = _threshold_for_share(scores, target_share)
    if green > 0:
        thresholds["green"] = green
        yellow = _threshold_for_share(scores, 0.5) if target_share < 0.5 else 0
        if 0 < yellow < green:
            thresholds["yellow"] = yellow
    ordered = sorted(thresholds.items(), key=lambda item: item[1])
    bands = []
    for index, (name, low) in enumerate(ordered):
        high = ordered[index + 1][1] if index + 1 < len(ordered) else math.inf
        inside = (scores >= low) & (scores < high)
        count = int(inside.sum())
        rate = float(outcomes[inside].mean()) if count else None
        bands.append(Band(name, low, count / scores.size, rate))
    return tuple(bands)


@dataclass(frozen=True)
class Calibration:
    options: CalibrationOptions
    n: int
    positives: int
    decisions: tuple[ColumnDecision, ...]
    model: Model
    bands: tuple[Band, ...]
    heldout_auc: float
    heldout_interval: Interval
    fold_aucs: tuple[float, ...]

    @property
    def no_signal(self) -> bool:
        """The held-out AUC's interval includes 0.5: no reliable ranking signal in these columns."""
        return self.heldout_interval.low <= 0.5

    @property
    def rule_count(self) -> int:
        """Rules the written ruleset holds, the base rule included (0 when there is no signal)."""
        if self.no_signal:
            return 0
        return sum(len(rule_bins(column)) for column in self.model.columns) + (
            1 if self.model.base_points else 0
        )

    @property
    def handoff_threshold(self) -> int:
        green = next((band for band in self.bands if band.name == "green"), None)
        return green.threshold if green is not None else FIT_CAP

    @property
    def custom_fields(self) -> dict[str, str]:
        """The non-built-in fields the written rules read, with their types (none when no rule is written)."""
        if self.no_signal:
            return {}
        return {
            column.column.field: column.column.field_type
            for column in self.model.columns
            if not column.column.builtin and any(column.points)
        }


def calibrate(
    columns: Mapping[str, Sequence[str | None]], outcomes: npt.ArrayLike, options: CalibrationOptions
) -> Calibration:
    """Screen, cross-validate and fit; see the module docstring. ``columns`` maps each column name to its
    values (None for missing, placeholders already removed); ``outcomes[i]`` is lead i's conversion."""
    labels = np.asarray(outcomes, dtype=np.bool_)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        raise SingleClassError(positives, labels.size)
    if not 2 <= options.folds <= 20:
        raise CalibrationError(f"folds must be between 2 and 20, got {options.folds}")
    if not 0 < options.target_handoff_share < 1:
        raise CalibrationError(
            f"the target hand-off share must lie between 0 and 1, got {options.target_handoff_share}"
        )
    if min(positives, negatives) < options.folds:
        raise CalibrationError(
            f"{positives} converted and {negatives} not converted leads: {options.folds}-fold "
            f"cross-validation needs at least {options.folds} of each"
        )
    used, decisions = screen_columns(
        columns,
        labels,
        outcome_column=options.outcome_column,
        exclude=frozenset(name.lower() for name in options.exclude),
        allow=frozenset(name.lower() for name in options.allow),
        leak_words=options.leak_words,
        leak_auc=options.leak_auc,
        max_bins=options.max_numeric_bins,
        min_support=_min_support(options, labels.size),
    )
    heldout = np.zeros(labels.size)
    fold_aucs = []
    everything = np.arange(labels.size, dtype=np.int64)
    for fold in stratified_folds(labels, options.folds, options.seed):
        train = np.setdiff1d(everything, fold, assume_unique=True)
        heldout[fold] = fit_model(used, train, labels, options).scores(fold)
        fold_aucs.append(roc_auc(score_levels(heldout[fold], labels[fold])))
    model = fit_model(used, everything, labels, options)
    return Calibration(
        options,
        labels.size,
        positives,
        tuple(decisions),
        model,
        choose_bands(model.scores(everything), labels, options.target_handoff_share),
        roc_auc(score_levels(heldout, labels)),
        bootstrap_auc(heldout, labels, resamples=options.resamples, seed=options.seed),
        tuple(fold_aucs),
    )


def rule_bins(column: ColumnModel) -> list[tuple[list[Bin], int, int, int]]:
    """The bins that earn points, grouped for writing: category bins with equal points share one rule,
    adjacent numeric bins with equal points merge; each group with (points, cases, positives)."""
    groups: list[tuple[list[Bin], int, int, int]] = []
    by_points: dict[int, int] = {}
    previous_range: int | None = None
    for bin_, points, evidence in zip(column.binning.bins, column.points, column.evidence, strict=True):
        if points == 0 or evidence.cases == 0:
            previous_range = None
            continue
        target: int | None = None
        if bin_.kind == "category":
            target = by_points.get(points)
        elif bin_.kind == "range" and previous_range is not None and groups[previous_range][1] == points:
            target = previous_range
        if target is None:
            groups.append(([bin_], points, evidence.cases, evidence.positives))
            target = len(groups) - 1
            if bin_.kind == "category":
                by_points[points] = target
        else:
            bins, _, cases, positives = groups[target]
            groups[target] = ([*bins, bin_], points, cases + evidence.cases, positives + evidence.positives)
        previous_range = target if bin_.kind == "range" else None
    return groups
