"""Churn-specific evaluation: deciles, gains, lift, PR AUC, calibration, cut-off tables.

Conventions: ``y_true`` before ``y_score``; rank 1 / decile 1 is the riskiest
group. Ties in the score are broken by the original row order (stable sort),
so every decile holds ``n / n_bins`` customers give or take one.
Shared metrics (ROC AUC with CI, Brier) live in :mod:`riskinsights_lib.evaluation`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    classification_report,
    confusion_matrix,
    roc_auc_score,
)

from riskinsights_lib.evaluation import bootstrap_ci

__all__ = [
    "decile_table",
    "gains_curve",
    "lift_at",
    "top_decile_lift",
    "pr_auc_score",
    "pr_auc_ci",
    "paired_auc_difference",
    "reliability_table",
    "confusion_table",
    "classification_table",
    "rate_by_group",
]


def _arrays(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(y_score, dtype=float)
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError("y_true, y_score: expected one-dimensional arrays")
    if len(y) != len(s):
        raise ValueError(f"y_score: expected {len(y)} values like y_true, got {len(s)}")
    if len(y) == 0:
        raise ValueError("y_true: expected at least one row")
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError("y_true: expected a binary 0/1 target")
    if np.isnan(s).any():
        raise ValueError("y_score: expected no missing scores")
    return y.astype(int), s


def _rank_order(s: np.ndarray) -> np.ndarray:
    """Row positions from highest to lowest score, ties in original order."""
    return np.argsort(-s, kind="stable")


def decile_table(y_true, y_score, *, n_bins: int = 10) -> pd.DataFrame:
    """Customers ranked by score and cut into ``n_bins`` equal groups (1 = riskiest).

    Columns: ``decile``, ``customers``, ``churners``, ``churn_rate``,
    ``min_score``, ``max_score``, ``cum_customers_share``, ``cum_churners``,
    ``cumulative_capture`` (share of all churners found so far), ``lift``
    (decile churn rate / overall rate) and ``cumulative_lift``.
    """
    y, s = _arrays(y_true, y_score)
    if n_bins < 1 or n_bins > len(y):
        raise ValueError(f"n_bins: expected 1..{len(y)}, got {n_bins}")
    order = _rank_order(s)
    group = (np.arange(len(y)) * n_bins) // len(y) + 1
    frame = pd.DataFrame({"decile": group, "y": y[order], "s": s[order]})
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        churners=("y", "sum"),
        min_score=("s", "min"),
        max_score=("s", "max"),
    )
    table = table.reset_index()
    total_rate = y.mean()
    total_churners = max(int(y.sum()), 1)
    table["churn_rate"] = table["churners"] / table["customers"]
    table["cum_customers_share"] = table["customers"].cumsum() / len(y)
    table["cum_churners"] = table["churners"].cumsum()
    table["cumulative_capture"] = table["cum_churners"] / total_churners
    rate = total_rate if total_rate > 0 else np.nan
    table["lift"] = table["churn_rate"] / rate
    table["cumulative_lift"] = (table["cum_churners"] / table["customers"].cumsum()) / rate
    cols = [
        "decile", "customers", "churners", "churn_rate", "min_score", "max_score",
        "cum_customers_share", "cum_churners", "cumulative_capture", "lift", "cumulative_lift",
    ]  # fmt: skip
    return table[cols]


def gains_curve(y_true, y_score) -> pd.DataFrame:
    """Cumulative gains per contacted customer: ``share_contacted``, ``share_captured``, ``lift``.

    Starts at (0, 0); the diagonal is random contact order.
    """
    y, s = _arrays(y_true, y_score)
    hits = np.cumsum(y[_rank_order(s)])
    n = np.arange(1, len(y) + 1)
    rate = y.mean() if y.sum() else np.nan
    return pd.DataFrame(
        {
            "share_contacted": np.r_[0.0, n / len(y)],
            "share_captured": np.r_[0.0, hits / max(y.sum(), 1)],
            "lift": np.r_[np.nan, (hits / n) / rate],
        }
    )


def lift_at(y_true, y_score, share: float) -> float:
    """Churn rate among the top ``share`` of customers by score divided by the overall rate."""
    y, s = _arrays(y_true, y_score)
    if not 0 < share <= 1:
        raise ValueError(f"share: expected a share in (0, 1], got {share}")
    k = max(int(round(share * len(y))), 1)
    top = y[_rank_order(s)[:k]]
    return float(top.mean() / y.mean()) if y.sum() else float("nan")


def top_decile_lift(y_true, y_score) -> float:
    """Lift in the riskiest 10% of customers (same cut as decile 1 of :func:`decile_table`)."""
    table = decile_table(y_true, y_score, n_bins=10)
    return float(table["lift"].iloc[0])


def pr_auc_score(y_true, y_score) -> float:
    """Area under the precision-recall curve (average precision); random = churn rate."""
    y, s = _arrays(y_true, y_score)
    return float(average_precision_score(y, s))


def pr_auc_ci(y_true, y_score, *, n_boot: int = 200, seed: int = 0) -> tuple[float, float, float]:
    """PR AUC with a 95% percentile bootstrap interval: ``(pr_auc, low, high)``."""
    y, s = _arrays(y_true, y_score)
    return bootstrap_ci(average_precision_score, y, s, n_boot=n_boot, seed=seed)


def paired_auc_difference(
    y_true, score_a, score_b, *, n_boot: int = 200, seed: int = 0
) -> tuple[float, float, float]:
    """ROC AUC of ``score_a`` minus that of ``score_b`` on the same rows, with a paired bootstrap CI.

    The same resampled rows score both models, so the interval reflects the
    difference itself, not two independent intervals. Returns ``(diff, low, high)``.
    """
    y, a = _arrays(y_true, score_a)
    _, b = _arrays(y_true, score_b)
    rng = np.random.default_rng(seed)
    diff = float(roc_auc_score(y, a) - roc_auc_score(y, b))
    stats = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        stats.append(roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx]))
    if not stats:
        return diff, float("nan"), float("nan")
    low, high = np.quantile(stats, [0.025, 0.975])
    return diff, float(low), float(high)


def reliability_table(y_true, y_prob, *, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted vs observed churn rate in ``n_bins`` equal-count bins of the probability."""
    y, p = _arrays(y_true, y_prob)
    if n_bins < 1:
        raise ValueError(f"n_bins: expected a positive integer, got {n_bins}")
    order = np.argsort(p, kind="stable")
    group = (np.arange(len(y)) * n_bins) // len(y)
    frame = pd.DataFrame({"bin": group + 1, "y": y[order], "p": p[order]})
    table = frame.groupby("bin").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    return table.reset_index()


def confusion_table(y_true, y_prob, *, cutoff: float = 0.5) -> pd.DataFrame:
    """Confusion matrix at ``cutoff`` (predict churn when probability >= cutoff), labelled."""
    y, p = _arrays(y_true, y_prob)
    if not 0 < cutoff < 1:
        raise ValueError(f"cutoff: expected a probability in (0, 1), got {cutoff}")
    cm = confusion_matrix(y, (p >= cutoff).astype(int), labels=[0, 1])
    return pd.DataFrame(
        cm, index=pd.Index(["stays", "churns"], name="actual"),
        columns=pd.Index(["predicted stays", "predicted churns"], name="predicted"),
    )  # fmt: skip


def classification_table(y_true, y_prob, *, cutoff: float = 0.5) -> pd.DataFrame:
    """scikit-learn's classification report at ``cutoff`` as a DataFrame."""
    y, p = _arrays(y_true, y_prob)
    if not 0 < cutoff < 1:
        raise ValueError(f"cutoff: expected a probability in (0, 1), got {cutoff}")
    report = classification_report(
        y, (p >= cutoff).astype(int), labels=[0, 1], target_names=["stays", "churns"],
        output_dict=True, zero_division=0,
    )  # fmt: skip
    return pd.DataFrame(report).T


def rate_by_group(df: pd.DataFrame, group: str, target: str) -> pd.DataFrame:
    """Rows, positives and positive rate of ``target`` per value of ``group``."""
    for name, col in (("group", group), ("target", target)):
        if col not in df.columns:
            raise ValueError(f"{name}: column {col!r} not found in df")
    table = df.groupby(group, observed=True)[target].agg(customers="size", churners="sum")
    table["churn_rate"] = table["churners"] / table["customers"]
    return table.reset_index()
