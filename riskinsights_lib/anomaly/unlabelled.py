"""What 06 shows when there are no planted labels (a bank's own extracts).

Without ground truth there is no precision or recall; what remains is how the
detectors' scores are distributed, where the alert thresholds fall, and how
far the detectors agree on the transactions they would send for review.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from riskinsights_lib.style import PALETTE, get_ax

__all__ = ["score_quantiles", "detector_agreement", "plot_score_histogram"]

_QUANTILES = (0.5, 0.9, 0.99, 0.999)


def score_quantiles(scored: pd.DataFrame, detectors: list[str]) -> pd.DataFrame:
    """Median, upper quantiles and maximum of each detector's score (one row per detector)."""
    rows = {}
    for name in detectors:
        values = scored[name].astype(float)
        row = {f"p{q * 100:g}": float(values.quantile(q)) for q in _QUANTILES}
        rows[name] = {**row, "max": float(values.max())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("detector")


def _top(scores: pd.Series, k: int) -> set:
    return set(scores.nlargest(k).index)


def detector_agreement(
    scored: pd.DataFrame, detectors: list[str], *, k: int, reference: str = "iforest"
) -> pd.DataFrame:
    """Share of ``reference``'s top ``k`` transactions that each detector also ranks in its top ``k``.

    Examples
    --------
    >>> frame = pd.DataFrame({"iforest": [5, 4, 3, 2, 1], "rule": [5, 1, 4, 2, 3]})
    >>> detector_agreement(frame, ["iforest", "rule"], k=2)["shared_with_iforest"].tolist()
    [1.0, 0.5]
    """
    if k <= 0:
        raise ValueError(f"k: expected a positive number of transactions, got {k}")
    base = _top(scored[reference], k)
    rows = [
        {
            "detector": name,
            "top_k": k,
            "shared_with_" + reference: len(base & _top(scored[name], k)) / len(base),
        }
        for name in detectors
    ]
    return pd.DataFrame(rows).set_index("detector")


def plot_score_histogram(
    scores: pd.Series | np.ndarray,
    *,
    thresholds: dict[str, float],
    bins: int = 80,
    detector: str = "Isolation Forest",
    ax: Axes | None = None,
) -> Axes:
    """Histogram of one detector's scores (log counts) with its alert thresholds marked."""
    ax = get_ax(ax)
    values = np.asarray(scores, dtype=float)
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.7, log=True)
    for i, (label, value) in enumerate(thresholds.items()):
        ax.axvline(value, color=PALETTE[(i + 1) % len(PALETTE)], ls="--", lw=1.2, label=label)
    ax.set_xlabel(f"{detector} score (higher is more unusual)")
    ax.set_ylabel("transactions (log scale)")
    ax.set_title(f"{detector}: {len(values):,} transactions scored, alert thresholds marked")
    if thresholds:
        ax.legend(loc="upper right")
    return ax
