"""Headline figures a notebook records for ``run.json`` and ``index.html``.

A notebook calls :func:`record_metrics` once per result; the runner collects
``<run>/metrics/<notebook>.json`` afterwards. Nothing is scraped from HTML.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from riskinsights_lib.paths import resolve_run_dir

__all__ = ["record_metrics", "read_metrics", "to_plain"]


def to_plain(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or isinstance(value, (int, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_metrics(run_dir: str | os.PathLike, notebook: str, metrics: Mapping[str, Any]) -> dict:
    """Merge ``metrics`` into the notebook's recorded figures and return them all.

    Parameters
    ----------
    run_dir : the run folder (the notebook's ``run_dir`` parameter).
    notebook : the notebook's name without extension, e.g. ``"04_default_scoring"``.
    metrics : figure name to value; numbers, strings and mappings of them.
    """
    if not notebook:
        raise ValueError("notebook: expected the notebook name, e.g. '04_default_scoring'")
    folder = resolve_run_dir(run_dir) / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    current = read_metrics(path)
    current.update(to_plain(dict(metrics)))
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return current


def read_metrics(path: Path) -> dict:
    """Read one notebook's recorded figures (empty when it recorded none)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
