"""Loading the hidden ground truth keyed like the datamart's model marts.

The truth files carry natural ids; the marts carry keyed hashes
(:func:`riskinsights_lib.privacy.pseudonymise`). These loaders hash the ids
with the same key so that a model notebook can join the true probabilities to
its mart on ``customer_id`` and ``snapshot_date``. Only evaluation code (the
ceiling of a model, the recall of a detector) should call them.

A bank's own extracts carry no truth: :func:`has_truth` tells the notebooks,
:func:`no_truth_sentence` says so in one sentence; the figures that need truth
are then left out of ``run.json`` (absent, not zero).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from riskinsights_lib.paths import RunPaths
from riskinsights_lib.privacy import pseudonymise

__all__ = [
    "has_truth",
    "no_truth_sentence",
    "load_default_truth",
    "load_churn_truth",
    "load_anomaly_truth",
    "load_dirty_rows",
    "load_oracle",
]


def has_truth(paths: RunPaths | str | Path) -> bool:
    """True when the run has a ground-truth folder (synthetic runs; never a bank's own extracts)."""
    folder = paths.truth if isinstance(paths, RunPaths) else Path(paths) / "truth"
    return folder.is_dir()


def no_truth_sentence(what: str, shown: str = "what follows does not need it") -> str:
    """The one sentence a truth-dependent section shows when the run has no ground truth.

    >>> no_truth_sentence("the oracle ceiling")[:44]
    'These extracts carry no ground truth, so the'
    """
    return f"These extracts carry no ground truth, so {what} cannot be computed; {shown}."


def _truth_dir(paths: RunPaths | str | Path) -> Path:
    folder = paths.truth if isinstance(paths, RunPaths) else Path(paths) / "truth"
    if not folder.is_dir():
        raise FileNotFoundError(f"paths: no truth folder at {folder} (run 01_generate_data first)")
    return folder


def _load_keyed(
    paths: RunPaths | str | Path, name: str, key: str, date_cols: list[str]
) -> pd.DataFrame:
    if not key:
        raise ValueError("key: expected the pseudonymisation key used by the datamart")
    frame = pd.read_csv(_truth_dir(paths) / f"{name}.csv", dtype={"customer_id": str})
    frame["customer_id"] = pseudonymise(frame["customer_id"], key)
    for col in date_cols:
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def load_default_truth(paths: RunPaths | str | Path, key: str) -> pd.DataFrame:
    """True 12-month PDs: ``customer_id`` (hashed with ``key``), ``snapshot_date`` (date),
    ``true_pd_12m``, ``default_event_month`` (date or NaN)."""
    return _load_keyed(paths, "default_truth", key, ["snapshot_date", "default_event_month"])


def load_churn_truth(paths: RunPaths | str | Path, key: str) -> pd.DataFrame:
    """True 6-month churn probabilities: ``customer_id`` (hashed), ``snapshot_date`` (date),
    ``true_churn_6m``, ``churn_event_month``."""
    return _load_keyed(paths, "churn_truth", key, ["snapshot_date", "churn_event_month"])


def load_anomaly_truth(paths: RunPaths | str | Path) -> pd.DataFrame:
    """Planted anomalies: ``transaction_id``, ``anomaly_type`` (transaction ids are not personal data)."""
    return pd.read_csv(_truth_dir(paths) / "anomalies.csv", dtype=str)


def load_dirty_rows(paths: RunPaths | str | Path) -> pd.DataFrame:
    """Dirty rows added to the raw extracts: ``source, file, row_number, record_key, defect``."""
    return pd.read_csv(
        _truth_dir(paths) / "dirty_rows.csv", dtype={"record_key": str}, keep_default_na=False
    )


def load_oracle(paths: RunPaths | str | Path) -> dict:
    """The generator's summary: rates, oracle AUCs per snapshot, row counts."""
    return json.loads((_truth_dir(paths) / "oracle.json").read_text(encoding="utf-8"))
