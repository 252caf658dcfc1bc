"""Getting a model mart ready: feature selection, snapshot split, truth join.

Generic over column names: the caller says which columns are keys, label and
snapshot date.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from riskinsights_lib.churn.gains import pr_auc_ci
from riskinsights_lib.evaluation import brier_loss, roc_auc_ci

__all__ = ["iso_dates", "select_features", "split_snapshots", "attach_truth", "summary_table"]

logger = logging.getLogger(__name__)


def iso_dates(values: pd.Series) -> pd.Series:
    """Dates of any type (date, timestamp, ISO text) as ``YYYY-MM-DD`` strings."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def select_features(
    df: pd.DataFrame, *, keys: list[str], target: str, exclude: tuple[str, ...] = ("run_id",)
) -> list[str]:
    """Every column except keys, target and ``exclude``, dropping columns with a single value.

    A constant column carries no information (and a run id would leak the
    run); dropped columns are logged.
    """
    missing = [c for c in [*keys, target] if c not in df.columns]
    if missing:
        raise ValueError(f"keys/target: columns not found in df: {missing}")
    candidates = [c for c in df.columns if c not in {*keys, target, *exclude}]
    constant = [c for c in candidates if df[c].nunique(dropna=False) <= 1]
    if constant:
        logger.info("dropping constant columns: %s", constant)
    features = [c for c in candidates if c not in constant]
    if not features:
        raise ValueError("df: no feature columns left after removing keys, target and constants")
    return features


def split_snapshots(
    df: pd.DataFrame, snapshot_col: str, *, development: str, out_of_time: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the development snapshot and of the out-of-time snapshot (ISO dates)."""
    if snapshot_col not in df.columns:
        raise ValueError(f"snapshot_col: column {snapshot_col!r} not found in df")
    if development >= out_of_time:
        raise ValueError(
            f"out_of_time: expected a date after the development snapshot {development}, got {out_of_time}"
        )
    dates = iso_dates(df[snapshot_col])
    dev, oot = df[dates == development], df[dates == out_of_time]
    for name, part, day in (("development", dev, development), ("out_of_time", oot, out_of_time)):
        if part.empty:
            raise ValueError(
                f"{name}: no rows at snapshot {day}; available {sorted(dates.unique())}"
            )
    return dev, oot


def attach_truth(
    df: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    keys: list[str],
    column: str,
    date_keys: tuple[str, ...] = (),
) -> pd.Series:
    """The truth ``column`` for each row of ``df`` (matched on ``keys``), indexed like ``df``.

    ``date_keys`` are keys compared as ISO dates. Rows without a match get
    ``NaN`` and are logged.
    """
    for name, frame in (("df", df), ("truth", truth)):
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise ValueError(f"{name}: key columns not found: {missing}")
    if column not in truth.columns:
        raise ValueError(f"column: {column!r} not found in truth")
    left, right = df[keys].copy(), truth[[*keys, column]].copy()
    for k in date_keys:
        left[k], right[k] = iso_dates(left[k]), iso_dates(right[k])
    for k in keys:
        left[k], right[k] = left[k].astype(str), right[k].astype(str)
    right = right.drop_duplicates(subset=keys)
    merged = left.merge(right, on=keys, how="left", validate="many_to_one")
    values = pd.Series(merged[column].to_numpy(dtype=float), index=df.index, name=column)
    if values.isna().any():
        logger.warning("%d of %d rows have no truth", int(values.isna().sum()), len(values))
    return values


def summary_table(
    y_true, scores: dict[str, np.ndarray], *, n_boot: int = 200, seed: int = 0
) -> pd.DataFrame:
    """ROC AUC (with 95% CI), PR AUC (with 95% CI) and Brier score of several scores on the same rows."""
    rows = []
    for name, s in scores.items():
        auc, lo, hi = roc_auc_ci(y_true, s, n_boot=n_boot, seed=seed)
        pr, plo, phi = pr_auc_ci(y_true, s, n_boot=n_boot, seed=seed)
        rows.append(
            {
                "model": name,
                "roc_auc": auc,
                "roc_auc_low": lo,
                "roc_auc_high": hi,
                "pr_auc": pr,
                "pr_auc_low": plo,
                "pr_auc_high": phi,
                "brier": brier_loss(y_true, s),
            }
        )
    return pd.DataFrame(rows).set_index("model")
