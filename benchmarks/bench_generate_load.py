"""Benchmark: generate N transactions, load them into the datamart, and compare with the prototype.

For each size (``--sizes 1M 10M``) the script runs three stages, each in a fresh
process so that its peak memory (max RSS, including DuckDB) is its own:

1. generation: ``riskinsights_lib.generate.generate_bank`` writes the raw CSVs;
2. load: ``riskinsights_lib.datamart.build_datamart`` builds the whole datamart
   (staging, quarantine, star schema, model marts, checks) from those files;
3. baseline: what the original prototype did on the same raw files: pandas
   ``read_csv`` + ``DataFrame.to_sql`` into SQLite, table by table (no quality
   rules, no star schema, no marts).

It prints rows/s and peak memory per stage and the baseline/load time ratio,
and writes ``benchmarks/results/<size>_<timestamp>.json`` (git-ignored).

Usage::

    python benchmarks/bench_generate_load.py --sizes 1M
    python benchmarks/bench_generate_load.py --sizes 1M 10M --skip-baseline
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

N_MONTHS = 24
SNAPSHOTS = ["2023-06-30", "2023-09-30", "2023-12-31"]
RESULTS = Path(__file__).resolve().parent / "results"


def _parse_size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_s() -> float:
    """CPU seconds of this process (all threads): less sensitive than wall time to other load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _generate(out: str, n_customers: int, tx_per_month: float, queue) -> None:
    from riskinsights_lib.generate import generate_bank

    t0 = time.perf_counter()
    summary = generate_bank(
        out,
        n_customers=n_customers,
        start_date="2023-01-01",
        n_months=N_MONTHS,
        snapshots=SNAPSHOTS,
        seed=42,
        tx_per_customer_month=tx_per_month,
        anomaly_rate=0.003,
        dirty_row_rate=0.001,
        truth_paths=10,
        progress=False,
    )
    queue.put(
        {
            "seconds": time.perf_counter() - t0,
            "cpu_s": _cpu_s(),
            "rows": summary.n_transactions,
            "peak_mb": _peak_mb(),
        }
    )


def _load(out: str, memory_limit: str, threads: int | None, queue) -> None:
    from riskinsights_lib.datamart import build_datamart

    t0 = time.perf_counter()
    summary = build_datamart(
        Path(out) / "raw",
        Path(out) / "datamart.duckdb",
        run_id="bench",
        snapshots=SNAPSHOTS,
        pseudonym_key="benchmark-key",
        memory_limit=memory_limit,
        threads=threads,
        progress=False,
    )
    queue.put(
        {
            "seconds": time.perf_counter() - t0,
            "cpu_s": _cpu_s(),
            "rows": summary.sources["transactions"]["raw_rows"],
            "peak_mb": _peak_mb(),
            "stage_seconds": summary.stage_seconds,
            "table_rows": summary.table_rows,
        }
    )


def _baseline(out: str, queue) -> None:
    """The prototype's load: pandas read_csv + to_sql into SQLite, file by file."""
    import pandas as pd

    raw = Path(out) / "raw"
    t0 = time.perf_counter()
    n = 0
    with sqlite3.connect(Path(out) / "prototype.sqlite") as db:
        for path in sorted(raw.glob("*.csv")) + sorted((raw / "transactions").glob("*.csv")):
            table = path.stem if path.parent == raw else "transactions"
            frame = pd.read_csv(path)
            frame.to_sql(table, db, if_exists="append", index=False)
            if table == "transactions":
                n += len(frame)
    queue.put(
        {"seconds": time.perf_counter() - t0, "cpu_s": _cpu_s(), "rows": n, "peak_mb": _peak_mb()}
    )


def _stage(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        raise RuntimeError(f"{target.__name__} failed with exit code {proc.exitcode}")
    result["rows_per_s"] = result["rows"] / result["seconds"]
    return result


def run(
    size: int,
    *,
    tx_per_month: float,
    workdir: Path,
    memory_limit: str,
    threads: int | None,
    baseline: bool,
) -> dict:
    n_customers = max(100, round(size / (tx_per_month * N_MONTHS)))
    out = workdir / f"bench_{size}"
    shutil.rmtree(out, ignore_errors=True)
    result = {
        "size": size,
        "n_customers": n_customers,
        "tx_per_customer_month": tx_per_month,
        "load_average_before": os.getloadavg()[0],
    }
    result["generation"] = _stage(_generate, str(out), n_customers, tx_per_month)
    result["raw_mb"] = sum(f.stat().st_size for f in (out / "raw").rglob("*") if f.is_file()) / 1e6
    result["load"] = _stage(_load, str(out), memory_limit, threads)
    result["threads"] = threads
    if baseline:
        result["baseline_pandas_sqlite"] = _stage(_baseline, str(out))
        result["baseline_over_load"] = (
            result["baseline_pandas_sqlite"]["seconds"] / result["load"]["seconds"]
        )
    result["generate_plus_load_seconds"] = (
        result["generation"]["seconds"] + result["load"]["seconds"]
    )
    shutil.rmtree(out, ignore_errors=True)
    return result


def _print(result: dict) -> None:
    print(
        f"\n== {result['size']:,} transactions target ({result['n_customers']:,} customers, raw {result['raw_mb']:,.0f} MB)"
    )
    for stage in ("generation", "load", "baseline_pandas_sqlite"):
        if stage in result:
            r = result[stage]
            print(
                f"{stage:24s} {r['seconds']:7.1f} s wall {r['cpu_s']:7.1f} s cpu "
                f"{r['rows']:>12,} tx {r['rows_per_s']:>10,.0f} rows/s  peak {r['peak_mb']:7,.0f} MB"
            )
    print(f"generation + load        {result['generate_plus_load_seconds']:8.1f} s")
    if "baseline_over_load" in result:
        print(f"baseline / load time     {result['baseline_over_load']:8.2f} x")
    print("load stages (s):", result["load"]["stage_seconds"])
    print(f"1-minute load average before the run: {result['load_average_before']:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["1M"], help="transaction counts, e.g. 1M 10M"
    )
    parser.add_argument("--tx-per-customer-month", type=float, default=12.0)
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit of the load")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads of the load")
    parser.add_argument("--workdir", default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument(
        "--skip-baseline", action="store_true", help="skip the pandas + SQLite baseline"
    )
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ri-bench-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    for text in args.sizes:
        result = run(
            _parse_size(text),
            tx_per_month=args.tx_per_customer_month,
            workdir=workdir,
            memory_limit=args.memory_limit,
            threads=args.threads,
            baseline=not args.skip_baseline,
        )
        result["machine"] = {"cpus": mp.cpu_count(), "python": platform.python_version()}
        _print(result)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"{text}_{stamp}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
