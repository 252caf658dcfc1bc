"""SHAP explanations of the churn model, for the data scientist and in words for the retention team.

Values come from SHAP's ``TreeExplainer`` (exact TreeSHAP on the trimmed
booster) on the log-odds scale: for each row, the expected value plus the sum
of the SHAP values equals the model's margin output.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
import shap
import xgboost as xgb

from riskinsights_lib.churn.model import ChurnModel

__all__ = [
    "explain",
    "global_importance",
    "top_reasons",
    "typical_ranges",
    "reason_text",
    "humanise",
]

logger = logging.getLogger(__name__)


def explain(
    model: ChurnModel, df: pd.DataFrame, *, explainer: shap.TreeExplainer | None = None
) -> shap.Explanation:
    """SHAP values of ``model`` on the rows of ``df``.

    Pass ``explainer`` (a ``shap.TreeExplainer`` of ``model.booster``) to reuse one
    across calls, as a scoring service does; by default one is built per call.

    Returns a :class:`shap.Explanation` with ``values`` (rows x features, log-odds),
    ``base_values`` (the expected value, per row), ``data`` (numeric matrix;
    categoricals as category codes, missing as ``NaN``, for colouring) and
    ``display_data`` (the original values, for reading).
    """
    if len(df) == 0:
        raise ValueError("df: expected at least one row to explain")
    matrix = model.matrix(df)
    explainer = explainer if explainer is not None else shap.TreeExplainer(model.booster)
    values = explainer.shap_values(xgb.DMatrix(matrix, enable_categorical=True))
    base = float(np.ravel(explainer.expected_value)[0])
    numeric = matrix.copy()
    for col in model.preprocessing.categorical:
        codes = numeric[col].cat.codes.astype(float)
        numeric[col] = codes.where(codes >= 0, np.nan)
    display = df[model.features].astype(object).where(df[model.features].notna(), None)
    return shap.Explanation(
        values=np.asarray(values, dtype=float),
        base_values=np.full(len(df), base),
        data=numeric.to_numpy(dtype=float),
        display_data=display.to_numpy(),
        feature_names=model.features,
    )


def global_importance(explanation: shap.Explanation) -> pd.DataFrame:
    """Mean absolute SHAP value per feature, largest first, with its share of the total."""
    mean_abs = np.abs(explanation.values).mean(axis=0)
    table = pd.DataFrame({"feature": explanation.feature_names, "mean_abs_shap": mean_abs})
    total = mean_abs.sum()
    table["share"] = table["mean_abs_shap"] / total if total > 0 else 0.0
    return table.sort_values("mean_abs_shap", ascending=False, ignore_index=True)


def humanise(name: str) -> str:
    """``"deposit_balance_avg_3m"`` -> ``"deposit balance avg 3m"``."""
    return str(name).replace("_", " ").strip()


def _fmt(x: float) -> str:
    if float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) < 10:
        return f"{x:,.2f}"
    return f"{x:,.0f}"


def reason_text(
    feature: str, value: object, *, low: float | None = None, high: float | None = None
) -> str:
    """One reason in words, e.g. ``"deposit balance avg 3m is low (120; typical 300-4,500)"``.

    ``low`` and ``high`` bound the typical range of a numeric feature (e.g. its
    quartiles); values outside it are called low or high.
    """
    label = humanise(feature)
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return f"{label} is missing"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        x = float(value)
        typical = ""
        if low is not None and high is not None:
            span = _fmt(low) if _fmt(low) == _fmt(high) else f"{_fmt(low)}-{_fmt(high)}"
            typical = f"typical {span}"
        if low is not None and x < low:
            return f"{label} is low ({_fmt(x)}; {typical})"
        if high is not None and x > high:
            return f"{label} is high ({_fmt(x)}; {typical})"
        return f"{label} = {_fmt(x)}"
    return f"{label} is {value}"


def typical_ranges(
    explanation: shap.Explanation | pd.DataFrame,
) -> dict[str, tuple[float, float]]:
    """Interquartile range of every numeric feature over the explained rows.

    Pass the explanation, or the DataFrame of the rows' features (same result,
    no SHAP). Keep the ranges of a reference population (e.g. the out-of-time
    snapshot) to word the reasons of a few new rows the same way
    (``top_reasons(..., bounds=)``).
    """
    if isinstance(explanation, pd.DataFrame):
        names = list(explanation.columns)
        raw = explanation.astype(object).where(explanation.notna(), None).to_numpy()
    else:
        names = list(explanation.feature_names)
        raw = explanation.display_data if explanation.display_data is not None else explanation.data
    raw = np.asarray(raw, dtype=object)
    bounds = {}
    for j, name in enumerate(names):
        col = pd.to_numeric(pd.Series(raw[:, j]), errors="coerce").astype(float)
        if col.notna().sum() and col.notna().sum() == pd.Series(raw[:, j]).notna().sum():
            bounds[name] = (float(col.quantile(0.25)), float(col.quantile(0.75)))
    return bounds


def top_reasons(
    explanation: shap.Explanation,
    index: pd.Index | None = None,
    *,
    n: int = 3,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """The ``n`` features pushing each row's churn risk up the most, in words.

    Only features with a positive SHAP value count as reasons; rows with fewer
    get empty strings. Numeric values are called low or high against ``bounds``
    (default: the interquartile range of the explained rows, :func:`typical_ranges`).

    Returns a DataFrame indexed by ``index`` with columns ``reason_1..reason_n``.
    """
    if n < 1:
        raise ValueError(f"n: expected a positive number of reasons, got {n}")
    values = np.asarray(explanation.values)
    raw = explanation.display_data if explanation.display_data is not None else explanation.data
    raw = np.asarray(raw, dtype=object)
    names = list(explanation.feature_names)
    bounds = typical_ranges(explanation) if bounds is None else dict(bounds)
    order = np.argsort(-values, axis=1, kind="stable")[:, :n]
    rows = []
    for i in range(values.shape[0]):
        reasons = []
        for j in order[i]:
            if values[i, j] <= 0:
                break
            low, high = bounds.get(names[j], (None, None))
            reasons.append(reason_text(names[j], raw[i, j], low=low, high=high))
        rows.append(reasons + [""] * (n - len(reasons)))
    cols = [f"reason_{k + 1}" for k in range(n)]
    idx = index if index is not None else pd.RangeIndex(values.shape[0])
    if len(idx) != values.shape[0]:
        raise ValueError(f"index: expected {values.shape[0]} labels, got {len(idx)}")
    return pd.DataFrame(rows, index=idx, columns=cols)
