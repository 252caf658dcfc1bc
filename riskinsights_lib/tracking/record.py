"""``<run>/tracking/<notebook>.json``: what tracking did, for the runner to copy into run.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskinsights_lib.paths import resolve_run_dir

__all__ = ["RECORD_DIR", "read_record", "write_record"]

RECORD_DIR = "tracking"


def read_record(run_dir: str | Path, notebook: str) -> dict[str, Any]:
    """The tracking record a notebook wrote (empty when it wrote none)."""
    path = resolve_run_dir(run_dir) / RECORD_DIR / f"{notebook}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_record(run_dir: str | Path, notebook: str, record: dict[str, Any]) -> Path:
    """Write (replace) a notebook's tracking record; returns its path."""
    folder = resolve_run_dir(run_dir) / RECORD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return path
