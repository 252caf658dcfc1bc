"""Reason codes: the characteristics that cost a customer the most points.

For each row and scorecard feature, the shortfall is the points of the best
bin of that feature minus the row's points; the reasons are the (up to) ``n``
largest positive shortfalls, in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from riskinsights_lib.scorecard.model import Scorecard

__all__ = ["reason_codes"]


def reason_codes(
    card: Scorecard,
    df: pd.DataFrame,
    *,
    n: int = 4,
    id_column: str | None = None,
    labels: Mapping[str, str] | None = None,
    min_points: float = 0.5,
) -> pd.DataFrame:
    """Up to ``n`` reasons per row, worst first, as text.

    Parameters
    ----------
    card : a fitted scorecard.
    df : rows to explain.
    n : most reasons per row.
    id_column : column copied to the output (e.g. a pseudonymous id).
    labels : plain-language names of features (default: the column names).
    min_points : shortfalls below this many points are not reasons.

    Returns one row per input row: the id, ``score``, ``reason_1`` .. ``reason_n``
    (empty when fewer reasons) and ``points_lost_1`` ...
    """
    if n < 1:
        raise ValueError(f"n: expected at least 1, got {n}")
    if id_column is not None and id_column not in df.columns:
        raise ValueError(f"id_column: {id_column!r} not in df")
    labels = dict(labels or {})
    idx = card.bin_indices(df)
    feats = card.features
    best = {f: float(np.max(card.bin_points(f))) for f in feats}
    pts = np.column_stack([card.bin_points(f)[idx[f].to_numpy()] for f in feats])
    shortfall = np.array([best[f] for f in feats])[None, :] - pts
    order = np.argsort(-shortfall, axis=1, kind="stable")
    out = pd.DataFrame(index=df.index)
    if id_column is not None:
        out[id_column] = df[id_column].to_numpy()
    out["score"] = pts.sum(axis=1)
    for k in range(n):
        texts, lost = [], []
        for r in range(len(df)):
            j = order[r, k] if k < len(feats) else None
            if j is None or shortfall[r, j] < min_points:
                texts.append("")
                lost.append(0.0)
                continue
            f = feats[j]
            words = card.binnings[f].words(int(idx.iat[r, j]))
            texts.append(f"{labels.get(f, f)} {words} (-{shortfall[r, j]:.0f} points vs best bin)")
            lost.append(float(shortfall[r, j]))
        out[f"reason_{k + 1}"] = texts
        out[f"points_lost_{k + 1}"] = lost
    return out.reset_index(drop=True)
