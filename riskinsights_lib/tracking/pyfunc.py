"""The three models as MLflow pyfunc models, built from the files the notebooks write.

Each class loads its artifacts in ``load_context`` and answers ``predict(df)``
with one number per row: the scorecard's PD, the churn probability, the
anomaly score. The scorecard also gives score, grade and reason codes with
``predict(df, params={"output": "details"})``. A process that loads these
models needs ``riskinsights_lib`` importable (the classes live here).
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

__all__ = [
    "ScorecardPyfunc",
    "ChurnPyfunc",
    "AnomalyPyfunc",
    "requirements",
    "master_scale_from_csv",
    "model_input",
]

_BASE = ["mlflow-skinny", "numpy", "pandas", "scipy", "scikit-learn", "joblib"]
_EXTRA = {"scorecard": ["optbinning"], "churn": ["xgboost"], "anomaly": []}


def requirements(kind: str) -> list[str]:
    """Pinned pip requirements of one model kind (explicit: inference is slow and guesses)."""
    return [_pinned(name) for name in _BASE + _EXTRA[kind]]


def _pinned(name: str) -> str:
    """``name==version`` of the installed distribution, or of its CPU-only twin (xgboost-cpu)."""
    for dist in (name, f"{name}-cpu"):
        try:
            return f"{dist}=={md.version(dist)}"
        except md.PackageNotFoundError:
            continue
    raise md.PackageNotFoundError(name)


def model_input(df: pd.DataFrame, schema) -> pd.DataFrame:
    """``df``'s signature columns in the signature's types: numbers as float64 (missing = NaN).

    MLflow refuses to widen integers (or nullable integers) to doubles by
    itself, so callers of ``predict`` pass numbers as floats; this does it.
    ``schema`` is ``model.metadata.get_input_schema()`` of a loaded model.
    """
    missing = [n for n in schema.input_names() if n not in df.columns]
    if missing:
        raise KeyError(f"df: missing feature columns {missing}")
    out = {}
    for spec in schema.inputs:
        column = df[spec.name]
        if getattr(spec.type, "name", "") == "double":
            out[spec.name] = pd.to_numeric(column, errors="raise").astype("float64")
        else:
            out[spec.name] = column
    return pd.DataFrame(out, index=df.index)


def master_scale_from_csv(path: str | Path):
    """The :class:`MasterScale` of a ``master_scale.csv`` written by notebook 04."""
    from riskinsights_lib.scorecard.grades import MasterScale

    table = pd.read_csv(path)
    return MasterScale(tuple(float(v) for v in table["pd_to"].iloc[:-1]))


def _output(params: dict[str, Any] | None) -> str:
    output = (params or {}).get("output", "pd")
    if output not in ("pd", "details"):
        raise ValueError(f"params.output: expected 'pd' or 'details', got {output!r}")
    return output


class ScorecardPyfunc(PythonModel):
    """Credit scorecard: ``predict`` gives the 12-month PD per row.

    ``params={"output": "details"}`` gives a DataFrame of ``pd``, ``score``,
    ``grade`` (master scale) and ``reason_1`` to ``reason_4``. After loading,
    ``unwrap_python_model().card`` and ``.scale`` are the scorecard and scale.
    """

    def load_context(self, context) -> None:
        from riskinsights_lib.scorecard.model import Scorecard

        self.card = Scorecard.load(context.artifacts["scorecard"])
        self.scale = master_scale_from_csv(context.artifacts["master_scale"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        pd_ = self.card.predict_pd(model_input)
        if _output(params) == "pd":
            return pd_
        reasons = self.card.reason_codes(model_input, n=4)
        details = pd.DataFrame(
            {
                "pd": pd_,
                "score": self.card.score(model_input).to_numpy(),
                "grade": self.scale.assign(pd_),
            },
            index=model_input.index,
        )
        cols = [c for c in reasons.columns if c.startswith("reason_")]
        return details.join(reasons[cols].set_axis(model_input.index))


class ChurnPyfunc(PythonModel):
    """Churn model: ``predict`` gives the 6-month churn probability per row.

    ``unwrap_python_model().model`` is the :class:`ChurnModel` (SHAP, margins).
    """

    def load_context(self, context) -> None:
        from riskinsights_lib.churn.model import ChurnModel

        self.model = ChurnModel.load(context.artifacts["model_dir"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        return self.model.churn_probability(model_input).to_numpy()


class AnomalyPyfunc(PythonModel):
    """Isolation Forest: ``predict`` gives the anomaly score (higher = more unusual).

    ``unwrap_python_model().detector`` is the detector and ``.metadata`` what
    ``anomaly.save_detector`` recorded (the run's alert threshold, feature domain).
    """

    def load_context(self, context) -> None:
        from riskinsights_lib.anomaly.persist import load_detector

        self.detector, self.metadata = load_detector(context.artifacts["model_dir"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        return np.asarray(self.detector.score(model_input), dtype=float)
