"""``run.json``: what a run used and produced, in a shape tools can read.

Top-level keys: ``run_id, params_file, params, git_commit, started, finished,
status, versions, inputs, notebooks`` (each notebook: ``name, status,
seconds, html, metrics``).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from riskinsights_lib.paths import PROJECT_ROOT
from riskinsights_lib.record import to_plain

__all__ = [
    "git_commit",
    "package_versions",
    "fingerprint_inputs",
    "changed_inputs",
    "read_run",
    "write_run",
    "validate_run",
]

_PACKAGES = [
    "riskinsights",
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "scipy",
    "scikit-learn",
    "xgboost",
    "shap",
    "optbinning",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "ipywidgets",
]
RUN_FILE = "run.json"
SCHEMA = Path(__file__).with_name("run_schema.json")


def git_commit(root: Path = PROJECT_ROOT) -> str:
    """The checked-out commit, suffixed ``-dirty`` when the tree has changes; ``unknown`` outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha


#: distributions that provide the same module under another name (the CPU-only XGBoost wheel)
_ALTERNATIVES = {"xgboost": "xgboost-cpu"}


def _alternative_version(name: str) -> str:
    try:
        return metadata.version(_ALTERNATIVES[name]) if name in _ALTERNATIVES else "not installed"
    except metadata.PackageNotFoundError:
        return "not installed"


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages the notebooks rely on."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _alternative_version(name)
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(path: Path) -> int | None:
    if path.suffix == ".csv":
        with path.open("rb") as handle:
            return max(
                sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
            )
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return None


def fingerprint_inputs(raw_dir: Path) -> dict[str, dict[str, Any]]:
    """Row count, size and sha256 of every raw file, keyed by its path under ``raw_dir``."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return {}
    return {
        str(path.relative_to(raw_dir)): {
            "rows": _rows(path),
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }
        for path in sorted(p for p in raw_dir.rglob("*") if p.is_file())
    }


def changed_inputs(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Raw files whose sha256 differs between two fingerprints, or that came or went.

    >>> changed_inputs({"a.csv": {"sha256": "1"}}, {"a.csv": {"sha256": "2"}, "b.csv": {"sha256": "3"}})
    ['a.csv', 'b.csv']
    """
    if not old:
        return []
    keys = set(old) | set(new)
    return sorted(k for k in keys if old.get(k, {}).get("sha256") != new.get(k, {}).get("sha256"))


def read_run(run_dir: Path) -> dict[str, Any]:
    """The run's ``run.json`` (empty when there is none yet)."""
    path = Path(run_dir) / RUN_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_run(run_dir: Path, run: dict[str, Any]) -> Path:
    """Write ``run.json`` atomically."""
    path = Path(run_dir) / RUN_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(to_plain(run), indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def validate_run(run: dict[str, Any]) -> None:
    """Check a ``run.json`` mapping against ``run_schema.json``; raise ``ValueError`` naming the path."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(run)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ValueError(f"run.json: {where}: {error.message}")
