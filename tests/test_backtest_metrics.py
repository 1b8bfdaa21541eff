"""Ranking metrics: AUC as the rank statistic, seeded bootstrap intervals, tie-fair lift, hand-off quality."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.metrics import (
    SingleClassError,
    at_threshold,
    bootstrap_auc,
    bootstrap_auc_difference,
    lift_by_decile,
    rates_by_group,
    roc_auc,
    roc_curve,
    score_levels,
)


def _pairwise_auc(scores: list[float], outcomes: list[bool]) -> float:
    """The definition: P(score of a positive > score of a negative), ties counting half."""
    positives = [s for s, y in zip(scores, outcomes, strict=True) if y]
    negatives = [s for s, y in zip(scores, outcomes, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=60).filter(
        lambda cases: len({y for _, y in cases}) == 2
    )
)
def test_auc_equals_the_pairwise_definition_with_ties(cases: list[tuple[int, bool]]) -> None:
    scores = [float(score) for score, _ in cases]
    outcomes = [outcome for _, outcome in cases]
    assert roc_auc(score_levels(scores, outcomes)) == pytest.approx(_pairwise_auc(scores, outcomes))


def test_auc_is_one_for_a_perfect_ranking_and_half_for_all_ties() -> None:
    assert roc_auc(score_levels([1, 2, 3, 4], [False, False, True, True])) == 1.0
    assert roc_auc(score_levels([5, 5, 5, 5], [False, True, False, True])) == 0.5


def test_single_class_outcome_raises_instead_of_returning_nan() -> None:
    with pytest.raises(SingleClassError, match="all 3 outcomes are positive"):
        roc_auc(score_levels([1, 2, 3], [True, True, True]))
    with pytest.raises(SingleClassError, match="negative"):
        roc_curve(score_levels([1, 2], [False, False]))


def test_bootstrap_interval_is_reproducible_with_a_seed_and_brackets_the_auc() -> None:
    rng = np.random.default_rng(5)
    outcomes = rng.random(2000) < 0.3
    scores = np.round(outcomes * 1.0 + rng.normal(0, 1, 2000), 1)
    auc = roc_auc(score_levels(scores, outcomes))
    first = bootstrap_auc(scores, outcomes, resamples=400, seed=11)
    again = bootstrap_auc(scores, outcomes, resamples=400, seed=11)
    other = bootstrap_auc(scores, outcomes, resamples=400, seed=12)
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.low < auc < first.high
    assert 0.02 < first.high - first.low < 0.08, "a 95% interval on 2,000 cases is a few points wide"
    assert first.resamples == 400


def test_paired_bootstrap_gives_an_interval_for_the_auc_difference() -> None:
    rng = np.random.default_rng(3)
    outcomes = rng.random(3000) < 0.4
    informative = np.round(outcomes + rng.normal(0, 0.8, 3000), 1)
    noise = np.round(rng.normal(0, 1, 3000), 1)
    paired = bootstrap_auc_difference(noise, informative, outcomes, resamples=300, seed=1)
    assert paired.difference == pytest.approx(
        roc_auc(score_levels(informative, outcomes)) - roc_auc(score_levels(noise, outcomes))
    )
    assert paired.difference_interval.low > 0.2, "the informative ranking is clearly better"
    assert paired.first.contains(0.5)


def test_lift_splits_tied_scores_pro_rata_so_input_order_does_not_matter() -> None:
    scores = [1.0] * 50 + [0.0] * 50
    outcomes = [True] * 25 + [False] * 25 + [True] * 5 + [False] * 45
    forward = lift_by_decile(score_levels(scores, outcomes))
    backward = lift_by_decile(score_levels(scores[::-1], outcomes[::-1]))
    assert forward == backward
    assert [round(d.conversion_rate, 3) for d in forward] == [0.5] * 5 + [0.1] * 5
    assert forward[0].lift == pytest.approx(0.5 / 0.3)
    assert forward[-1].captured == pytest.approx(1.0)


def test_precision_and_recall_at_the_handoff_threshold() -> None:
    levels = score_levels([10, 20, 70, 80, 90], [False, True, False, True, True])
    quality = at_threshold(levels, 70)
    assert (quality.selected, quality.true_positives) == (3, 2)
    assert quality.precision == pytest.approx(2 / 3)
    assert quality.recall == pytest.approx(2 / 3)
    nobody = at_threshold(levels, 100)
    assert nobody.precision is None and nobody.recall == 0.0


def test_conversion_per_group_lists_empty_groups_too() -> None:
    groups = rates_by_group([0, 0, 2, 2, 2], [True, False, True, True, False], ["red", "yellow", "green"])
    assert [(g.name, g.cases, g.positives) for g in groups] == [
        ("red", 2, 1),
        ("yellow", 0, 0),
        ("green", 3, 2),
    ]
    assert groups[1].conversion_rate is None
    assert math.isclose(groups[2].conversion_rate or 0, 2 / 3)
