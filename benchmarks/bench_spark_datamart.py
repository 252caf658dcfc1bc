"""Benchmark: the datamart built by Spark (local[1], local[2]) against DuckDB, same raw files.

For each size (``--sizes 1M 10M``) the script generates the raw extracts once
(01's generator, as ``bench_generate_load.py``), then builds the whole datamart
(file checks, quarantine, star schema, model marts, checks) with DuckDB (2
threads) and with Spark for each ``--masters`` value, each in a fresh process.
Peak memory is the largest resident set of the build's process tree (Python
driver plus the Spark JVM), sampled every 0.2 s. It also records the number of
raw transaction files (= read tasks, one per file), the shuffle partitions and
the files written per table, and writes ``benchmarks/results/spark_<size>_<ts>.json``.

Usage::

    python benchmarks/bench_spark_datamart.py --sizes 1M
    python benchmarks/bench_spark_datamart.py --sizes 10M --masters 'local[1]' 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate_load import SNAPSHOTS, _generate, _load, _parse_size, _stage  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


class _PeakRss:
    """Largest RSS (MB) of this process and its children, sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self.proc, self.peak, self._stop = psutil.Process(), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
                self.peak = max(self.peak, rss / 2**20)
            except Exception:  # a child ended between listing and reading
                pass
            time.sleep(0.2)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _spark_load(out: str, master: str, conf: dict, queue) -> None:
    from riskinsights_lib.datamart.spark.build import build_datamart_spark
    from riskinsights_lib.datamart.spark.session import spark_session

    with _PeakRss() as peak:
        t0 = time.perf_counter()
        summary = build_datamart_spark(
            Path(out) / "raw",
            Path(out)
            / ("spark_" + "".join(ch if ch.isalnum() else "_" for ch in master))
            / "datamart.duckdb",
            run_id="bench",
            snapshots=SNAPSHOTS,
            pseudonym_key="benchmark-key",
            master=master,
            conf=conf,
            progress=False,
        )
        seconds = time.perf_counter() - t0
        spark = spark_session(master, conf)
        cores = spark.sparkContext.defaultParallelism
        spark.stop()
    tables = Path(summary.db_path).parent / "tables"
    queue.put(
        {
            "seconds": seconds,
            "rows": summary.sources["transactions"]["raw_rows"],
            "peak_mb": peak.peak,
            "cores": cores,
            "stage_seconds": summary.stage_seconds,
            "table_rows": summary.table_rows,
            "files_per_table": {
                t.name: len(list(t.rglob("*.parquet"))) for t in sorted(tables.iterdir())
            },
            "checks_failed": summary.checks_failed,
        }
    )


def run(size: int, masters: list[str], shuffle_partitions: int, keep: bool) -> dict:
    n_customers = max(size // (24 * 12), 100)
    work = Path(tempfile.mkdtemp(prefix=f"bench_spark_{size}_"))
    try:
        gen = _stage(_generate, str(work), n_customers, 12.0)
        n_files = len(list((work / "raw" / "transactions").glob("*")))
        print(f"generated {gen['rows']:,} transactions in {n_files} files, {gen['seconds']:.1f} s")
        duck = _stage(_load, str(work), None, 2)
        print(f"duckdb (2 threads): {duck['seconds']:.1f} s, peak {duck['peak_mb']:,.0f} MB")
        conf = {
            "spark.sql.shuffle.partitions": str(shuffle_partitions),
            "spark.driver.memory": "6g",
        }
        spark = {}
        for master in masters:
            result = _stage(_spark_load, str(work), master, conf)
            spark[master] = result
            print(
                f"spark {master}: {result['seconds']:.1f} s, peak {result['peak_mb']:,.0f} MB, "
                f"{result['rows_per_s'] / result['cores']:,.0f} rows/s per core; "
                f"stages {result['stage_seconds']}"
            )
        return {
            "size": size,
            "transaction_files": n_files,
            "shuffle_partitions": shuffle_partitions,
            "generate": gen,
            "duckdb": duck,
            "spark": spark,
            "ratios_spark_over_duckdb": {
                m: r["seconds"] / duck["seconds"] for m, r in spark.items()
            },
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1M"])
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for text in args.sizes:
        size = _parse_size(text)
        result = run(size, args.masters, args.shuffle_partitions, args.keep)
        result["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        }
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = RESULTS / f"spark_{text}_{stamp}.json"
        path.write_text(json.dumps(result, indent=2, default=str))
        print(f"wrote {path}")


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    main()
