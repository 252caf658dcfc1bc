"""Time that MLflow tracking adds to ``python run_all.py``: the same run with tracking off and on.

Each mode runs in a fresh outputs root (so "on" includes creating the SQLite
store, as on a first run). The in-notebook share is read from papermill's
per-cell durations of the tracking cells of 04-06 (robust on a busy machine);
the wall-clock difference also holds the runner's part (parent run, figures,
report and charts logged after each notebook)::

    python benchmarks/bench_tracking.py --params params/ci.yaml --jobs 2
    python benchmarks/bench_tracking.py                    # default scale, several minutes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def run(params: str, jobs: int, enabled: bool, outputs: Path) -> float:
    """Wall seconds of one ``run_all.py`` with tracking ``enabled`` into ``outputs``."""
    env = {**os.environ, "RISKINSIGHTS_OUTPUTS": str(outputs)}
    env.pop("MLFLOW_TRACKING_URI", None)
    cmd = [sys.executable, str(ROOT / "run_all.py"), "--params", params, "--jobs", str(jobs)]
    cmd += ["-p", f"tracking.enabled={'true' if enabled else 'false'}"]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def tracking_cells(run_dir: Path) -> dict[str, float]:
    """Seconds of each notebook's tracking cell (papermill metadata)."""
    out = {}
    for path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "tracking.track_" in cell.source:
                out[path.stem] = float(cell.metadata.get("papermill", {}).get("duration") or 0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(ROOT / "params" / "default.yaml"))
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        off = run(args.params, args.jobs, False, Path(tmp) / "off")
        on = run(args.params, args.jobs, True, Path(tmp) / "on")
        cells = tracking_cells((Path(tmp) / "on" / "latest").resolve())
        db = (Path(tmp) / "on" / "mlflow.db").stat().st_size
        art = sum(
            p.stat().st_size for p in (Path(tmp) / "on" / "mlartifacts").rglob("*") if p.is_file()
        )
    result = {
        "params": args.params,
        "jobs": args.jobs,
        "seconds_off": round(off, 1),
        "seconds_on": round(on, 1),
        "added_seconds": round(on - off, 1),
        "added_share": round((on - off) / off, 3),
        "tracking_cell_seconds": {k: round(v, 1) for k, v in cells.items()},
        "tracking_cells_share_of_on": round(sum(cells.values()) / on, 3),
        "store_mb": round(db / 1e6, 2),
        "artifacts_mb": round(art / 1e6, 1),
    }
    print(json.dumps(result, indent=2))
    folder = ROOT / "benchmarks" / "results"
    folder.mkdir(exist_ok=True)
    name = Path(args.params).stem
    (folder / f"tracking_{name}_jobs{args.jobs}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
