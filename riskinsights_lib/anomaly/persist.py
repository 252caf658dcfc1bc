"""Save and load a fitted anomaly detector with what a scoring service needs beside it.

A folder holds ``detector.joblib`` (the fitted detector, scikit-learn inside, so
load it only from a trusted run folder) and ``metadata.json``: the features, the
fill values (fit medians), the fit threshold, the run's alert threshold (the score
above which a transaction is flagged, e.g. at the contamination budget of the
whole scored period), the feature domain of the fit sample and the library
versions. :func:`load_detector` checks the two agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn

from riskinsights_lib.anomaly._base import _Detector

__all__ = ["save_detector", "load_detector", "detector_metadata", "feature_domain"]

DETECTOR_FILE = "detector.joblib"
METADATA_FILE = "metadata.json"


def feature_domain(sample: pd.DataFrame, features: list[str]) -> dict[str, dict[str, float]]:
    """Per feature: min, max, median and share missing of the fit sample (JSON-able)."""
    out: dict[str, dict[str, float]] = {}
    for col in features:
        v = pd.to_numeric(sample[col], errors="coerce").astype(float)
        v = v.where(np.isfinite(v))
        present = v.dropna()
        out[col] = {
            "min": float(present.min()) if len(present) else 0.0,
            "max": float(present.max()) if len(present) else 0.0,
            "median": float(present.median()) if len(present) else 0.0,
            "share_missing": float(v.isna().mean()) if len(v) else 0.0,
            "binary": bool(len(present) and set(np.unique(present)) <= {0.0, 1.0}),
        }
    return out


def detector_metadata(
    detector: _Detector, *, alert_threshold: float, sample: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The JSON description written beside the detector."""
    feats = list(detector.feature_names_)
    return {
        "format": "riskinsights-anomaly/1",
        "detector": type(detector).__name__,
        "features": feats,
        "fill_values": [float(v) for v in detector.fill_values_],
        "fit_threshold": float(detector.threshold_),
        "contamination": float(getattr(detector, "contamination", float("nan"))),
        "alert_threshold": float(alert_threshold),
        "domain": feature_domain(sample, feats) if sample is not None else {},
        "n_fit": len(sample) if sample is not None else None,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }


def save_detector(
    detector: _Detector,
    folder: str | os.PathLike,
    *,
    alert_threshold: float,
    sample: pd.DataFrame | None = None,
) -> Path:
    """Write ``detector.joblib`` and ``metadata.json`` into ``folder``; returns the folder.

    Parameters
    ----------
    detector : a fitted detector of this package (e.g. from ``fit_anomaly_detector``).
    folder : where to write (created).
    alert_threshold : score above which a row is flagged in production.
    sample : the fit sample, to record the feature domain (ranges a service accepts).
    """
    if not isinstance(detector, _Detector):
        raise TypeError(f"detector: expected a fitted detector, got {type(detector).__name__}")
    if not np.isfinite(alert_threshold):
        raise ValueError(f"alert_threshold: expected a finite score, got {alert_threshold}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(detector, folder / DETECTOR_FILE)
    meta = detector_metadata(detector, alert_threshold=alert_threshold, sample=sample)
    (folder / METADATA_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder


def load_detector(folder: str | os.PathLike) -> tuple[_Detector, dict[str, Any]]:
    """Read a folder written by :func:`save_detector`: ``(detector, metadata)``."""
    folder = Path(folder)
    for name in (DETECTOR_FILE, METADATA_FILE):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"folder: no {name} in {folder}")
    meta = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    detector = joblib.load(folder / DETECTOR_FILE)
    if not isinstance(detector, _Detector):
        raise ValueError(f"folder: {DETECTOR_FILE} in {folder} does not hold an anomaly detector")
    if list(detector.feature_names_) != list(meta.get("features", [])):
        raise ValueError(f"folder: {DETECTOR_FILE} and {METADATA_FILE} disagree on the features")
    return detector, meta
