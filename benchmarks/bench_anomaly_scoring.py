"""Scoring throughput of the anomaly detectors (transactions per second).

Fits each detector once on a sample, then times chunked scoring of N rows
for a few sizes and forest sizes. Rows are synthetic by default (20 features
shaped like ``mart_transaction_features``: continuous, counts and flags) or,
with ``--datamart``, the real mart of a run (rows repeated up to the size).

    python benchmarks/bench_anomaly_scoring.py                 # ~1-2 minutes on 2 cores
    python benchmarks/bench_anomaly_scoring.py --sizes 100000 1000000 --trees 100 200
    python benchmarks/bench_anomaly_scoring.py --datamart outputs/latest/datamart.duckdb

Results are printed and written to ``benchmarks/results/anomaly_scoring.{csv,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from riskinsights_lib.anomaly import fit_anomaly_detector, fit_ecod, fit_lof

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_features(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows of 20 numeric features with the mart's mix of shapes."""
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(8):
        cols[f"cont_{i}"] = rng.standard_t(4, size=n)
    for i in range(6):
        cols[f"count_{i}"] = rng.poisson(0.5 + i, size=n).astype(float)
    for i in range(6):
        cols[f"flag_{i}"] = (rng.random(n) < 0.02 * (i + 1)).astype(float)
    return pd.DataFrame(cols)


def mart_features(path: str, n: int) -> pd.DataFrame:
    """Numeric columns of the run's ``mart_transaction_features``, repeated to ``n`` rows."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        df = con.sql(f"select * from mart_transaction_features limit {int(n)}").df()
    finally:
        con.close()
    num = df.select_dtypes(include=["number", "bool"]).astype(float)
    reps = int(np.ceil(n / len(num)))
    return pd.concat([num] * reps, ignore_index=True).iloc[:n]


def _time_scoring(det, X: pd.DataFrame, chunk: int, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        det.score_chunked(X, chunk_size=chunk, progress=False)
        best = min(best, time.perf_counter() - t0)
    return best


def run(
    sizes: list[int],
    trees: list[int],
    *,
    datamart: str | None,
    chunk: int,
    repeats: int,
    lof_rows: int,
) -> pd.DataFrame:
    """Time every (detector, trees, size) combination; return one row each."""
    n_max = max(sizes)
    data = mart_features(datamart, n_max) if datamart else synthetic_features(n_max)
    fit_rows = data.sample(n=min(50_000, len(data)), random_state=0)
    rows = []
    detectors = [
        (
            f"iforest_{t}",
            t,
            lambda t=t: fit_anomaly_detector(fit_rows, n_estimators=t, max_samples=256, seed=0),
        )
        for t in trees
    ]
    detectors += [
        ("ecod", None, lambda: fit_ecod(fit_rows)),
        ("lof", None, lambda: fit_lof(fit_rows, max_rows=lof_rows)),
    ]
    for name, t, fit in detectors:
        t0 = time.perf_counter()
        det = fit()
        fit_s = time.perf_counter() - t0
        for n in sizes:
            if name == "lof" and n > 100_000:
                continue  # neighbour search: tens of seconds per 100k rows, measured at the small sizes
            secs = _time_scoring(det, data.iloc[:n], chunk, repeats)
            rows.append(
                {
                    "detector": name,
                    "n_estimators": t,
                    "rows": n,
                    "seconds": secs,
                    "rows_per_s": n / secs,
                    "fit_seconds": fit_s,
                }
            )
            print(f"{name:>12} rows={n:>10,} {secs:8.2f} s  {n / secs:>12,.0f} rows/s")
    out = pd.DataFrame(rows)
    ref = out[out["detector"] == f"iforest_{trees[0]}"].set_index("rows")["rows_per_s"]
    out["ratio_to_" + f"iforest_{trees[0]}"] = out["rows_per_s"] / out["rows"].map(ref)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--trees", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per scoring chunk")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many timings")
    parser.add_argument("--lof-rows", type=int, default=20_000, help="LOF fit rows")
    parser.add_argument(
        "--datamart", default=None, help="score a run's mart instead of synthetic rows"
    )
    args = parser.parse_args()
    out = run(
        sorted(args.sizes),
        args.trees,
        datamart=args.datamart,
        chunk=args.chunk,
        repeats=args.repeats,
        lof_rows=args.lof_rows,
    )
    RESULTS.mkdir(exist_ok=True)
    out.to_csv(RESULTS / "anomaly_scoring.csv", index=False)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "source": args.datamart or "synthetic",
        "chunk": args.chunk,
    }
    (RESULTS / "anomaly_scoring.json").write_text(
        json.dumps({"meta": meta, "results": out.to_dict("records")}, indent=2)
    )
    print()
    print(out.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
