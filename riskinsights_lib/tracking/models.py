"""The notebooks' entry points: one call per model notebook (04, 05, 06).

Each builds the pyfunc model from the files the notebook already wrote, names
the registered model, the comparison metric and the quality bar, and hands
over to :func:`~riskinsights_lib.tracking.track.track_model`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from riskinsights_lib.tracking.pyfunc import AnomalyPyfunc, ChurnPyfunc, ScorecardPyfunc
from riskinsights_lib.tracking.track import ModelSpec, Settings, Tracked, track_model

__all__ = [
    "SCORECARD_MODEL",
    "CHURN_MODEL",
    "ANOMALY_MODEL",
    "settings",
    "track_scorecard",
    "track_churn",
    "track_anomaly",
    "anomaly_holdout",
]

SCORECARD_MODEL = "riskinsights-default-scorecard"
CHURN_MODEL = "riskinsights-churn"
ANOMALY_MODEL = "riskinsights-anomaly"


def settings(
    enabled: bool = True,
    uri: str = "",
    experiment: str = "riskinsights",
    parent_run: str = "",
    compare_last: int = 5,
) -> Settings:
    """The notebook's ``tracking_*`` parameters as one :class:`Settings`."""
    return Settings(bool(enabled), uri, experiment, parent_run, int(compare_last))


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score))


def _pr_auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(average_precision_score(y, score))


def track_scorecard(
    run_dir: str | Path,
    card,
    model_dir: str | Path,
    *,
    eval_rows: pd.DataFrame,
    target: str,
    bar: Mapping[str, bool],
    training: pd.DataFrame | None = None,
    tracking: Settings | None = None,
) -> Tracked:
    """Track notebook 04's scorecard (``scorecard.json`` and ``master_scale.csv`` of ``model_dir``).

    The comparison metric is the out-of-time ROC AUC of the PD.
    """
    folder = Path(model_dir)
    artifacts = {
        "scorecard": str(folder / "scorecard.json"),  # the safe format: loading runs no code
        "master_scale": str(folder / "master_scale.csv"),
    }
    artifacts.update(
        {
            p.name.replace(".", "_"): str(p)
            for p in sorted(folder.glob("*"))
            if p.suffix in (".json", ".sql", ".md", ".html") and p.name != "scorecard.json"
        }
    )
    spec = ModelSpec(
        name=SCORECARD_MODEL,
        python_model=ScorecardPyfunc(),
        artifacts=artifacts,
        kind="scorecard",
        features=list(card.features),
        metric="oot_auc",
        metric_fn=_auc,
        params={"output": "pd"},
    )
    return track_model(
        run_dir,
        "04_default_scoring",
        spec,
        eval_rows=eval_rows,
        y_eval=eval_rows[target].to_numpy(),
        expected=card.predict_pd(eval_rows),
        bar=bar,
        training=training,
        settings=tracking or Settings(),
    )


def track_churn(
    run_dir: str | Path,
    model,
    model_dir: str | Path,
    *,
    eval_rows: pd.DataFrame,
    target: str,
    bar: Mapping[str, bool],
    training: pd.DataFrame | None = None,
    tracking: Settings | None = None,
) -> Tracked:
    """Track notebook 05's churn model (the folder written by ``ChurnModel.save``).

    The comparison metric is the out-of-time ROC AUC of the churn probability.
    """
    spec = ModelSpec(
        name=CHURN_MODEL,
        python_model=ChurnPyfunc(),
        artifacts={"model_dir": str(model_dir)},
        kind="churn",
        features=list(model.features),
        metric="oot_auc",
        metric_fn=_auc,
    )
    return track_model(
        run_dir,
        "05_churn_prediction",
        spec,
        eval_rows=eval_rows,
        y_eval=eval_rows[target].to_numpy(),
        expected=model.churn_probability(eval_rows).to_numpy(),
        bar=bar,
        training=training,
        settings=tracking or Settings(),
    )


def anomaly_holdout(
    con, view: str, truth: pd.DataFrame, *, n: int, seed: int, exclude: pd.DataFrame
) -> pd.DataFrame:
    """Up to ``n`` labelled transactions of ``view`` outside the fit sample ``exclude``.

    Drawn with ``seed`` (use another seed than the fit sample's); the column
    ``is_anomaly`` is 1 for a planted anomaly of ``truth``, else 0.
    """
    from riskinsights_lib.anomaly.data import attach_truth, sample_rows

    rows = sample_rows(con, view, n, seed=seed)
    rows = rows[~rows["transaction_id"].isin(exclude["transaction_id"])]
    rows = attach_truth(rows.reset_index(drop=True), truth)
    kind = rows.pop("anomaly_type")
    return rows.assign(is_anomaly=(kind.notna() & (kind != "normal")).astype(int))


def track_anomaly(
    run_dir: str | Path,
    detector,
    model_dir: str | Path,
    *,
    eval_rows: pd.DataFrame,
    is_anomaly: np.ndarray | pd.Series,
    bar: Mapping[str, bool],
    training: pd.DataFrame | None = None,
    tracking: Settings | None = None,
) -> Tracked:
    """Track notebook 06's Isolation Forest (the folder written by ``anomaly.save_detector``).

    The comparison metric is the PR AUC (average precision) of the score on
    ``eval_rows``, labelled transactions the forest was not fitted on.
    """
    spec = ModelSpec(
        name=ANOMALY_MODEL,
        python_model=AnomalyPyfunc(),
        artifacts={"model_dir": str(model_dir)},
        kind="anomaly",
        features=list(detector.feature_names_),
        metric="pr_auc",
        metric_fn=_pr_auc,
    )
    return track_model(
        run_dir,
        "06_anomaly_exploration",
        spec,
        eval_rows=eval_rows,
        y_eval=np.asarray(is_anomaly, dtype=int),
        expected=detector.score(eval_rows),
        bar=bar,
        training=training,
        settings=tracking or Settings(),
    )
