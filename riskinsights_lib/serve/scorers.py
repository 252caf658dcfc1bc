"""The three served models behind one small interface: DataFrame of features in, records out.

Each scorer calls the library's own scoring and explanation API, the one the
notebooks call, so an API score equals the notebook's score for the same row:

* :class:`DefaultScorer`: ``Scorecard.predict_pd``/``score``/``reason_codes`` and the
  master scale's grade;
* :class:`ChurnScorer`: ``ChurnModel.churn_probability``, ``churn.explain`` +
  ``churn.top_reasons`` with the reference population's typical ranges, and the
  decile of the probability among that population (1 = riskiest tenth);
* :class:`AnomalyScorer`: ``AnomalyDetector.score``/``explain`` with the mart's
  phrases, flagged at the run's alert threshold (score at least the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shap

from riskinsights_lib import churn
from riskinsights_lib.anomaly.phrases import MART_PHRASES, MART_REASON_GROUPS
from riskinsights_lib.serve.domain import FeatureSpec

__all__ = ["ModelInfo", "DefaultScorer", "ChurnScorer", "AnomalyScorer", "decile_of"]


@dataclass(frozen=True)
class ModelInfo:
    """Identity of a served model: registered name, version, run id, where it came from."""

    name: str
    version: str
    run_id: str | None
    source: str

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "run_id": self.run_id}


def _reason_lists(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
    """Per row, the non-empty texts of ``columns`` in order (column-wise, no per-row pandas)."""
    cols = [frame[c].to_numpy(dtype=object) for c in columns]
    return [[v for v in row if isinstance(v, str) and v] for row in zip(*cols, strict=True)]


@dataclass
class DefaultScorer:
    """Scorecard + master scale: PD, score, grade and up to ``n_reasons`` reason codes."""

    card: Any
    scale: Any
    info: ModelInfo
    specs: list[FeatureSpec]
    n_reasons: int = 4

    @property
    def features(self) -> list[str]:
        return list(self.card.features)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        """Bare PD (the in-process baseline of the benchmark)."""
        return self.card.predict_pd(df)

    def score_frame(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        pd_ = self.card.predict_pd(df)
        reasons = self.card.reason_codes(df, n=self.n_reasons)
        grades = self.scale.assign(pd_)
        texts = _reason_lists(reasons, [f"reason_{k + 1}" for k in range(self.n_reasons)])
        scores = reasons["score"].to_numpy(dtype=float)
        return [
            {"pd": float(p), "score": float(sc), "grade": str(g), "reasons": t}
            for p, sc, g, t in zip(pd_, scores, grades, texts, strict=True)
        ]


def decile_of(p: np.ndarray, reference_desc: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Decile (1 = riskiest) of each probability among a reference sorted high to low.

    A reference row's own decile equals its row in ``churn.decile_table`` (ties aside).
    """
    n = len(reference_desc)
    ascending = reference_desc[::-1]
    higher = n - np.searchsorted(ascending, np.asarray(p, dtype=float), side="right")
    return np.minimum(n_bins, higher * n_bins // max(n, 1) + 1).astype(int)


@dataclass
class ChurnScorer:
    """XGBoost churn model: probability, decile and SHAP reasons in words."""

    model: Any
    info: ModelInfo
    specs: list[FeatureSpec]
    reference_desc: np.ndarray | None = None
    bounds: dict[str, tuple[float, float]] | None = None
    n_reasons: int = 3
    _explainer: Any = field(default=None, repr=False)

    @property
    def features(self) -> list[str]:
        return list(self.model.features)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        return self.model.churn_probability(df).to_numpy()

    def score_frame(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        p = self.model.churn_probability(df).to_numpy()
        if self._explainer is None:
            self._explainer = shap.TreeExplainer(self.model.booster)
        explanation = churn.explain(self.model, df, explainer=self._explainer)
        reasons = churn.top_reasons(explanation, n=self.n_reasons, bounds=self.bounds or {})
        deciles = decile_of(p, self.reference_desc) if self.reference_desc is not None else None
        texts = _reason_lists(reasons, list(reasons.columns))
        return [
            {
                "probability": float(p[i]),
                "decile": int(deciles[i]) if deciles is not None else None,
                "reasons": texts[i],
            }
            for i in range(len(df))
        ]


@dataclass
class AnomalyScorer:
    """Isolation Forest: score, flag at the run's alert threshold, reasons in words."""

    detector: Any
    threshold: float
    info: ModelInfo
    specs: list[FeatureSpec]
    n_reasons: int = 3

    @property
    def features(self) -> list[str]:
        return list(self.detector.feature_names_)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        return self.detector.score(df)

    def score_frame(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        explained = self.detector.explain(
            df, n=self.n_reasons, phrases=MART_PHRASES, groups=MART_REASON_GROUPS
        )
        scores = explained["score"].to_numpy(dtype=float)
        cols = [f"reason_{k + 1}" for k in range(self.n_reasons) if f"reason_{k + 1}" in explained]
        texts = _reason_lists(explained, cols)
        return [
            {
                "score": float(sc),
                "flagged": bool(sc >= self.threshold),
                "threshold": float(self.threshold),
                "reasons": t,
            }
            for sc, t in zip(scores, texts, strict=True)
        ]
