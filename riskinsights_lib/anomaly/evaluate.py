"""Detection metrics against the planted anomalies (truth is used here only).

* PR AUC is the average precision (the step-wise area under the
  precision-recall curve, scikit-learn's ``average_precision_score``):
  the mean, over the anomalies, of the precision in the top rows down to each.
  Its no-skill value is the anomaly rate, not 0.5, which is why it suits rare events.
* precision@k / recall@k: among the ``k`` highest scores (ties broken by row
  order, so the figures are reproducible), the share that are anomalies / the
  share of anomalies caught. ``k`` is the analysts' review capacity.
* The daily view applies the capacity per calendar day (the top ``k`` of each
  day), which is how a team working through a daily queue meets alerts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

__all__ = [
    "pr_auc_score",
    "top_k_mask",
    "daily_top_k_mask",
    "precision_at_k",
    "recall_at_k",
    "is_anomaly",
    "evaluate_detectors",
    "recall_by_type",
]

NORMAL = "normal"


def _binary(y_true: np.ndarray | pd.Series) -> np.ndarray:
    y = np.asarray(y_true)
    if y.dtype == bool:
        return y.astype(int)
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"y_true: expected a binary 0/1 target, got values {sorted(values)[:5]}")
    return y.astype(int)


def _scores(y_score: np.ndarray | pd.Series, n: int) -> np.ndarray:
    s = np.asarray(y_score, dtype=float)
    if s.shape != (n,):
        raise ValueError(f"y_score: expected {n} scores like y_true, got shape {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("y_score: expected finite scores, got NaN or infinity")
    return s


def _check_k(k: int) -> int:
    if int(k) < 1:
        raise ValueError(f"k: expected a positive number of reviewed rows, got {k}")
    return int(k)


def pr_auc_score(y_true: np.ndarray | pd.Series, y_score: np.ndarray | pd.Series) -> float:
    """Area under the precision-recall curve as average precision (higher is better)."""
    y = _binary(y_true)
    s = _scores(y_score, len(y))
    if y.sum() == 0:
        return float("nan")
    return float(average_precision_score(y, s))


def top_k_mask(y_score: np.ndarray | pd.Series, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` highest scores (ties broken by row order)."""
    s = np.asarray(y_score, dtype=float)
    k = _check_k(k)
    order = np.argsort(-s, kind="stable")[:k]
    mask = np.zeros(len(s), dtype=bool)
    mask[order] = True
    return mask


def daily_top_k_mask(
    y_score: np.ndarray | pd.Series, day: np.ndarray | pd.Series, k: int
) -> np.ndarray:
    """Boolean mask of the ``k`` highest scores within each value of ``day``."""
    s = np.asarray(y_score, dtype=float)
    k = _check_k(k)
    d = pd.Series(np.asarray(day))
    if len(d) != len(s):
        raise ValueError(f"day: expected {len(s)} values like y_score, got {len(d)}")
    frame = pd.DataFrame({"s": -s, "d": d.to_numpy(), "pos": np.arange(len(s))})
    frame = frame.sort_values(["d", "s", "pos"], kind="stable")
    rank = frame.groupby("d", sort=False).cumcount().to_numpy()
    mask = np.zeros(len(s), dtype=bool)
    mask[frame["pos"].to_numpy()[rank < k]] = True
    return mask


def precision_at_k(
    y_true: np.ndarray | pd.Series, y_score: np.ndarray | pd.Series, k: int
) -> float:
    """Share of anomalies among the ``k`` highest scores."""
    y = _binary(y_true)
    mask = top_k_mask(_scores(y_score, len(y)), k)
    return float(y[mask].sum() / mask.sum()) if mask.any() else float("nan")


def recall_at_k(y_true: np.ndarray | pd.Series, y_score: np.ndarray | pd.Series, k: int) -> float:
    """Share of all anomalies found among the ``k`` highest scores."""
    y = _binary(y_true)
    mask = top_k_mask(_scores(y_score, len(y)), k)
    return float(y[mask].sum() / y.sum()) if y.sum() else float("nan")


def is_anomaly(anomaly_type: pd.Series) -> np.ndarray:
    """1 where a transaction carries a planted anomaly type, 0 where it is missing/"normal"."""
    t = pd.Series(anomaly_type)
    return (t.notna() & (t.astype("string") != NORMAL)).to_numpy().astype(int)


def _type_labels(anomaly_type: pd.Series) -> pd.Series:
    t = pd.Series(anomaly_type).astype("string").fillna(NORMAL).reset_index(drop=True)
    return t


def evaluate_detectors(
    anomaly_type: pd.Series,
    scores: Mapping[str, np.ndarray | pd.Series],
    *,
    k: int,
    day: np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """One table: every detector, overall and per anomaly type.

    Parameters
    ----------
    anomaly_type : per transaction, the planted type or missing/"normal".
    scores : detector name -> scores aligned with ``anomaly_type``.
    k : review capacity (rows in the top-k queue).
    day : optional calendar day per transaction, adding the daily-queue view
        (top ``k`` of each day).

    Returns
    -------
    DataFrame with ``detector``, ``segment`` ("overall" or a type),
    ``n_anomalies``, ``pr_auc`` (per type: that type against the normal rows),
    ``precision_at_k`` (per type: share of the queue of that type),
    ``recall_at_k`` and, with ``day``, ``daily_precision_at_k`` and ``daily_recall_at_k``.
    """
    k = _check_k(k)
    types = _type_labels(anomaly_type)
    y = (types != NORMAL).to_numpy().astype(int)
    kinds = sorted(t for t in types.unique() if t != NORMAL)
    rows = []
    for name, raw in scores.items():
        s = _scores(raw, len(y))
        top = top_k_mask(s, k)
        daily = daily_top_k_mask(s, day, k) if day is not None else None
        for segment in ["overall", *kinds]:
            if segment == "overall":
                pos, keep = y.astype(bool), np.ones(len(y), dtype=bool)
            else:
                pos = (types == segment).to_numpy()
                keep = pos | (y == 0)
            n_pos = int(pos.sum())
            row = {
                "detector": name,
                "segment": segment,
                "n_anomalies": n_pos,
                "pr_auc": pr_auc_score(pos[keep], s[keep]),
                "precision_at_k": float((pos & top).sum() / top.sum()),
                "recall_at_k": float((pos & top).sum() / n_pos) if n_pos else np.nan,
            }
            if daily is not None:
                row["daily_precision_at_k"] = float((pos & daily).sum() / daily.sum())
                row["daily_recall_at_k"] = float((pos & daily).sum() / n_pos) if n_pos else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def recall_by_type(
    table: pd.DataFrame, detector: str, column: str = "recall_at_k"
) -> dict[str, float]:
    """``{type: recall}`` for one detector from :func:`evaluate_detectors`' table."""
    sub = table[(table["detector"] == detector) & (table["segment"] != "overall")]
    if sub.empty:
        raise ValueError(f"detector: {detector!r} is not in the table")
    return {str(r.segment): float(getattr(r, column)) for r in sub.itertuples()}
