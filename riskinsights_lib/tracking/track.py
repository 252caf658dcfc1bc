"""One MLflow run per model notebook: the model, its registration and its alias.

A notebook calls one function (:func:`track_scorecard`, :func:`track_churn`,
:func:`track_anomaly`); each logs the model as a pyfunc model built from the
files the notebook wrote, loads it back to check it predicts exactly what the
notebook predicted, registers a new version, decides ``champion`` or
``challenger`` (:mod:`~riskinsights_lib.tracking.aliases`) and writes
``<run>/tracking/<notebook>.json`` for the runner (run.json, index.html).
The runner adds the recorded figures, parameters and the HTML report to the
same MLflow run once the notebook has finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskinsights_lib.manifest import git_commit
from riskinsights_lib.paths import outputs_root, resolve_run_dir
from riskinsights_lib.tracking.aliases import CHAMPION, AliasDecision, decide_alias
from riskinsights_lib.tracking.compare import NOTEBOOK_TAG, RUN_TAG, compare_runs
from riskinsights_lib.tracking.pyfunc import model_input, requirements
from riskinsights_lib.tracking.record import write_record
from riskinsights_lib.tracking.store import (
    client_for,
    prepare_store,
    redact_uri,
    resolve_tracking_uri,
)

__all__ = ["Settings", "Tracked", "ModelSpec", "track_model", "frame_fingerprint"]

log = logging.getLogger(__name__)

PARENT_TAG = "mlflow.parentRunId"


@dataclass(frozen=True)
class Settings:
    """The notebook's ``tracking_*`` parameters."""

    enabled: bool = True
    uri: str = ""
    experiment: str = "riskinsights"
    parent_run: str = ""
    compare_last: int = 5


@dataclass(frozen=True)
class ModelSpec:
    """What to log for one model and how to judge it."""

    name: str  # registered model name
    python_model: Any  # a PythonModel instance
    artifacts: dict[str, str]  # artifact key -> file or folder the notebook wrote
    kind: str  # "scorecard", "churn" or "anomaly" (pinned requirements)
    features: list[str]
    metric: str  # name of the comparison metric (higher is better)
    metric_fn: Callable[[np.ndarray, np.ndarray], float]  # (y_true, prediction) -> metric
    params: dict[str, Any] | None = None  # inference params of the signature


@dataclass
class Tracked:
    """What tracking did for one notebook run (``enabled`` False when switched off)."""

    enabled: bool
    record: dict[str, Any] = field(default_factory=dict)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def history_table(self):
        """The last runs of this notebook formatted for the report (a pandas Styler)."""
        metrics = [
            c for c in self.history.columns if c not in ("run", "started", "version", "alias")
        ]
        return (
            self.history.style.format({m: "{:.4f}" for m in metrics}, na_rep="-")
            .format({"started": "{:%Y-%m-%d %H:%M}"})
            .hide(axis="index")
        )

    @property
    def markdown(self) -> str:
        """The decision in words, for the notebook's report."""
        if not self.enabled:
            return "MLflow tracking is switched off (`tracking.enabled: false`)."
        r = self.record
        champ = (
            f"{r['metric']} of champion v{r['champion_version']} on the same rows: {r['champion']:.4f}"
            if r.get("champion") is not None
            else "no comparable champion before this run"
        )
        return (
            f"**MLflow**: run `{r['mlflow_run_id']}` in `{r['tracking_uri']}`; registered "
            f"**{r['model_name']}** version **{r['model_version']}** as **{r['alias']}**: {r['reason']}.\n\n"
            f"- {r['metric']} of this version on {r['n_eval']:,} evaluation rows: {r['candidate']:.4f}; {champ}.\n"
            f"- Logged model reloaded with `mlflow.pyfunc.load_model`: largest difference from the "
            f"notebook's predictions {r['round_trip_max_abs_diff']:.2g}.\n"
            f"- Load the model in use with `mlflow.pyfunc.load_model('models:/{r['model_name']}@champion')`."
        )


def frame_fingerprint(df: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's column names and row hashes (order-sensitive)."""
    digest = hashlib.sha256("\x1f".join(map(str, df.columns)).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def input_schema(frame: pd.DataFrame):
    """A lenient column schema: numbers as optional doubles, anything else as optional strings.

    Integer columns of a mart may hold missing values on other rows (nullable
    ``Int64``); an integer schema inferred from a few rows would refuse them.
    """
    from mlflow.types import ColSpec, Schema

    def kind(column: pd.Series) -> str:
        numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
        return "double" if numeric else "string"

    return Schema([ColSpec(kind(frame[c]), c, required=False) for c in frame.columns])


def _signature(spec: ModelSpec, example: pd.DataFrame, output: np.ndarray):
    from mlflow.models import ModelSignature, infer_signature

    with warnings.catch_warnings():  # the inferred input schema is replaced below
        warnings.simplefilter("ignore")
        inferred = infer_signature(example, output, params=spec.params)
    return ModelSignature(
        inputs=input_schema(example), outputs=inferred.outputs, params=inferred.params
    )


def _champion_metric(
    client, name: str, rows: pd.DataFrame, y: np.ndarray, spec: ModelSpec
) -> tuple[float | None, str | None]:
    """The current champion's metric on ``rows``, or (None, version) when it cannot score them."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        current = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None, None
    try:
        model = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION}")
        return float(spec.metric_fn(y, np.asarray(model.predict(rows)))), str(current.version)
    except Exception as exc:  # an older model that cannot score today's columns
        log.warning("champion v%s of %s cannot score these rows: %s", current.version, name, exc)
        return None, str(current.version)


def _log_model(spec: ModelSpec, example: pd.DataFrame, output: np.ndarray, rows: pd.DataFrame):
    """Log the pyfunc model, load it back and predict ``rows`` with the reloaded copy."""
    import mlflow

    t0 = time.perf_counter()
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=spec.python_model,
        artifacts=spec.artifacts,
        signature=_signature(spec, example, output),
        input_example=example,
        pip_requirements=requirements(spec.kind),
    )
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    predicted = np.asarray(loaded.predict(rows), dtype=float)
    log.info("logged and reloaded %s in %.1f s", spec.name, time.perf_counter() - t0)
    return info, predicted


def track_model(
    run_dir: str | Path,
    notebook: str,
    spec: ModelSpec,
    *,
    eval_rows: pd.DataFrame,
    y_eval: Sequence[int] | np.ndarray,
    expected: Sequence[float] | np.ndarray,
    bar: Mapping[str, bool],
    training: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> Tracked:
    """Log, reload, register and alias one model; see the module docstring.

    Parameters
    ----------
    run_dir, notebook : the run folder and the notebook's name.
    spec : the model and how to judge it.
    eval_rows : evaluation rows (out of time) holding at least ``spec.features``.
    y_eval : their outcome (1 = event).
    expected : the notebook's own predictions on ``eval_rows`` (checked against the reload).
    bar : the notebook's quality-bar checks, name -> met.
    training : the rows the model was trained on (fingerprinted).
    settings : the notebook's ``tracking_*`` parameters.
    """
    settings = settings or Settings()
    if not settings.enabled:
        write_record(run_dir, notebook, {"enabled": False})
        return Tracked(enabled=False)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.ERROR)  # keep the report free of MLflow's notices
    import mlflow

    uri = resolve_tracking_uri(outputs_root(), settings.uri)
    experiment_id = prepare_store(uri, settings.experiment)
    client = client_for(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    run_id = resolve_run_dir(run_dir).name
    tags = {NOTEBOOK_TAG: notebook, RUN_TAG: run_id, "riskinsights.git_commit": git_commit()}
    if settings.parent_run:
        tags[PARENT_TAG] = settings.parent_run
    rows = model_input(eval_rows, input_schema(eval_rows[spec.features]))
    y = np.asarray(y_eval)
    with mlflow.start_run(experiment_id=experiment_id, run_name=notebook, tags=tags) as run:
        if training is not None:
            mlflow.log_params(
                {
                    "data.training_rows": len(training),
                    "data.training_sha256": frame_fingerprint(training),
                    "data.eval_rows": len(rows),
                    "data.eval_sha256": frame_fingerprint(eval_rows),
                }
            )
        champion, champion_version = _champion_metric(client, spec.name, rows, y, spec)
        expected = np.asarray(expected, dtype=float)
        info, predicted = _log_model(spec, rows.head(5), expected[:5], rows)
        gap = float(np.max(np.abs(predicted - expected), initial=0.0))
        with contextlib.redirect_stderr(io.StringIO()):  # MLflow prints registration chatter
            version = mlflow.register_model(info.model_uri, spec.name).version
        decision = decide_alias(
            bar,
            float(spec.metric_fn(y, predicted)),
            champion,
            metric=spec.metric,
            champion_version=champion_version,
        )
        client.set_registered_model_alias(spec.name, decision.alias, str(version))
        _tag(client, run.info.run_id, spec.name, str(version), decision, gap)
    record = {
        "enabled": True,
        "mlflow_run_id": run.info.run_id,
        "experiment_id": experiment_id,
        "tracking_uri": redact_uri(uri),
        "model_name": spec.name,
        "model_version": str(version),
        "model_uri": f"models:/{spec.name}/{version}",
        "n_eval": len(rows),
        "round_trip_max_abs_diff": gap,
        **decision.to_dict(),
    }
    write_record(run_dir, notebook, record)
    history = compare_runs(
        client, experiment_id, notebook, [spec.metric], last=settings.compare_last
    )
    return Tracked(enabled=True, record=record, history=history)


def _tag(client, run_id: str, name: str, version: str, decision: AliasDecision, gap: float):
    from mlflow.entities import Metric

    for key, value in {
        "riskinsights.model_name": name,
        "riskinsights.model_version": version,
        "riskinsights.alias": decision.alias,
        "riskinsights.decision": decision.reason,
    }.items():
        client.set_tag(run_id, key, value)
    for key, value in {
        "riskinsights.decision": decision.reason,
        "riskinsights.run_id": client.get_run(run_id).data.tags.get(RUN_TAG, ""),
    }.items():
        client.set_model_version_tag(name, version, key, value)
    now = int(time.time() * 1000)
    metrics = [Metric(decision.metric, decision.candidate, now, 0)]
    metrics.append(Metric("round_trip_max_abs_diff", gap, now, 0))
    if decision.champion is not None:
        metrics.append(Metric(f"champion_{decision.metric}", decision.champion, now, 0))
    client.log_batch(run_id, metrics=metrics)
