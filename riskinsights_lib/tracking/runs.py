"""The runner's side of tracking: one parent run per ``run_all.py`` run.

:func:`start_run_tracking` prepares the store (once, before any parallel
wave: two processes opening a new SQLite store race MLflow's migrations) and
opens the parent run named by the run id. :meth:`RunTracking.parameters`
gives the ``tracking_*`` values to inject into a notebook;
:meth:`RunTracking.after_notebook` adds what only exists once the notebook has
finished (its recorded figures, its parameters, its HTML report and charts)
to the notebook's MLflow run and copies the registry facts into run.json.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm

from riskinsights_lib.params import Params
from riskinsights_lib.tracking.compare import RUN_TAG
from riskinsights_lib.tracking.record import read_record
from riskinsights_lib.tracking.store import (
    client_for,
    prepare_store,
    redact_uri,
    resolve_tracking_uri,
)

__all__ = ["RunTracking", "start_run_tracking", "flat_metrics", "extract_charts"]

log = logging.getLogger(__name__)

PREFIX = "tracking_"
RUN_JSON_KEYS = ("mlflow_run_id", "model_name", "model_version", "alias", "reason")


def flat_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric figures (booleans as 0/1, nested mappings as ``a.b``) for MLflow; text is left out."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_metrics(value, f"{name}."))
        elif isinstance(value, (bool, int, float)) and math.isfinite(float(value)):
            out[re.sub(r"[^\w\-. /]", "_", name)] = float(value)
    return out


def extract_charts(notebook: Path, folder: Path) -> list[Path]:
    """Write every PNG chart of an executed notebook to ``folder``, named by its section."""
    nb = nbformat.read(notebook, as_version=4)
    section, written = "intro", []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = re.match(r"^##\s+(.+)$", cell.source, re.M)
            if heading:
                section = re.sub(r"[^a-z0-9]+", "_", heading.group(1).lower()).strip("_")[:40]
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                path = folder / f"{len(written) + 1:02d}_{section}.png"
                path.write_bytes(base64.b64decode(png))
                written.append(path)
    return written


class RunTracking:
    """The parent run of one ``run_all.py`` run and what the runner logs into its children."""

    def __init__(self, uri: str, experiment: str, experiment_id: str, parent_run_id: str):
        self.uri, self.experiment = uri, experiment
        self.experiment_id, self.parent_run_id = experiment_id, parent_run_id
        self.client = client_for(uri)

    def summary(self) -> dict[str, str]:
        """Where this run is tracked (for run.json; no credentials)."""
        return {
            "uri": redact_uri(self.uri),
            "experiment": self.experiment,
            "parent_run_id": self.parent_run_id,
        }

    def parameters(self, notebook: Path, params: Params) -> dict[str, Any]:
        """``tracking_*`` values for a notebook that declares them (none otherwise)."""
        declared = pm.inspect_notebook(str(notebook))
        values = {f"{PREFIX}{k}": v for k, v in params.section("tracking").items()}
        values[f"{PREFIX}uri"] = redact_uri(self.uri)
        values[f"{PREFIX}parent_run"] = self.parent_run_id
        return {k: v for k, v in values.items() if k in declared}

    def after_notebook(
        self, run_dir: Path, name: str, entry: dict[str, Any], injected: Mapping[str, Any]
    ) -> None:
        """Log figures, parameters, report and charts to the notebook's run; fill ``entry``."""
        record = read_record(run_dir, name)
        if not record.get("enabled"):
            return
        entry["tracking"] = {k: record.get(k) for k in RUN_JSON_KEYS}
        try:
            self._log_children(run_dir, name, entry, record["mlflow_run_id"], injected)
        except Exception as exc:  # the notebook's own logging succeeded; say what did not
            log.warning("tracking: could not add %s's figures to MLflow: %s", name, exc)
            entry["tracking"]["error"] = f"{type(exc).__name__}: {exc}"[:300]

    def _log_children(
        self, run_dir: Path, name: str, entry: dict, run_id: str, injected: Mapping[str, Any]
    ) -> None:
        from mlflow.entities import Metric, Param

        params = [
            Param(k, str(v)[:6000])
            for k, v in injected.items()
            if k != "run_dir" and not k.startswith(PREFIX)
        ]
        metrics = [Metric(k, v, 0, 0) for k, v in flat_metrics(entry.get("metrics") or {}).items()]
        for i in range(0, max(len(params), len(metrics)), 100):
            self.client.log_batch(run_id, metrics=metrics[i : i + 100], params=params[i : i + 100])
        report = run_dir / "reports" / f"{name}.html"
        if report.is_file():
            self.client.log_artifact(run_id, str(report), "report")
        executed = next((run_dir / "notebooks").glob(f"{name}.ipynb"), None)
        if executed is not None:
            with tempfile.TemporaryDirectory() as tmp:
                if extract_charts(executed, Path(tmp)):
                    self.client.log_artifacts(run_id, tmp, "charts")

    def finish(self, status: str, run_json: Path | None = None) -> None:
        """End the parent run: FINISHED (ok or partial), KILLED (interrupted) or FAILED."""
        if run_json is not None and run_json.is_file():
            self.client.log_artifact(self.parent_run_id, str(run_json))
        state = {"ok": "FINISHED", "partial": "FINISHED", "interrupted": "KILLED"}.get(
            status, "FAILED"
        )
        self.client.set_terminated(self.parent_run_id, status=state)


def _declares_tracking(notebooks: list[Path]) -> bool:
    return any(f"{PREFIX}enabled" in pm.inspect_notebook(str(p)) for p in notebooks)


def start_run_tracking(
    params: Params,
    outputs_root: Path,
    run_id: str,
    notebooks: list[Path],
    tags: Mapping[str, str],
) -> RunTracking | None:
    """Prepare the store and open the parent run; None when tracking is off or not needed.

    Not needed means no selected notebook declares ``tracking_enabled``.
    """
    settings = params.tracking
    if not settings.enabled or not _declares_tracking(notebooks):
        return None
    uri = resolve_tracking_uri(outputs_root, settings.uri)
    experiment_id = prepare_store(uri, settings.experiment)
    client = client_for(uri)
    parent = client.create_run(
        experiment_id,
        run_name=run_id,
        tags={RUN_TAG: run_id, "riskinsights.kind": "run_all", **tags},
    )
    return RunTracking(uri, settings.experiment, experiment_id, parent.info.run_id)
