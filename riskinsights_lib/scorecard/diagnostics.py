"""Diagnostics of a scorecard's shortfall: would more data help, or is the form the limit?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from riskinsights_lib.scorecard.model import fit_scorecard

__all__ = ["learning_curve", "learning_curve_reading"]


def learning_curve(
    train: pd.DataFrame,
    target: str,
    features: Sequence[str],
    *,
    evaluate: Mapping[str, pd.DataFrame],
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    seed: int = 0,
    **fit_kwargs,
) -> pd.DataFrame:
    """Refit the scorecard on growing stratified shares of ``train``; AUC on each ``evaluate`` sample.

    Returns one row per fraction: rows, defaults, features entered and one AUC
    column per evaluation sample. A curve still rising at 100% says the
    scorecard is short of data rather than of model form.
    """
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise ValueError(f"fractions: expected shares in (0, 1], got {list(fractions)}")
    fit_kwargs.setdefault("leakage_guard", False)  # the full sample was screened once already
    rows = []
    for frac in tqdm(sorted(fractions), desc="learning curve", leave=False):
        if frac < 1:
            part, _ = train_test_split(
                train, train_size=frac, stratify=train[target], random_state=seed
            )
        else:
            part = train
        card = fit_scorecard(
            part, target=target, features=features, seed=seed, progress=False, **fit_kwargs
        )
        row = {
            "fraction": frac,
            "n": len(part),
            "defaults": int(part[target].sum()),
            "n_features": len(card.features),
        }
        for name, df in evaluate.items():
            row[f"auc_{name}"] = roc_auc_score(df[target], card.predict_pd(df))
        rows.append(row)
    return pd.DataFrame(rows)


def learning_curve_reading(curve: pd.DataFrame, column: str) -> str:
    """One sentence on the slope of the curve in ``column`` (e.g. ``"auc_out-of-time"``)."""
    first, last = curve.iloc[0], curve.iloc[-1]
    half = (
        curve.iloc[int(np.searchsorted(curve["fraction"], 0.5))]
        if (curve["fraction"] >= 0.5).any()
        else first
    )
    gain_total = last[column] - first[column]
    gain_late = last[column] - half[column]
    verdict = (
        "still rising with more training rows: the gap to the ceiling is to a large part sample size"
        if gain_late > 0.01
        else "flat over the last half of the training rows: more rows of the same kind would add little"
    )
    return (
        f"Fitted on {int(first['n']):,} rows ({int(first['defaults'])} defaults) the scorecard reaches "
        f"AUC {first[column]:.3f}; on all {int(last['n']):,} rows ({int(last['defaults'])} defaults) "
        f"{last[column]:.3f} ({gain_total:+.3f}). The curve is {verdict}."
    )
