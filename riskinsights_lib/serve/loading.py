"""Load the served models once: from a run folder, or the ``champion`` alias of the MLflow registry.

A run folder gives ``models/default`` (scorecard + master scale),
``models/churn`` (XGBoost) and ``models/anomaly`` (Isolation Forest), plus
``run.json`` (run id, git commit, snapshots) and ``datamart.duckdb`` (feature
domains, the churn reference snapshot, customer lookups). A model that is
absent is not served; none at all stops the start with one line naming what
is missing (:class:`ModelLoadError`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from riskinsights_lib import churn
from riskinsights_lib.anomaly.persist import load_detector
from riskinsights_lib.paths import outputs_root
from riskinsights_lib.scorecard.grades import MasterScale
from riskinsights_lib.scorecard.model import Scorecard
from riskinsights_lib.serve.domain import FeatureSpec, specs_from_ranges, specs_from_table
from riskinsights_lib.serve.scorers import AnomalyScorer, ChurnScorer, DefaultScorer, ModelInfo

__all__ = [
    "MODEL_NAMES",
    "ModelLoadError",
    "ServedModels",
    "load_from_run",
    "resolve_run_folder",
]

log = logging.getLogger("riskinsights.serve")

#: Registered model names (the MLflow registry contract of the tracking helper).
MODEL_NAMES = {
    "default": "riskinsights-default-scorecard",
    "churn": "riskinsights-churn",
    "anomaly": "riskinsights-anomaly",
}
DEFAULT_TABLE, CHURN_TABLE = "mart_default", "mart_churn"


class ModelLoadError(RuntimeError):
    """The service cannot start: a one-line message naming the missing file or model."""


@dataclass
class ServedModels:
    """What the service serves, and where it came from."""

    default: DefaultScorer | None = None
    churn: ChurnScorer | None = None
    anomaly: AnomalyScorer | None = None
    run_id: str | None = None
    git_commit: str | None = None
    datamart: Path | None = None
    source: str = ""
    missing: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("default", self.default),
                ("churn", self.churn),
                ("anomaly", self.anomaly),
            )
            if v
        }


def resolve_run_folder(run_dir: str | Path | None) -> Path:
    """``--run-dir``: an existing path as given, else a name under the outputs root (default ``latest``)."""
    path = Path(run_dir) if run_dir else outputs_root() / "latest"
    if not path.is_absolute() and not path.exists():
        path = outputs_root() / path
    return path.resolve() if path.exists() else path


def file_version(path: Path) -> str:
    """Version of a model file in a run folder: ``sha256:`` and its first 12 hex characters."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _read_run(run: Path) -> dict[str, Any]:
    manifest = run / "run.json"
    if not manifest.is_file():
        raise ModelLoadError(f"{manifest}: not found (is {run} a run folder?)")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{manifest}: line {exc.lineno}: not valid JSON") from None
    status = data.get("status")
    if status not in {"ok", "partial"}:
        raise ModelLoadError(f"{manifest}: status is {status!r}; serve models of a successful run")
    return data


#: The notebook that writes each model folder.
PRODUCERS = {"default": "04_default_scoring", "churn": "05_churn_prediction",
             "anomaly": "06_anomaly_exploration"}  # fmt: skip


def _produced_ok(info: dict[str, Any], model: str) -> bool:
    """False when run.json says the model's notebook failed (or never finished) in this run."""
    status = {nb.get("name"): nb.get("status") for nb in info.get("notebooks", [])}
    return status.get(PRODUCERS[model], "ok") in {"ok", "skipped"}


def load_scorecard(folder: Path) -> tuple[Scorecard, Path]:
    """The scorecard of ``folder``: from ``scorecard.json`` when the library reads it, else joblib."""
    from_json = getattr(Scorecard, "from_json", None)
    json_path, joblib_path = folder / "scorecard.json", folder / "scorecard.joblib"
    if from_json is not None and json_path.is_file():
        return from_json(json_path.read_text(encoding="utf-8")), json_path
    if joblib_path.is_file():
        return Scorecard.load(joblib_path), joblib_path
    raise FileNotFoundError(f"{json_path}: not found")


def master_scale_from_csv(path: Path) -> MasterScale:
    """The master scale written by notebook 04 (``grade, pd_from, pd_to``)."""
    table = pd.read_csv(path)
    if list(table.columns[:3]) != ["grade", "pd_from", "pd_to"] or len(table) < 2:
        raise ModelLoadError(f"{path}: expected columns grade, pd_from, pd_to and 2+ grades")
    return MasterScale(tuple(float(b) for b in table["pd_to"].iloc[:-1]))


def specs_for(
    con: duckdb.DuckDBPyConnection | None, table: str, features: list[str]
) -> list[FeatureSpec] | None:
    if con is None:
        return None
    try:
        return specs_from_table(con, table, features)
    except duckdb.Error:
        log.warning("no feature domain from %s (table or columns missing)", table)
        return None


def scorecard_specs(card: Scorecard) -> list[FeatureSpec]:
    """Specs from the scorecard alone (no datamart): numbers unbounded, categories from the bins."""
    out = []
    for f in card.features:
        fb = card.binnings[f]
        if fb.kind == "categorical":
            cats = tuple(sorted({c for g in fb.groups for c in g}))
            out.append(
                FeatureSpec(f, "category", categories=cats, example=cats[0] if cats else None)
            )
        else:
            out.append(FeatureSpec(f, "number", example=float(fb.splits[0]) if fb.splits else 0.0))
    return out


def churn_specs(model: Any) -> list[FeatureSpec]:
    """Specs from the churn model alone: numbers unbounded, categories from preprocessing."""
    cats = model.preprocessing.categories
    return [
        FeatureSpec(
            f, "category", categories=tuple(cats[f]), example=cats[f][0] if cats[f] else None
        )
        if f in cats
        else FeatureSpec(f, "number", example=0.0)
        for f in model.features
    ]


def default_scorer(folder: Path, con: Any, info: dict[str, Any]) -> DefaultScorer:
    card, path = load_scorecard(folder)
    scale_path = folder / "master_scale.csv"
    if not scale_path.is_file():
        raise FileNotFoundError(f"{scale_path}: not found")
    scale = master_scale_from_csv(scale_path)
    meta = ModelInfo(MODEL_NAMES["default"], file_version(path), info.get("run_id"), str(path))
    specs = specs_for(con, DEFAULT_TABLE, card.features) or scorecard_specs(card)
    return DefaultScorer(card, scale, meta, specs)


def churn_reference(
    model: Any, con: Any, snapshot: str | None
) -> tuple[np.ndarray | None, dict | None]:
    """Probabilities (high to low) and typical ranges of the reference (out-of-time) snapshot."""
    if con is None:
        return None, None
    where = "snapshot_date = (SELECT max(snapshot_date) FROM mart_churn)"
    if snapshot:
        where = f"snapshot_date = DATE '{pd.Timestamp(snapshot).date().isoformat()}'"
    try:
        ref = con.execute(f"SELECT * FROM {CHURN_TABLE} WHERE {where}").df()
    except duckdb.Error:
        return None, None
    if ref.empty:
        return None, None
    p = np.sort(model.churn_probability(ref).to_numpy())[::-1]
    return p, churn.typical_ranges(ref[model.features])


def churn_scorer(folder: Path, con: Any, info: dict[str, Any], snapshot: str | None) -> ChurnScorer:
    model = churn.ChurnModel.load(folder)
    model.booster.set_param({"nthread": 1})  # one request, one core: scale with processes
    meta = ModelInfo(
        MODEL_NAMES["churn"], file_version(folder / "model.json"), info.get("run_id"), str(folder)
    )
    specs = specs_for(con, CHURN_TABLE, model.features) or churn_specs(model)
    reference, bounds = churn_reference(model, con, snapshot)
    return ChurnScorer(model, meta, specs, reference_desc=reference, bounds=bounds)


def anomaly_scorer(folder: Path, info: dict[str, Any]) -> AnomalyScorer:
    detector, meta = load_detector(folder)
    version = file_version(folder / "detector.joblib")
    model_info = ModelInfo(MODEL_NAMES["anomaly"], version, info.get("run_id"), str(folder))
    specs = specs_from_ranges(meta.get("domain", {}), list(detector.feature_names_))
    return AnomalyScorer(detector, float(meta["alert_threshold"]), model_info, specs)


def open_datamart(path: Path | None) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the datamart, or None when there is none."""
    if path is None or not path.is_file():
        return None
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ModelLoadError(
            f"{path}: cannot open the datamart read-only ({type(exc).__name__})"
        ) from None


def load_from_run(run_dir: str | Path | None, *, datamart: Path | None = None) -> ServedModels:
    """Load every model of a run folder that is there; raise :class:`ModelLoadError` when none is."""
    run = resolve_run_folder(run_dir)
    if not run.is_dir():
        raise ModelLoadError(f"--run-dir {run}: no such run folder (run `python run_all.py` first)")
    info = _read_run(run)
    snapshots = (info.get("params", {}).get("run", {}) or {}).get("snapshots") or [None]
    mart = datamart or run / "datamart.duckdb"
    served = ServedModels(run_id=info.get("run_id"), git_commit=info.get("git_commit"),
                          datamart=mart if mart.is_file() else None, source=f"run folder {run}")  # fmt: skip
    con = open_datamart(served.datamart)
    models = run / "models"
    loaders = {
        "default": lambda: default_scorer(models / "default", con, info),
        "churn": lambda: churn_scorer(models / "churn", con, info, snapshots[-1]),
        "anomaly": lambda: anomaly_scorer(models / "anomaly", info),
    }
    try:
        for name, load in loaders.items():
            if not _produced_ok(info, name):
                served.missing.append(f"models/{name}: {PRODUCERS[name]} did not succeed")
                continue
            try:
                setattr(served, name, load())
            except FileNotFoundError as exc:
                reason = str(exc).removeprefix("folder: ").replace(f"{run}/", "")
                served.missing.append(reason)
    finally:
        if con is not None:
            con.close()
    if not served.loaded:
        raise ModelLoadError(f"no usable model in {run}: " + "; ".join(served.missing))
    for reason in served.missing:
        log.warning("not served: %s", reason)
    return served
