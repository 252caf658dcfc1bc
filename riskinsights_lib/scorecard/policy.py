"""Cut-off policy: where to draw the accept/decline line on the PD.

``max_ks`` declines from the PD that separates defaulters from the rest best
(the KS point); ``approval_rate`` declines the riskiest ``1 - approval_rate``
share. The cut-off is chosen on one sample (development test) and applied,
frozen, to another (out-of-time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix, roc_curve

__all__ = ["choose_cutoff", "decision_report"]


def choose_cutoff(
    y_true: np.ndarray, pd_: np.ndarray, *, policy: str = "max_ks", approval_rate: float = 0.85
) -> float:
    """PD cut-off: rows with ``PD >= cutoff`` are declined (predicted default)."""
    p = np.asarray(pd_, dtype=float)
    if policy == "max_ks":
        fpr, tpr, thr = roc_curve(np.asarray(y_true, dtype=int), p)
        i = int(np.argmax(tpr - fpr))
        return float(min(thr[i], 1.0))
    if policy == "approval_rate":
        if not 0 < approval_rate < 1:
            raise ValueError(f"approval_rate: expected in (0, 1), got {approval_rate}")
        return float(np.quantile(p, approval_rate))
    raise ValueError(f"policy: expected 'max_ks' or 'approval_rate', got {policy!r}")


def decision_report(
    y_true: np.ndarray, pd_: np.ndarray, cutoff: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Confusion matrix (counts) and classification report at a PD cut-off.

    Returns ``(matrix, report)``: the matrix has rows = actual (non-default,
    default) and columns = decision (approve, decline).
    """
    y = np.asarray(y_true, dtype=int)
    decline = (np.asarray(pd_, dtype=float) >= cutoff).astype(int)
    cm = confusion_matrix(y, decline, labels=[0, 1])
    matrix = pd.DataFrame(
        cm,
        index=pd.Index(["non-default", "default"], name="actual"),
        columns=pd.Index(["approve", "decline"], name="decision"),
    )
    rep = classification_report(
        y,
        decline,
        labels=[0, 1],
        target_names=["non-default", "default"],
        output_dict=True,
        zero_division=0,
    )
    return matrix, pd.DataFrame(rep).T
