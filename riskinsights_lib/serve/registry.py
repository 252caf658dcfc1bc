"""Load the ``champion`` of each registered model from an MLflow registry.

Contract (the tracking helper's, docs/deployment.md): models
``riskinsights-default-scorecard``, ``riskinsights-churn`` and ``riskinsights-anomaly``,
alias ``champion``, pyfunc wrappers whose ``unwrap_python_model()`` exposes the library
objects (``.card`` and ``.scale``; ``.model``; ``.detector``), and version tags
``riskinsights.run_id`` / ``riskinsights.git_commit``. A model without a champion is not
served; none at all stops the start with one line (:class:`ModelLoadError`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from riskinsights_lib.serve.loading import (
    MODEL_NAMES,
    ModelLoadError,
    ServedModels,
    churn_reference,
    churn_specs,
    open_datamart,
    scorecard_specs,
    specs_for,
)
from riskinsights_lib.serve.scorers import AnomalyScorer, ChurnScorer, DefaultScorer, ModelInfo

__all__ = ["ALIAS", "load_from_registry", "redact_uri"]

log = logging.getLogger("riskinsights.serve")
ALIAS = "champion"


def redact_uri(uri: str) -> str:
    """The URI without a password (``user:secret@host`` -> ``user:***@host``)."""
    return re.sub(r"(//[^:/@]+:)[^@]+@", r"\1***@", uri)


def _champion(client: Any, name: str) -> Any | None:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, ALIAS)
    except MlflowException:
        return None


def _scorer(key: str, wrapper: Any, info: ModelInfo, con: Any) -> Any:
    if key == "default":
        card, scale = wrapper.card, wrapper.scale
        specs = specs_for(con, "mart_default", card.features) or scorecard_specs(card)
        return DefaultScorer(card, scale, info, specs)
    if key == "churn":
        model = wrapper.model
        model.booster.set_param({"nthread": 1})
        specs = specs_for(con, "mart_churn", model.features) or churn_specs(model)
        reference, bounds = churn_reference(model, con, None)
        return ChurnScorer(model, info, specs, reference_desc=reference, bounds=bounds)
    from riskinsights_lib.serve.domain import FeatureSpec

    detector = wrapper.detector
    specs = [FeatureSpec(f, "number", example=float(v))
             for f, v in zip(detector.feature_names_, detector.fill_values_, strict=True)]  # fmt: skip
    return AnomalyScorer(detector, float(detector.threshold_), info, specs)


def load_from_registry(tracking_uri: str | None, *, datamart: Path | None = None) -> ServedModels:
    """The champions of the registry at ``tracking_uri`` (see the module docstring)."""
    if not tracking_uri:
        raise ModelLoadError("--registry: set --tracking-uri or MLFLOW_TRACKING_URI")
    try:
        import mlflow
        from mlflow import MlflowClient
    except ModuleNotFoundError:
        raise ModelLoadError("--registry: mlflow is not installed (pip install mlflow)") from None
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    where = redact_uri(tracking_uri)
    served = ServedModels(datamart=datamart if datamart and datamart.is_file() else None,
                          source=f"registry {where}")  # fmt: skip
    con = open_datamart(served.datamart)
    try:
        for key, name in MODEL_NAMES.items():
            version = _champion(client, name)
            if version is None:
                served.missing.append(f"{name}@{ALIAS}: not in the registry")
                continue
            wrapper = mlflow.pyfunc.load_model(f"models:/{name}@{ALIAS}").unwrap_python_model()
            tags = dict(version.tags or {})
            info = ModelInfo(name, str(version.version), tags.get("riskinsights.run_id"), where)
            setattr(served, key, _scorer(key, wrapper, info, con))
            served.run_id = served.run_id or info.run_id
            served.git_commit = served.git_commit or tags.get("riskinsights.git_commit")
    except Exception as exc:  # registry or artifact store errors: one line, no traceback
        if isinstance(exc, ModelLoadError):
            raise
        raise ModelLoadError(f"--registry {where}: {type(exc).__name__} while loading") from None
    finally:
        if con is not None:
            con.close()
    if not served.loaded:
        raise ModelLoadError(f"no champion model in {where}: " + "; ".join(served.missing))
    for reason in served.missing:
        log.warning("not served: %s", reason)
    return served
