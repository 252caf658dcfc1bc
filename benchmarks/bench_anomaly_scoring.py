"""Scoring throughput of the anomaly detectors (transactions per second).

Fits each detector once on a sample, then times chunked scoring of N rows
for a few sizes and forest sizes. Rows are synthetic by default (14 features
shaped like the detector's inputs: continuous, counts and flags) or, with
``--datamart``, the detector features of a run's mart (derived as in
notebook 06, rows repeated up to the size).

    python benchmarks/bench_anomaly_scoring.py                 # a few minutes on 2 cores
    python benchmarks/bench_anomaly_scoring.py --sizes 100000 1000000 --trees 100 200
    python benchmarks/bench_anomaly_scoring.py --datamart outputs/latest/datamart.duckdb

Wall and CPU seconds are both recorded (the box may be shared: CPU seconds
are the steadier figure). Results are printed and written to
``benchmarks/results/anomaly_scoring.{csv,json}``.
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

from riskinsights_lib.anomaly import (
    DETECTOR_FEATURES,
    derived_features_sql,
    fit_anomaly_detector,
    fit_ecod,
    fit_lof,
    materialise,
)

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_features(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows of 14 numeric features with the detector inputs' mix of shapes."""
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(6):
        cols[f"cont_{i}"] = rng.standard_t(4, size=n)
    for i in range(3):
        cols[f"count_{i}"] = rng.poisson(0.05 * (i + 1), size=n).astype(float)
    for i in range(5):
        cols[f"flag_{i}"] = (rng.random(n) < 0.01 * (i + 1)).astype(float)
    return pd.DataFrame(cols)


def mart_features(path: str, n: int) -> pd.DataFrame:
    """The detector features of a run's mart (notebook 06's derivation), repeated to ``n`` rows."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        materialise(con, derived_features_sql("mart_transaction_features"), "tx_features")
        cols = ", ".join(DETECTOR_FEATURES)
        df = con.sql(f"select {cols} from tx_features limit {int(n)}").df()
    finally:
        con.close()
    reps = int(np.ceil(n / len(df)))
    return pd.concat([df] * reps, ignore_index=True).iloc[:n]


def _time_scoring(det, X: pd.DataFrame, chunk: int, repeats: int) -> tuple[float, float]:
    """Best wall and CPU seconds over ``repeats`` chunked scorings."""
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        det.score_chunked(X, chunk_size=chunk, progress=False)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def run(
    sizes: list[int],
    trees: list[int],
    *,
    datamart: str | None,
    chunk: int,
    repeats: int,
    lof_rows: int,
    max_samples: int,
    lof_max_size: int,
) -> pd.DataFrame:
    """Time every (detector, trees, size) combination; return one row each."""
    n_max = max(sizes)
    data = mart_features(datamart, n_max) if datamart else synthetic_features(n_max)
    fit_rows = data.sample(n=min(50_000, len(data)), random_state=0)
    detectors = [
        (
            f"iforest_{t}",
            t,
            lambda t=t: fit_anomaly_detector(
                fit_rows, n_estimators=t, max_samples=max_samples, seed=0
            ),
        )
        for t in trees
    ]
    detectors += [
        ("ecod", None, lambda: fit_ecod(fit_rows)),
        ("lof", None, lambda: fit_lof(fit_rows, max_rows=lof_rows)),
    ]
    rows = []
    for name, t, fit in detectors:
        t0 = time.perf_counter()
        det = fit()
        fit_s = time.perf_counter() - t0
        for n in sizes:
            if name == "lof" and n > lof_max_size:
                continue  # a neighbour search per row: measured at the smaller sizes only
            secs, cpu = _time_scoring(det, data.iloc[:n], chunk, repeats)
            rows.append(
                {
                    "detector": name,
                    "n_estimators": t,
                    "rows": n,
                    "seconds": secs,
                    "cpu_seconds": cpu,
                    "rows_per_s": n / secs,
                    "rows_per_cpu_s": n / cpu if cpu > 0 else np.nan,
                    "fit_seconds": fit_s,
                    "load_avg_1m": os.getloadavg()[0],
                }
            )
            print(
                f"{name:>12} rows={n:>10,} {secs:8.2f} s wall {cpu:8.2f} s CPU "
                f"{n / secs:>12,.0f} rows/s",
                flush=True,
            )
    out = pd.DataFrame(rows)
    ref_name = f"iforest_{trees[0]}"
    ref = out[out["detector"] == ref_name].set_index("rows")["rows_per_cpu_s"]
    out[f"cpu_ratio_to_{ref_name}"] = out["rows_per_cpu_s"] / out["rows"].map(ref)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--trees", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--max-samples", type=int, default=4096, help="rows per tree")
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per scoring chunk")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many timings")
    parser.add_argument("--lof-rows", type=int, default=5_000, help="LOF fit rows")
    parser.add_argument("--lof-max-size", type=int, default=100_000, help="largest size for LOF")
    parser.add_argument("--datamart", default=None, help="score a run's mart features instead")
    args = parser.parse_args()
    out = run(
        sorted(args.sizes),
        args.trees,
        datamart=args.datamart,
        chunk=args.chunk,
        repeats=args.repeats,
        lof_rows=args.lof_rows,
        max_samples=args.max_samples,
        lof_max_size=args.lof_max_size,
    )
    RESULTS.mkdir(exist_ok=True)
    out.to_csv(RESULTS / "anomaly_scoring.csv", index=False)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "source": args.datamart or "synthetic",
        "chunk": args.chunk,
        "max_samples": args.max_samples,
        "lof_rows": args.lof_rows,
    }
    (RESULTS / "anomaly_scoring.json").write_text(
        json.dumps({"meta": meta, "results": out.to_dict("records")}, indent=2)
    )
    print()
    print(out.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
