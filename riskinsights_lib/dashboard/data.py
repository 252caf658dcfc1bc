"""What the dashboard shows: the explorer inputs notebook 06 saves, loaded back for Voilà."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from riskinsights_lib.paths import resolve_run_dir

__all__ = [
    "APP_NOTEBOOK",
    "RUN_ENV",
    "EXPLORER_DIR",
    "ExplorerInputs",
    "save_explorer",
    "load_explorer",
    "explorer_app",
]

#: The thin Voilà app notebook shipped as package data.
APP_NOTEBOOK = Path(__file__).with_name("app.ipynb")
#: Environment variable through which the command tells the app which run to show.
RUN_ENV = "RISKINSIGHTS_DASHBOARD_RUN"
#: Folder of a run that holds the explorer's inputs.
EXPLORER_DIR = Path("models") / "anomaly_explorer"
_ROWS, _DETECTOR, _SETTINGS = "rows.parquet", "detector.joblib", "settings.json"


@dataclass
class ExplorerInputs:
    """The scored rows, the fitted detector and the slider settings of one run."""

    rows: pd.DataFrame
    detector: Any
    settings: dict[str, Any]
    run_dir: Path


def save_explorer(
    run_dir: str | os.PathLike,
    rows: pd.DataFrame,
    detector: Any,
    *,
    budget: int,
    max_budget: int,
    features_table: str = "mart_transaction_features",
) -> Path:
    """Save the explorer's inputs under ``<run>/models/anomaly_explorer/`` and return the folder.

    ``rows`` needs ``transaction_id, customer_id, ts, amount, score`` (pseudonymous ids only);
    ``detector`` is the fitted detector whose ``explain`` gives the drill-down reasons.
    """
    missing = {"transaction_id", "customer_id", "ts", "amount", "score"} - set(rows.columns)
    if missing:
        raise ValueError(f"rows: missing columns {sorted(missing)}")
    if not 1 <= int(budget) <= int(max_budget):
        raise ValueError(f"budget: expected 1 <= budget <= max_budget, got {budget}, {max_budget}")
    folder = resolve_run_dir(run_dir) / EXPLORER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(folder / _ROWS, index=False)
    joblib.dump(detector, folder / _DETECTOR)
    settings = {"budget": int(budget), "max_budget": int(max_budget), "table": features_table}
    (folder / _SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")
    return folder


def load_explorer(run_dir: str | os.PathLike) -> ExplorerInputs:
    """Load what :func:`save_explorer` wrote; ``FileNotFoundError`` names the missing file."""
    root = resolve_run_dir(run_dir)
    folder = root / EXPLORER_DIR
    for name in (_ROWS, _DETECTOR, _SETTINGS):
        if not (folder / name).exists():
            raise FileNotFoundError(
                f"{folder / name}: not found (run notebook 06 on this run first)"
            )
    settings = json.loads((folder / _SETTINGS).read_text(encoding="utf-8"))
    return ExplorerInputs(
        rows=pd.read_parquet(folder / _ROWS),
        detector=joblib.load(folder / _DETECTOR),
        settings=settings,
        run_dir=root,
    )


def _reasons(inputs: ExplorerInputs):
    """customer id -> that customer's rows with reasons, from the run's datamart."""
    import duckdb

    from riskinsights_lib import anomaly as an

    con = duckdb.connect(str(inputs.run_dir / "datamart.duckdb"), read_only=True)
    con.execute("SET enable_progress_bar = false")
    view = "tx_features"
    an.materialise(
        con,
        an.derived_features_sql(inputs.settings.get("table", "mart_transaction_features")),
        view,
        columns=[*an.CONTEXT_COLUMNS, *an.DETECTOR_FEATURES],
    )

    def reasons_for(customer: str) -> pd.DataFrame:
        return an.customer_explanations(
            con,
            view,
            inputs.detector,
            customer,
            phrases=an.MART_PHRASES,
            groups=an.MART_REASON_GROUPS,
        )

    return reasons_for


def explorer_app(run_dir: str | os.PathLike | None = None):
    """The explorer widget of a run (default: the run named by ``RISKINSIGHTS_DASHBOARD_RUN``)."""
    from riskinsights_lib.anomaly.explorer import build_explorer

    chosen = run_dir or os.environ.get(RUN_ENV) or "latest"
    inputs = load_explorer(chosen)
    return build_explorer(
        inputs.rows,
        budget=inputs.settings["budget"],
        max_budget=inputs.settings["max_budget"],
        reasons_for=_reasons(inputs),
    )
