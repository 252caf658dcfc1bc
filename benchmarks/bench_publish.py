"""Publishing to PostgreSQL: rows/s of the Arrow bulk load (ADBC) against pandas ``to_sql``.

    python benchmarks/bench_publish.py --datamart outputs/<default run>/datamart.duckdb
    python benchmarks/bench_publish.py --datamart ... --baseline-rows 500000   # shorter baseline

A throw-away PostgreSQL server is started on 127.0.0.1 (``LocalPostgres``; the
same settings as the tests: ``fsync=off``, so the figures are the client and
wire path, not the disk) and stopped at the end. On the same server, for each
fact table of the run (``fact_transaction``, ``fact_account_month``):

1. **ADBC ingest** (what the publish does): DuckDB streams the table as Arrow
   record batches straight into the ADBC driver's binary ``COPY``; the time
   counts reading DuckDB too. Best of ``--repeat``.
2. **pandas to_sql** (the naive alternative): ``DataFrame.to_sql`` through
   SQLAlchemy + psycopg with its default insert method, into a new table. The
   frame is read from DuckDB beforehand and that time is *not* counted, which
   favours the baseline. Once.

Then the whole ``publish_datamart`` (star schema + keys, FK indexes, comments,
views, grants, ANALYZE and the swap; no KPI tables) is timed once. Results are
printed and written to ``benchmarks/results/publish.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

import duckdb

from riskinsights_lib.paths import outputs_root
from riskinsights_lib.publish import LocalPostgres, publish_datamart
from riskinsights_lib.publish.ddl import create_table_sql
from riskinsights_lib.publish.load import connect_adbc, ingest
from riskinsights_lib.publish.plan import publish_plan

RESULTS = Path(__file__).resolve().parent / "results"
FACTS = ("fact_transaction", "fact_account_month")


def _adbc_seconds(con, pg_url: str, table: str, repeat: int) -> tuple[float, int]:
    """Best wall seconds of DuckDB -> Arrow -> ADBC ingest of one table, and its rows."""
    import psycopg

    spec = next(t for t in publish_plan(con) if t.name == table)
    best, rows = float("inf"), 0
    for i in range(repeat):
        with psycopg.connect(pg_url, autocommit=True) as pg:
            pg.execute("DROP SCHEMA IF EXISTS bench_adbc CASCADE")
            pg.execute("CREATE SCHEMA bench_adbc")
            reader = spec.open_rows()
            pg.execute(create_table_sql("bench_adbc", f"{table}_{i}", reader.schema))
            adbc = connect_adbc(pg_url)
            start = time.perf_counter()
            rows = ingest(adbc, "bench_adbc", f"{table}_{i}", reader)
            best = min(best, time.perf_counter() - start)
            adbc.close()
    return best, rows


def _to_sql_seconds(con, pg_url: str, table: str, limit: int | None) -> tuple[float, int]:
    """Wall seconds of pandas ``to_sql`` (default method) of one table, and its rows."""
    import sqlalchemy

    query = f"SELECT * FROM {table}" + (f" LIMIT {int(limit)}" if limit else "")
    frame = con.sql(query).df()
    engine = sqlalchemy.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as sa:
        sa.exec_driver_sql("DROP SCHEMA IF EXISTS bench_pandas CASCADE")
        sa.exec_driver_sql("CREATE SCHEMA bench_pandas")
    start = time.perf_counter()
    frame.to_sql(table, engine, schema="bench_pandas", index=False)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datamart", type=Path, default=outputs_root() / "latest" / "datamart.duckdb"
    )
    parser.add_argument("--repeat", type=int, default=2, help="ADBC runs per table (best kept)")
    parser.add_argument(
        "--baseline-rows", type=int, default=None, help="rows per table for to_sql (default all)"
    )
    args = parser.parse_args()
    if not args.datamart.is_file():
        parser.error(f"--datamart: no file {args.datamart}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    con = duckdb.connect(str(args.datamart), read_only=True)
    load_before = os.getloadavg()[0]
    results: list[dict] = []
    with LocalPostgres() as server:
        os.environ.update(server.env())
        for table in FACTS:
            seconds, rows = _adbc_seconds(con, server.url, table, args.repeat)
            results.append(
                {
                    "table": table,
                    "method": "ADBC ingest (Arrow)",
                    "rows": rows,
                    "seconds": seconds,
                    "rows_per_s": rows / seconds,
                }
            )
            print(f"{table}: ADBC {rows:,} rows in {seconds:.2f} s", flush=True)
            seconds, rows = _to_sql_seconds(con, server.url, table, args.baseline_rows)
            results.append(
                {
                    "table": table,
                    "method": "pandas to_sql",
                    "rows": rows,
                    "seconds": seconds,
                    "rows_per_s": rows / seconds,
                }
            )
            print(f"{table}: to_sql {rows:,} rows in {seconds:.2f} s", flush=True)
        start = time.perf_counter()
        summary = publish_datamart(con, "env", run_id=args.datamart.parent.name, progress=False)
        whole = time.perf_counter() - start
    con.close()
    by = {(r["table"], r["method"]): r for r in results}
    for table in FACTS:
        ratio = (
            by[(table, "ADBC ingest (Arrow)")]["rows_per_s"]
            / by[(table, "pandas to_sql")]["rows_per_s"]
        )
        print(f"{table}: ADBC / to_sql rows/s = {ratio:.1f}x")
    rows_published = int(summary["rows"].sum())
    print(
        f"whole publish (star schema, keys, indexes, comments, swap): {rows_published:,} rows "
        f"in {whole:.1f} s = {rows_published / whole:,.0f} rows/s"
    )
    RESULTS.mkdir(exist_ok=True)
    out = {
        "datamart": str(args.datamart),
        "results": results,
        "whole_publish": {"rows": rows_published, "seconds": whole},
        "load_average_1m_before": load_before,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    (RESULTS / "publish.json").write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
