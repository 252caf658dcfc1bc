"""Build the datamart with Spark: raw extracts -> quarantine -> star schema -> marts -> checks.

The same stages, tables, rules and checks as
:func:`riskinsights_lib.datamart.build.build_datamart` (DuckDB); the tables are
written as Parquet, one folder per table under ``<run>/tables/``
(``fact_transaction`` partitioned by month), and ``<run>/datamart.duckdb``
exposes them as views so that 03-06 read the same contract. Everything is
built into ``<run>/tables.building/`` and moved into place only when every
stage has succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
from tqdm.auto import tqdm

from riskinsights_lib.datamart.build import EtlSummary, _missing_columns, summarise_build
from riskinsights_lib.datamart.contract import CsvDialect
from riskinsights_lib.datamart.extracts import inspect_extracts
from riskinsights_lib.datamart.schema import TABLES
from riskinsights_lib.datamart.sources import SOURCES
from riskinsights_lib.datamart.spark import quarantine
from riskinsights_lib.datamart.spark.checks import run_checks
from riskinsights_lib.datamart.spark.dims import build_dimensions
from riskinsights_lib.datamart.spark.facts import build_facts
from riskinsights_lib.datamart.spark.marts import build_marts
from riskinsights_lib.datamart.spark.session import spark_session
from riskinsights_lib.datamart.spark.views import write_views

__all__ = ["build_datamart_spark", "TABLES_DIR"]

log = logging.getLogger(__name__)

#: Folder of the Parquet tables, next to datamart.duckdb.
TABLES_DIR = "tables"


class _Store:
    """Writes tables as Parquet under ``root`` and registers each as a temp view."""

    def __init__(self, spark, root: Path):
        self.spark, self.root = spark, root
        self.columns: dict[str, list[str]] = {}

    def __call__(self, name, df, order_by, partition_by: str | None = None) -> None:
        path = str(self.root / name)
        if partition_by:
            (
                df.repartition(partition_by)
                .sortWithinPartitions(partition_by, *order_by)
                .write.mode("overwrite")
                .partitionBy(partition_by)
                .parquet(path)
            )
        else:
            (df.orderBy(*order_by) if order_by else df).write.mode("overwrite").parquet(path)
        back = self.spark.read.parquet(path)
        cols = [c for c in back.columns if c != partition_by]
        self.columns[name] = cols
        back.select(*cols).createOrReplaceTempView(name)

    def frame(self, name: str, frame, schema: str) -> None:
        """Write a small pandas frame as a one-file table with the Spark ``schema``."""
        rows = [tuple(r) for r in frame.itertuples(index=False)]
        self(name, self.spark.createDataFrame(rows, schema).coalesce(1), [])


def _derive_home_country(spark) -> str:
    rows = spark.sql(
        "SELECT merchant_country FROM cln_transactions WHERE merchant_country IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).collect()
    return rows[0][0] if rows else "unknown"


def build_datamart_spark(
    raw_dir: str | os.PathLike,
    db_path: str | os.PathLike,
    *,
    run_id: str,
    snapshots: Sequence[str | dt.date],
    pseudonym_key: str,
    max_reject_rate: float = 0.02,
    feature_lookback_months: int = 6,
    history_end: dt.date | None = None,
    history_start: dt.date | None = None,
    dialect: CsvDialect | None = None,
    require_controls: bool = False,
    home_country: str | None = None,
    master: str = "local[*]",
    conf: Mapping[str, object] | None = None,
    progress: bool = True,
) -> EtlSummary:
    """Build the datamart with Spark; arguments as :func:`~riskinsights_lib.datamart.build_datamart`
    plus ``master`` (``local[*]``, ``local[N]`` or a cluster URL) and ``conf`` (Spark settings).

    The file-level contract (control files, header, encoding, RFC 4180 structure) is
    checked first by the shared :func:`~riskinsights_lib.datamart.extracts.inspect_extracts`
    on the driver, so a damaged extract stops both engines with the same one-line error.

    Returns the same :class:`~riskinsights_lib.datamart.EtlSummary`.
    """
    raw_dir, db_path = Path(raw_dir), Path(db_path)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw_dir: {raw_dir} is not a folder")
    if not run_id:
        raise ValueError("run_id: expected a non-empty string")
    if not 0 <= max_reject_rate <= 1:
        raise ValueError(f"max_reject_rate: expected a share in [0, 1], got {max_reject_rate}")
    if feature_lookback_months < 3:
        raise ValueError(
            f"feature_lookback_months: expected at least 3, got {feature_lookback_months}"
        )
    snaps = sorted({dt.date.fromisoformat(str(s)) for s in snapshots})
    if not snaps:
        raise ValueError("snapshots: expected at least one month-end date")
    start = time.perf_counter()
    stages = [
        "start spark",
        "read and judge raw rows",
        "quarantine",
        "dimensions",
        "facts",
        "model marts",
        "checks",
    ]
    bar = tqdm(total=len(stages), desc="datamart (spark)", disable=not progress)
    timings: dict[str, float] = {}

    def done(stage: str, t0: float) -> float:
        timings[stage] = round(time.perf_counter() - t0, 3)
        bar.update(1)
        bar.set_postfix_str(stage)
        return time.perf_counter()

    run_root = db_path.parent
    run_root.mkdir(parents=True, exist_ok=True)
    building = run_root / (TABLES_DIR + ".building")
    work = run_root / ".spark_work"
    for leftover in (building, work):
        shutil.rmtree(leftover, ignore_errors=True)
    dialect = dialect or CsvDialect()
    t0 = time.perf_counter()
    try:
        with duckdb.connect() as con:
            extracts = inspect_extracts(
                con,
                raw_dir,
                dialect=dialect,
                require_controls=require_controls,
                work_dir=run_root / ".extracts_tmp",
            )
    finally:
        shutil.rmtree(run_root / ".extracts_tmp", ignore_errors=True)
    t0 = done("check extracts", t0)
    spark = spark_session(master, conf)
    t0 = done("start spark", t0)
    store = _Store(spark, building)
    try:
        derived = quarantine.derive_history(spark, raw_dir, dialect)
        end, begin = history_end or derived[1], history_start or derived[0]
        judged, counts = [], {}
        for source in SOURCES:  # parents first: orphans are judged against loaded rows
            j = quarantine.judge_source(
                spark,
                raw_dir,
                source,
                history_end=end,
                history_start=begin,
                work_dir=work,
                dialect=dialect,
            )
            counts[j.name] = quarantine.check_reject_rate(spark, j, max_reject_rate)
            judged.append(j)
        t0 = done("read and judge raw rows", t0)

        quarantine.idmap_frame(spark, pseudonym_key)
        store("etl_reject", quarantine.write_rejects(spark, judged, run_id).coalesce(1), [])
        recon = quarantine.reconciliation(spark, judged, counts, run_id)
        store("etl_reconciliation", recon.coalesce(1), [])
        t0 = done("quarantine", t0)

        home = home_country or _derive_home_country(spark)
        build_dimensions(spark, store, run_id=run_id, history_end=end, home_country=home)
        t0 = done("dimensions", t0)
        build_facts(spark, store, run_id=run_id)
        t0 = done("facts", t0)
        build_marts(
            spark, store, snapshots=snaps, history_end=end, lookback=feature_lookback_months
        )
        t0 = done("model marts", t0)

        checks = run_checks(spark, run_id, missing_columns=_missing_columns(extracts))
        store.frame(
            "etl_check",
            checks.astype(object),
            "check_name STRING, table_name STRING, column_name STRING, check_type STRING, "
            "failed_rows BIGINT, passed BOOLEAN, run_id STRING",
        )
        table_rows = {t: spark.table(t).count() for t in TABLES if t not in ("etl_table",)}
        etl_table = _etl_table(spark, table_rows, run_id)
        store.frame(
            "etl_table",
            etl_table.astype(object),
            "table_name STRING, kind STRING, grain STRING, primary_key STRING, "
            "row_count BIGINT, run_id STRING",
        )
        table_rows["etl_table"] = len(etl_table)
        by_reason = spark.sql(
            "SELECT source, reason, count(*) FROM etl_reject GROUP BY 1, 2 ORDER BY 1, 2"
        ).collect()
        done("checks", t0)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        bar.close()
        shutil.rmtree(work, ignore_errors=True)
        for name in spark.catalog.listTables():
            if name.isTemporary:
                spark.catalog.dropTempView(name.name)
        spark.catalog.clearCache()
    final = run_root / TABLES_DIR
    shutil.rmtree(final, ignore_errors=True)
    os.replace(building, final)
    write_views(db_path, final, run_id=run_id, columns=store.columns)

    summary = summarise_build(
        run_id=run_id,
        db_path=db_path,
        history=(begin, end),
        home_country=home,
        extracts=extracts,
        reconciliation=recon.collect(),
        rejects=by_reason,
        checks=checks,
        table_rows=table_rows,
        stage_seconds=timings,
        started=start,
    )
    log.info("datamart built with spark in %.1f s: %s", summary.seconds, db_path)
    return summary


def _etl_table(spark, rows: dict[str, int], run_id: str):
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "table_name": table,
                "kind": kind,
                "grain": grain,
                "primary_key": ", ".join(key),
                "row_count": int(rows[table]),
                "run_id": run_id,
            }
            for table, (kind, grain, key) in TABLES.items()
            if table != "etl_table"
        ]
    )
