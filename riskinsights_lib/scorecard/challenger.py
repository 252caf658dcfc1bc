"""Challenger model: gradient boosting (XGBoost) on the scorecard's candidate features.

Categorical columns use XGBoost's native categorical support with the
categories frozen at fit time, so that later samples are encoded identically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xgboost import XGBClassifier

from riskinsights_lib.scorecard.binning import as_text, is_categorical

__all__ = ["Challenger", "fit_challenger"]


@dataclass
class Challenger:
    """A fitted XGBoost challenger and the encoding of its inputs."""

    model: XGBClassifier
    features: list[str]
    categories: dict[str, list[str]]

    def _frame(self, df: pd.DataFrame) -> pd.DataFrame:
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise ValueError(f"df: expected the challenger's feature columns, missing {missing}")
        out = {}
        for f in self.features:
            if f in self.categories:
                text = as_text(df[f])
                out[f] = pd.Categorical(text, categories=self.categories[f])
            else:
                out[f] = pd.to_numeric(df[f], errors="coerce").astype(float)
        return pd.DataFrame(out, index=df.index)

    def predict_pd(self, df: pd.DataFrame) -> np.ndarray:
        """Probability of the event of each row."""
        return self.model.predict_proba(self._frame(df))[:, 1]

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """scikit-learn style ``(n, 2)`` probabilities."""
        return self.model.predict_proba(self._frame(df))

    def feature_importance(self) -> pd.Series:
        """Total gain per feature, largest first."""
        gain = self.model.get_booster().get_score(importance_type="total_gain")
        return pd.Series({f: gain.get(f, 0.0) for f in self.features}).sort_values(ascending=False)


def fit_challenger(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str],
    *,
    categorical: Sequence[str] | None = None,
    n_estimators: int = 300,
    max_depth: int = 3,
    learning_rate: float = 0.05,
    seed: int = 0,
    n_jobs: int = 2,
) -> Challenger:
    """Fit an XGBoost classifier on ``features`` of ``df`` against the 0/1 ``target``."""
    if target not in df.columns:
        raise ValueError(f"target: column {target!r} not in df")
    features = list(features)
    unknown = [f for f in features if f not in df.columns]
    if unknown:
        raise ValueError(f"features: not columns of df: {unknown}")
    categorical = set(
        categorical if categorical is not None else [f for f in features if is_categorical(df[f])]
    )
    cats = {
        f: sorted(as_text(df[f]).dropna().unique().tolist()) for f in features if f in categorical
    }
    model = XGBClassifier(
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=learning_rate,
        subsample=0.8,
        colsample_bytree=0.8,
        min_child_weight=5,
        tree_method="hist",
        enable_categorical=True,
        eval_metric="logloss",
        random_state=seed,
        n_jobs=n_jobs,
    )
    ch = Challenger(model=model, features=features, categories=cats)
    model.fit(ch._frame(df), df[target].astype(int).to_numpy())
    return ch
