"""Evaluating a detector on a stratified sample instead of every transaction.

Scoring every transaction with the slow baselines (LOF needs a neighbour search
per row) costs more than the rest of the stage. Their metrics do not need every
row: :func:`stratified_sample` keeps every planted anomaly and a seeded share of
the normal rows of each day, each normal row weighing ``1 / share``, and
:func:`weighted_metrics` computes the same figures as
:func:`~riskinsights_lib.anomaly.evaluate.evaluate_detectors` from the weights:

* PR AUC: scikit-learn's average precision with the weights (an unbiased
  estimate of the full ranking's precision at each anomaly);
* precision@k / recall@k and their daily versions: the top ``k`` rows are the
  highest scores until the weights add up to ``k``.

With ``share = 1`` every weight is 1 and the figures equal the full evaluation
exactly (tested). Planted labels choose the sample, which is fine for an
evaluation: the detectors never see them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from riskinsights_lib.anomaly.evaluate import NORMAL, _check_k, _scores, _type_labels

__all__ = ["stratified_sample", "weighted_top_k_mask", "weighted_metrics"]


def stratified_sample(
    anomaly_type: pd.Series, day: pd.Series | np.ndarray, *, share: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of every anomaly plus ``share`` of each day's normal rows, and their weights.

    Returns ``(positions, weights)``, positions in increasing order; anomalies weigh 1
    and sampled normal rows ``1 / share``.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share: expected a share of normal rows in (0, 1], got {share}")
    types = _type_labels(anomaly_type)
    normal = (types == NORMAL).to_numpy()
    days = pd.Series(np.asarray(day))
    if len(days) != len(normal):
        raise ValueError(f"day: expected {len(normal)} values like anomaly_type, got {len(days)}")
    u = np.random.default_rng(seed).random(len(normal))
    if share < 1:  # exactly round(share * n) normal rows of each day: the smallest draws
        rank = pd.Series(u).where(normal).groupby(days.to_numpy()).rank(method="first")
        per_day = days.map(pd.Series(normal).groupby(days.to_numpy()).sum()).to_numpy()
        keep = ~normal | (rank.to_numpy() <= np.round(share * per_day))
    else:
        keep = np.ones(len(normal), dtype=bool)
    positions = np.flatnonzero(keep)
    weights = np.where(normal[positions], 1.0 / share, 1.0)
    return positions, weights


def weighted_top_k_mask(
    y_score: np.ndarray, weights: np.ndarray, k: int, day: np.ndarray | None = None
) -> np.ndarray:
    """Rows among the highest scores whose weights add up to at most ``k`` (per ``day`` if given).

    Ties are broken by row order, as in :func:`~riskinsights_lib.anomaly.evaluate.top_k_mask`.
    """
    k = _check_k(k)
    s = np.asarray(y_score, dtype=float)
    w = np.asarray(weights, dtype=float)
    codes = np.zeros(len(s), dtype=int) if day is None else pd.factorize(np.asarray(day))[0]
    order = np.lexsort((np.arange(len(s)), -s, codes))
    cum = pd.Series(w[order]).groupby(codes[order]).cumsum().to_numpy()
    mask = np.zeros(len(s), dtype=bool)
    mask[order[cum <= k + 1e-9]] = True
    return mask


def weighted_metrics(
    anomaly_type: pd.Series,
    scores: Mapping[str, np.ndarray | pd.Series],
    weights: np.ndarray,
    *,
    k: int,
    day: np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """:func:`~riskinsights_lib.anomaly.evaluate.evaluate_detectors`' table from a weighted sample."""
    k = _check_k(k)
    types = _type_labels(anomaly_type)
    y = (types != NORMAL).to_numpy()
    w = np.asarray(weights, dtype=float)
    d = None if day is None else np.asarray(day)
    kinds = sorted(t for t in types.unique() if t != NORMAL)
    rows = []
    for name, raw in scores.items():
        s = _scores(raw, len(y))
        top = weighted_top_k_mask(s, w, k)
        daily = weighted_top_k_mask(s, w, k, d) if d is not None else None
        for segment in ["overall", *kinds]:
            pos = y if segment == "overall" else (types == segment).to_numpy()
            keep = pos | ~y
            n_pos = float(w[pos].sum())
            row = {
                "detector": name,
                "segment": segment,
                "n_anomalies": int(round(n_pos)),
                "pr_auc": float(average_precision_score(pos[keep], s[keep], sample_weight=w[keep]))
                if n_pos
                else np.nan,
                "precision_at_k": float(w[pos & top].sum() / w[top].sum()),
                "recall_at_k": float(w[pos & top].sum() / n_pos) if n_pos else np.nan,
            }
            if daily is not None:
                row["daily_precision_at_k"] = float(w[pos & daily].sum() / w[daily].sum())
                row["daily_recall_at_k"] = float(w[pos & daily].sum() / n_pos) if n_pos else np.nan
            rows.append(row)
    return pd.DataFrame(rows)
