"""Scorecard speed: fitting (binning, selection, stepwise) and scoring in Python vs inside DuckDB.

Synthetic data with bank-like features (numeric with missing values, a categorical), so that
the benchmark runs without a run folder:

    python benchmarks/bench_scorecard.py --rows 5000 50000 500000 --features 40

Writes ``benchmarks/results/scorecard.json`` and prints wall and CPU seconds per stage.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from riskinsights_lib.scorecard import fit_scorecard


def _frame(n: int, n_features: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    df = pd.DataFrame(x, columns=[f"x{i:02d}" for i in range(n_features)])
    df.iloc[rng.random(n) < 0.05, 0] = np.nan
    df["band"] = rng.choice(["a", "b", "c", "d"], n)
    w = np.zeros(n_features)
    w[: min(8, n_features)] = np.linspace(0.8, 0.1, min(8, n_features))
    logit = -3 + np.nan_to_num(x) @ w + np.where(df["band"] == "d", 0.6, 0.0)
    df["bad"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--features", type=int, default=40)
    parser.add_argument(
        "--score-rows", type=int, default=500_000, help="rows scored in each engine"
    )
    args = parser.parse_args()
    results = []
    for n in args.rows:
        df = _frame(n, args.features, seed=0)
        features = [c for c in df.columns if c != "bad"]
        card, fit_wall, fit_cpu = _timed(
            lambda df=df, features=features: fit_scorecard(df, "bad", features, progress=False)
        )
        big = _frame(args.score_rows, args.features, seed=1)
        _, py_wall, py_cpu = _timed(lambda card=card, big=big: card.score(big))
        con = duckdb.connect()
        con.register("big", big)
        sql = f"SELECT sum(score) FROM ({card.to_sql('big', keep=[])})"
        _, sql_wall, sql_cpu = _timed(lambda con=con, sql=sql: con.sql(sql).fetchall())
        row = {
            "fit_rows": n,
            "candidates": len(features),
            "features_kept": len(card.features),
            "fit_wall_s": round(fit_wall, 2),
            "fit_cpu_s": round(fit_cpu, 2),
            "score_rows": args.score_rows,
            "python_rows_per_s": round(args.score_rows / py_wall),
            "duckdb_rows_per_s": round(args.score_rows / sql_wall),
            "python_cpu_s": round(py_cpu, 2),
            "duckdb_cpu_s": round(sql_cpu, 2),
        }
        print(row)
        results.append(row)
    out = Path(__file__).parent / "results" / "scorecard.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
