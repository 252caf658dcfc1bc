"""Model-agnostic metrics shared by the scoring, churn and anomaly notebooks.

Names follow scikit-learn: ``*_score`` is higher-better, ``*_loss`` lower-better,
``y_true`` comes before ``y_score``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

__all__ = [
    "bootstrap_ci",
    "roc_auc_ci",
    "gini_score",
    "ks_score",
    "brier_loss",
    "psi",
]


def _check_binary(y_true: np.ndarray, name: str = "y_true") -> np.ndarray:
    y = np.asarray(y_true)
    values = set(np.unique(y).tolist())
    if not values <= {0, 1, True, False}:
        raise ValueError(f"{name}: expected a binary 0/1 target, got values {sorted(values)[:5]}")
    return y.astype(int)


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: np.ndarray,
    y_score: np.ndarray,
    *,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap interval of ``metric(y_true, y_score)``.

    Resamples rows with replacement; resamples with a single class are skipped.
    Returns ``(estimate, low, high)``.
    """
    y = _check_binary(y_true)
    s = np.asarray(y_score, dtype=float)
    if len(y) != len(s):
        raise ValueError(f"y_score: expected {len(y)} values like y_true, got {len(s)}")
    rng = np.random.default_rng(seed)
    estimate = float(metric(y, s))
    stats = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        stats.append(metric(y[idx], s[idx]))
    if not stats:
        return estimate, float("nan"), float("nan")
    low, high = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return estimate, float(low), float(high)


def roc_auc_ci(
    y_true: np.ndarray, y_score: np.ndarray, *, n_boot: int = 200, seed: int = 0
) -> tuple[float, float, float]:
    """ROC AUC with a 95% percentile bootstrap interval: ``(auc, low, high)``."""
    return bootstrap_ci(roc_auc_score, y_true, y_score, n_boot=n_boot, seed=seed)


def gini_score(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Gini coefficient (accuracy ratio) = 2 * AUC - 1."""
    return float(2 * roc_auc_score(_check_binary(y_true), y_score) - 1)


def ks_score(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score CDFs of the classes."""
    y = _check_binary(y_true)
    s = np.asarray(y_score, dtype=float)
    order = np.argsort(s, kind="mergesort")
    s, y = s[order], y[order]
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y_true: expected both classes to compute KS")
    cum_pos = np.cumsum(y) / n_pos
    cum_neg = np.cumsum(1 - y) / n_neg
    last_of_value = np.r_[s[1:] != s[:-1], True]  # evaluate only between distinct scores
    return float(np.max(np.abs(cum_pos - cum_neg)[last_of_value]))


def brier_loss(y_true: np.ndarray, y_prob: np.ndarray) -> float:
    """Mean squared error of predicted probabilities (lower is better)."""
    y = _check_binary(y_true)
    p = np.asarray(y_prob, dtype=float)
    return float(np.mean((p - y) ** 2))


def psi(
    expected: np.ndarray | pd.Series,
    actual: np.ndarray | pd.Series,
    *,
    bins: int | np.ndarray = 10,
    eps: float = 1e-4,
) -> float:
    """Population stability index of ``actual`` against ``expected``.

    ``bins`` is a number of quantile bins of ``expected`` or explicit edges.
    Rules of thumb: < 0.10 stable, 0.10-0.25 watch, > 0.25 shifted.
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if np.ndim(bins) == 0:
        edges = np.unique(np.quantile(e[~np.isnan(e)], np.linspace(0, 1, int(bins) + 1)))
    else:
        edges = np.asarray(bins, dtype=float)
    edges[0], edges[-1] = -np.inf, np.inf
    e_share = np.histogram(e, edges)[0] / max(len(e), 1)
    a_share = np.histogram(a, edges)[0] / max(len(a), 1)
    e_share, a_share = np.clip(e_share, eps, None), np.clip(a_share, eps, None)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))
