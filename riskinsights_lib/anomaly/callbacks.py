"""The explorer's logic as plain functions (unit-tested; the widgets only call them).

The alert budget is the number of transactions flagged across all scored
rows; the score threshold is the budget-th highest score, and a row is
flagged when its score reaches it (ties at the threshold are all flagged).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from riskinsights_lib.anomaly.evaluate import NORMAL

__all__ = [
    "budget_from_contamination",
    "threshold_for_budget",
    "flag_summary",
    "budget_curve",
    "budget_grid",
    "filter_transactions",
    "flagged_customers",
    "customer_timeline",
    "breakdown_at_threshold",
]


def budget_from_contamination(n_rows: int, contamination: float) -> int:
    """Alerts implied by flagging a share ``contamination`` of ``n_rows`` (at least 1)."""
    if not 0 < contamination < 1:
        raise ValueError(f"contamination: expected a share in (0, 1), got {contamination}")
    if n_rows < 1:
        raise ValueError(f"n_rows: expected at least 1 row, got {n_rows}")
    return max(1, int(round(n_rows * contamination)))


def threshold_for_budget(scores: np.ndarray | pd.Series, budget: int) -> float:
    """The score of the ``budget``-th most unusual row (flag rows scoring at least this)."""
    s = np.asarray(scores, dtype=float)
    if len(s) == 0:
        raise ValueError("scores: expected at least one score")
    if int(budget) < 1:
        raise ValueError(f"budget: expected at least 1 alert, got {budget}")
    b = min(int(budget), len(s))
    return float(np.partition(s, len(s) - b)[len(s) - b])


def flag_summary(
    scores: np.ndarray | pd.Series, anomaly_type: pd.Series | None, threshold: float
) -> dict[str, float]:
    """Counts at a threshold: flagged rows and, with truth, precision and recall.

    ``anomaly_type`` is the planted type per row (missing or "normal" = not an
    anomaly); pass None when there is no truth.
    """
    s = np.asarray(scores, dtype=float)
    flagged = s >= threshold
    out: dict[str, float] = {
        "rows": int(len(s)),
        "threshold": float(threshold),
        "flagged": int(flagged.sum()),
    }
    if anomaly_type is not None:
        t = pd.Series(anomaly_type).astype("string").fillna(NORMAL).to_numpy()
        if len(t) != len(s):
            raise ValueError(f"anomaly_type: expected {len(s)} values like scores, got {len(t)}")
        pos = t != NORMAL
        tp = int((pos & flagged).sum())
        out.update(
            anomalies=int(pos.sum()),
            true_positives=tp,
            precision=tp / flagged.sum() if flagged.any() else float("nan"),
            recall=tp / pos.sum() if pos.any() else float("nan"),
        )
    return out


def budget_curve(
    scores: np.ndarray | pd.Series, anomaly_type: pd.Series, budgets: Iterable[int]
) -> pd.DataFrame:
    """Precision and recall at each alert budget (the slider's positions as a table)."""
    rows = []
    for b in budgets:
        thr = threshold_for_budget(scores, b)
        rows.append({"budget": int(b), **flag_summary(scores, anomaly_type, thr)})
    return pd.DataFrame(rows)


def budget_grid(n_rows: int, *, k: int, extra: Iterable[int] = (), n_points: int = 12) -> list[int]:
    """Alert budgets to tabulate: a log-spaced grid from ``k / 10`` to ``100 k`` (capped at ``n_rows``) plus ``extra``."""
    if n_rows < 1 or k < 1:
        raise ValueError(f"n_rows, k: expected positive counts, got {n_rows}, {k}")
    grid = np.geomspace(max(1, k // 10), max(min(100 * k, n_rows), 2), n_points)
    values = {int(round(v)) for v in grid} | {int(k)} | {int(e) for e in extra}
    return sorted(v for v in values if 1 <= v <= n_rows)


def _as_selection(values: str | Sequence[str] | None) -> list[str] | None:
    if values is None or isinstance(values, str) and values in ("", "All"):
        return None
    vals = [values] if isinstance(values, str) else list(values)
    return None if not vals or "All" in vals else vals


def filter_transactions(
    frame: pd.DataFrame,
    *,
    anomaly_types: str | Sequence[str] | None = None,
    channels: str | Sequence[str] | None = None,
    countries: str | Sequence[str] | None = None,
    type_col: str = "anomaly_type",
    channel_col: str = "channel",
    country_col: str = "merchant_country",
) -> pd.DataFrame:
    """Rows matching every given selection; None, empty or "All" means no filter.

    ``anomaly_types`` may include "normal" for the rows without a planted anomaly.
    """
    mask = pd.Series(True, index=frame.index)
    for values, col in (
        (anomaly_types, type_col),
        (channels, channel_col),
        (countries, country_col),
    ):
        sel = _as_selection(values)
        if sel is None:
            continue
        if col not in frame.columns:
            raise KeyError(f"frame: no column {col!r} to filter on")
        col_values = frame[col].astype("string")
        if col == type_col:
            col_values = col_values.fillna(NORMAL)
        mask &= col_values.isin(sel).fillna(False)
    return frame.loc[mask]


def flagged_customers(
    frame: pd.DataFrame,
    threshold: float,
    *,
    top: int = 50,
    score_col: str = "score",
    customer_col: str = "customer_id",
) -> list[str]:
    """Customers with flagged transactions, most unusual first (for the drill-down list)."""
    hit = frame.loc[frame[score_col] >= threshold, [customer_col, score_col]]
    best = hit.groupby(customer_col)[score_col].max().sort_values(ascending=False, kind="stable")
    return [str(c) for c in best.index[: int(top)]]


def customer_timeline(
    frame: pd.DataFrame,
    customer_id: str,
    threshold: float,
    *,
    score_col: str = "score",
    customer_col: str = "customer_id",
    ts_col: str = "ts",
) -> pd.DataFrame:
    """One customer's transactions in time order, with a ``flagged`` column."""
    rows = frame.loc[frame[customer_col].astype("string") == str(customer_id)].sort_values(
        ts_col, kind="stable"
    )
    if rows.empty:
        raise KeyError(f"customer_id: {customer_id!r} has no transactions in the frame")
    rows = rows.copy()
    rows["flagged"] = rows[score_col] >= threshold
    return rows


def breakdown_at_threshold(
    frame: pd.DataFrame,
    threshold: float,
    by: str,
    *,
    score_col: str = "score",
    type_col: str = "anomaly_type",
) -> pd.DataFrame:
    """The explorer's counts for every value of ``by`` at once (its static equivalent).

    One row per value of ``by`` (e.g. channel): transactions, flagged, planted
    anomalies, true positives, precision and recall at ``threshold``.
    """
    if by not in frame.columns:
        raise KeyError(f"by: {by!r} is not a column of frame")
    rows = []
    for value, sub in frame.groupby(frame[by].astype("string").fillna("(none)"), sort=True):
        summary = flag_summary(sub[score_col].to_numpy(), sub.get(type_col), threshold)
        rows.append({by: value, **{k: v for k, v in summary.items() if k != "threshold"}})
    out = pd.DataFrame(rows).rename(columns={"rows": "transactions"})
    return out.sort_values("flagged", ascending=False, kind="stable").reset_index(drop=True)
