"""Timings of the BI stage (03) on a run's datamart: every KPI query and the exports.

    python benchmarks/bench_bi.py                                  # outputs/latest/datamart.duckdb
    python benchmarks/bench_bi.py --datamart outputs/<run>/datamart.duckdb --repeat 3

Each KPI query runs ``--repeat`` times (the best time is kept); then
``fact_transaction`` is exported as CSV and Parquet with DuckDB ``COPY``, and
the whole bundle is written, into a temporary folder. Results are printed and
written to ``benchmarks/results/bi.{csv,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from riskinsights_lib import bi
from riskinsights_lib.paths import outputs_root

RESULTS = Path(__file__).resolve().parent / "results"


def _best(func, repeat: int) -> tuple[float, float, object]:
    """Best wall seconds over ``repeat`` runs, the CPU seconds of that run, the result."""
    best, cpu, out = float("inf"), float("nan"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = func()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return best, cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datamart", type=Path, default=outputs_root() / "latest" / "datamart.duckdb"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.datamart.is_file():
        parser.error(f"--datamart: no file {args.datamart}")
    con = duckdb.connect(str(args.datamart), read_only=True)
    n_tx = con.execute("SELECT count(*) FROM fact_transaction").fetchall()[0][0]
    n_am = con.execute("SELECT count(*) FROM fact_account_month").fetchall()[0][0]
    rows = []
    kpis = {}
    for name, (func, options) in bi.KPI_TABLES.items():
        kwargs = {k: (10 if v is True else v) for k, v in options.items()}
        seconds, cpu, kpis[name] = _best(lambda f=func, kw=kwargs: f(con, **kw), args.repeat)
        rows.append({"step": name, "seconds": seconds, "cpu_seconds": cpu, "rows": len(kpis[name])})
    seconds, cpu, _ = _best(lambda: bi.headline_kpis(con), args.repeat)
    rows.append({"step": "headline_kpis", "seconds": seconds, "cpu_seconds": cpu, "rows": 1})
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            start, start_cpu = time.perf_counter(), time.process_time()
            bi.export_tables(con, ["fact_transaction"], Path(tmp), stamp="bench", formats=[fmt])
            size = (Path(tmp) / f"fact_transaction_bench.{fmt}").stat().st_size
            rows.append(
                {
                    "step": f"export fact_transaction {fmt}",
                    "seconds": time.perf_counter() - start,
                    "cpu_seconds": time.process_time() - start_cpu,
                    "rows": n_tx,
                    "megabytes": size / 1e6,
                }
            )
        start, start_cpu = time.perf_counter(), time.process_time()
        manifest = bi.export_bi_bundle(
            con,
            Path(tmp) / "bundle",
            kpis=kpis,
            descriptions=bi.export_descriptions(kpis),
            seed=None,
            stamp="bench",
        )
        rows.append(
            {
                "step": "export_bi_bundle (all tables, both formats, checksums)",
                "seconds": time.perf_counter() - start,
                "cpu_seconds": time.process_time() - start_cpu,
                "rows": sum(manifest["row_counts"].values()),
                "megabytes": sum(f["bytes"] for f in manifest["files"]) / 1e6,
            }
        )
    con.close()
    table = pd.DataFrame(rows)
    is_kpi = table["step"].str.startswith("kpi_")
    kpi_total = table.loc[is_kpi, "seconds"].sum()
    kpi_cpu = table.loc[is_kpi, "cpu_seconds"].sum()
    print(f"datamart {args.datamart}: {n_tx:,} transactions, {n_am:,} account-months")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(f"all {len(bi.KPI_TABLES)} KPI queries: {kpi_total:.2f} s wall, {kpi_cpu:.2f} s CPU")
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "bi.csv", index=False)
    meta = {
        "datamart": str(args.datamart),
        "n_transactions": n_tx,
        "n_account_months": n_am,
        "kpi_seconds_total": kpi_total,
        "kpi_cpu_seconds_total": kpi_cpu,
        "load_average": os.getloadavg()[0],
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "steps": table.to_dict(orient="records"),
    }
    (RESULTS / "bi.json").write_text(json.dumps(meta, indent=2, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
