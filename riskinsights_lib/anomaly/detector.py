"""Isolation Forest detector: fit on a sample, score any number of rows.

The forest isolates each row with random axis-parallel splits; rows that are
isolated after few splits are unusual. The score is the one of Liu, Ting and
Zhou (2008), ``2 ** (-E[path length] / c(n))``, in (0, 1]: higher = more
unusual, around 0.5 for ordinary rows. Missing values (e.g. a customer's first
transaction has no history) are filled with the fit sample's medians.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from riskinsights_lib.anomaly._base import _check_frame, _Detector, _fill_values, _select_features

__all__ = ["AnomalyDetector", "fit_anomaly_detector"]

log = logging.getLogger(__name__)


class AnomalyDetector(_Detector):
    """A fitted Isolation Forest on named numeric features.

    Use :func:`fit_anomaly_detector` to build one. Methods: ``score(X)``
    (higher = more unusual, deterministic for a seed), ``score_chunked(data,
    chunk_size=...)`` for millions of rows, ``predict(X)`` (flags above the
    contamination threshold of the fit sample) and ``explain(X, n=3)``
    (reasons in words, from feature-ablation contributions).
    """

    name = "iforest"

    def __init__(
        self, model: IsolationForest, feature_names: list[str], fill_values: np.ndarray
    ) -> None:
        self.model_ = model
        self.feature_names_ = list(feature_names)
        self.fill_values_ = np.asarray(fill_values, dtype=float)

    def _score_matrix(self, m: np.ndarray) -> np.ndarray:
        return -self.model_.score_samples(m)

    def __repr__(self) -> str:
        return (
            f"AnomalyDetector(n_estimators={self.model_.n_estimators}, "
            f"max_samples={self.model_.max_samples}, features={len(self.feature_names_)})"
        )


def fit_anomaly_detector(
    X: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    n_estimators: int = 100,
    max_samples: int | float = 256,
    contamination: float = 0.005,
    seed: int = 0,
) -> AnomalyDetector:
    """Fit an Isolation Forest on a DataFrame of numeric features.

    Parameters
    ----------
    X : the fit sample, one row per transaction (or any entity).
    features : columns to use; default every numeric or boolean column of ``X``.
    n_estimators : trees in the forest.
    max_samples : rows drawn to grow each tree (an int, or a share of ``X``).
        Small sub-samples (256 in the original paper) isolate anomalies best.
    contamination : expected share of anomalies; sets ``threshold_`` (the score
        quantile of the fit sample) used by ``predict``. It does not change scores.
    seed : random seed; the same seed gives the same scores.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    >>> det = fit_anomaly_detector(X, n_estimators=50, seed=1)
    >>> odd = pd.DataFrame({"a": [4.0], "b": [4.0]})
    >>> bool(det.score(odd)[0] > det.score(X).max())
    True
    >>> sorted(det.explain(odd, n=2).loc[0, ["feature_1", "feature_2"]])
    ['a', 'b']
    """
    _check_frame(X)
    if len(X) < 2:
        raise ValueError(f"X: expected at least 2 rows to fit, got {len(X)}")
    if int(n_estimators) <= 0:
        raise ValueError(f"n_estimators: expected a positive number of trees, got {n_estimators}")
    if isinstance(max_samples, float) and not 0 < max_samples <= 1:
        raise ValueError(
            f"max_samples: expected a share in (0, 1] or a row count, got {max_samples}"
        )
    if isinstance(max_samples, (int, np.integer)) and max_samples < 2:
        raise ValueError(f"max_samples: expected at least 2 rows per tree, got {max_samples}")
    cols = _select_features(X, features)
    fill = _fill_values(X, cols)
    n_sub = (
        min(int(max_samples), len(X)) if isinstance(max_samples, (int, np.integer)) else max_samples
    )
    model = IsolationForest(
        n_estimators=int(n_estimators), max_samples=n_sub, random_state=seed, n_jobs=1
    )
    det = AnomalyDetector(model, cols, fill)
    m = det._matrix(X)
    model.fit(m)
    det._fit_threshold(m, contamination)
    log.info("Isolation Forest: %d trees on %d rows x %d features", n_estimators, len(X), len(cols))
    return det
