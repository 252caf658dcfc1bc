"""The logistic-regression baseline the XGBoost model must beat.

Same features, simple and transparent preprocessing: numeric features get
median imputation plus a missing-value indicator and standard scaling;
categorical features get a ``"missing"`` level and one-hot encoding (unseen
categories score as all zeros).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from riskinsights_lib.churn.model import Preprocessing, _check_features, check_binary_target

__all__ = ["BaselineModel", "fit_baseline"]

_MISSING = "missing"


@dataclass
class BaselineModel:
    """A fitted imputation + one-hot + scaling + logistic regression pipeline."""

    pipeline: Pipeline
    preprocessing: Preprocessing
    target: str

    @property
    def features(self) -> list[str]:
        """Feature columns the model reads."""
        return list(self.preprocessing.features)

    def _frame(self, df: pd.DataFrame) -> pd.DataFrame:
        x = self.preprocessing.transform(df)
        for col in self.preprocessing.categorical:
            x[col] = x[col].astype(object).where(x[col].notna(), _MISSING)
        return x

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """Class probabilities as in scikit-learn: shape ``(n, 2)``, column 1 is churn."""
        return self.pipeline.predict_proba(self._frame(df))

    def churn_probability(self, df: pd.DataFrame) -> pd.Series:
        """Probability of churn per row, indexed like ``df``."""
        return pd.Series(self.predict_proba(df)[:, 1], index=df.index, name="churn_probability")


def fit_baseline(
    df: pd.DataFrame,
    target: str = "churn_6m",
    features: list[str] | None = None,
    *,
    categorical: list[str] | None = None,
    C: float = 1.0,
    max_iter: int = 2000,
) -> BaselineModel:
    """Fit the logistic-regression baseline on ``df``.

    Parameters
    ----------
    df : training rows.
    target : binary 0/1 column.
    features : feature columns (text/category columns are categorical unless
        ``categorical`` lists them).
    C : inverse L2 regularisation strength.
    max_iter : solver iterations.
    """
    if features is None:
        raise ValueError("features: expected the list of feature columns")
    features = _check_features(df, features, target)
    if C <= 0:
        raise ValueError(f"C: expected a positive number, got {C}")
    y = check_binary_target(df, target)
    prep = Preprocessing.fit(df, features, categorical)
    numeric = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
    )
    onehot = OneHotEncoder(handle_unknown="ignore", min_frequency=5)
    columns = ColumnTransformer(
        [("numeric", numeric, prep.numeric), ("categorical", onehot, prep.categorical)]
    )
    pipe = Pipeline(
        [("prepare", columns), ("logistic", LogisticRegression(C=C, max_iter=max_iter))]
    )
    model = BaselineModel(pipeline=pipe, preprocessing=prep, target=target)
    pipe.fit(model._frame(df), y)
    return model
