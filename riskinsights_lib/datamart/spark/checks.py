"""The data-quality checks in Spark SQL: the DuckDB build's checks, one for one.

The list of checks (names, tables, columns, kinds, in order) is the shared one of
:func:`riskinsights_lib.datamart.checks.quality_checks`, derived from the schema
declarations (keys, foreign keys, accepted values); only the SQL that counts the
offending rows is Spark's own, written here from the same declarations.
"""

from __future__ import annotations

import logging

from riskinsights_lib.datamart.checks import quality_checks
from riskinsights_lib.datamart.schema import ACCEPTED_VALUES, FOREIGN_KEYS, TABLES
from riskinsights_lib.datamart.spark.dims import lit

__all__ = ["spark_check_sql", "run_checks"]

log = logging.getLogger(__name__)

_SCD = "(SELECT * FROM dim_customer WHERE customer_key <> -1)"
_SCD2_SQL = {
    "scd2_no_overlap_dim_customer": f"SELECT count(*) FROM {_SCD} a JOIN {_SCD} b "
    "ON a.customer_id = b.customer_id AND a.customer_key < b.customer_key "
    "AND a.valid_from <= b.valid_to AND b.valid_from <= a.valid_to",
    "scd2_no_gap_dim_customer": "SELECT count(*) FROM (SELECT valid_from, lag(valid_to) OVER "
    f"(PARTITION BY customer_id ORDER BY valid_from) AS prev_to FROM {_SCD}) "
    "WHERE prev_to IS NOT NULL AND valid_from <> date_add(prev_to, 1)",
    "scd2_one_current_row_dim_customer": "SELECT count(*) FROM (SELECT customer_id, "
    f"count(*) FILTER (WHERE is_current) AS n FROM {_SCD} GROUP BY customer_id) WHERE n <> 1",
    "scd2_current_row_open_ended_dim_customer": "SELECT count(*) FROM dim_customer "
    "WHERE is_current <> (valid_to = DATE '9999-12-31')",
    "reconciliation_balanced": "SELECT count(*) FROM etl_reconciliation "
    "WHERE raw_rows <> loaded_rows + rejected_rows",
    "mart_transaction_features_complete": "SELECT (SELECT count(*) FROM fact_transaction) - "
    "(SELECT count(*) FROM mart_transaction_features)",
}


def spark_check_sql(check: dict[str, str], run_id: str) -> str:
    """Spark SQL counting the rows that fail ``check`` (a row of ``quality_checks()``)."""
    name, table, kind = check["check_name"], check["table_name"], check["check_type"]
    if name in _SCD2_SQL:
        return _SCD2_SQL[name]
    if kind == "unique":
        cols = ", ".join(TABLES[table][2])
        return (
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {table} "
            f"GROUP BY {cols}) WHERE n > 1"
        )
    if kind == "not_null":
        nulls = " OR ".join(f"{c} IS NULL" for c in TABLES[table][2])
        return f"SELECT count(*) FROM {table} WHERE {nulls}"
    if kind == "audit":
        return f"SELECT count(*) FROM {table} WHERE run_id IS NULL OR run_id <> {lit(run_id)}"
    if kind == "referential_integrity":
        col = check["column_name"]
        parent, pcol = FOREIGN_KEYS[(table, col)]
        return f"SELECT count(*) FROM {table} c LEFT ANTI JOIN {parent} p ON c.{col} = p.{pcol}"
    if kind == "unknown_member":
        key = TABLES[table][2][0]
        return f"SELECT CASE WHEN count(*) = 1 THEN 0 ELSE 1 END FROM {table} WHERE {key} = -1"
    if kind == "accepted_values":
        col = check["column_name"]
        listing = ", ".join(lit(v) for v in ACCEPTED_VALUES[(table, col)])
        return f"SELECT count(*) FROM {table} WHERE {col} NOT IN ({listing})"
    raise KeyError(f"check: no Spark SQL for {name!r} ({kind}); add it to spark/checks.py")


def run_checks(
    spark, run_id: str, *, missing_columns: dict[str, tuple[str, list[str], int]] | None = None
):
    """Run every check; return ``etl_check`` as a pandas DataFrame (check_name order).

    ``missing_columns`` as in :func:`riskinsights_lib.datamart.checks.run_checks`: each
    optional column absent from a raw file is one failed ``contract`` check."""
    import pandas as pd

    rows = []
    for check in quality_checks():
        failed = int(spark.sql(spark_check_sql(check, run_id)).collect()[0][0])
        rows.append({k: v for k, v in check.items() if k != "sql"} | {"failed_rows": failed})
    for file, (source, columns, n_rows) in (missing_columns or {}).items():
        for column in columns:
            rows.append(
                {
                    "check_name": f"column_present_{file}_{column}",
                    "table_name": source,
                    "column_name": column,
                    "check_type": "contract",
                    "failed_rows": max(int(n_rows), 1),
                }
            )
    frame = pd.DataFrame(rows)
    frame["passed"] = frame["failed_rows"] == 0
    frame["run_id"] = run_id
    n_failed = int((~frame["passed"]).sum())
    if n_failed:
        log.warning("%d of %d data-quality checks failed", n_failed, len(frame))
    return frame.sort_values("check_name", kind="stable").reset_index(drop=True)
