"""Ridge-regularised logistic regression by Newton's method, small and dependency-free beyond numpy.

Used by calibration to weigh weight-of-evidence columns against each other: two columns that carry the
same signal (e.g. "Last Activity" and "Last Notable Activity") must not both be counted in full, which is
what simply adding their WoE (naive Bayes) would do. The intercept is not penalised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.metrics import FloatArray


@dataclass(frozen=True)
class LogisticFit:
    intercept: float
    coefficients: FloatArray
    iterations: int


def fit_logistic(
    features: FloatArray,
    outcomes: npt.NDArray[np.bool_],
    *,
    ridge: float = 1.0,
    max_iterations: int = 50,
    tolerance: float = 1e-8,
) -> LogisticFit:
    """Maximise the log-likelihood minus ``ridge/2 · ‖coefficients‖²``; ``features`` is n × p."""
    rows, columns = features.shape
    design = np.column_stack([np.ones(rows), features])
    target = outcomes.astype(np.float64)
    penalty = np.full(columns + 1, ridge)
    penalty[0] = 0.0
    beta = np.zeros(columns + 1)
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        probability = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -35, 35)))
        weight = probability * (1.0 - probability)
        gradient = design.T @ (target - probability) - penalty * beta
        hessian = (design * weight[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(columns + 1)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if float(np.max(np.abs(step))) < tolerance:
            break
    return LogisticFit(float(beta[0]), beta[1:].copy(), iteration)
