"""Data-quality checks on the built datamart, stored in ``etl_check``.

Each check is one SQL count of offending rows (0 = passed): unique keys,
not-null keys, referential integrity of every declared foreign key, the
unknown member of every dimension, accepted values, SCD type 2 rules (no
overlap, no gap, one current row ending 9999-12-31), the audit column, and the
reconciliation raw = loaded + rejected.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd

from riskinsights_lib.datamart.quality import repeated_hashes
from riskinsights_lib.datamart.schema import (
    ACCEPTED_VALUES,
    DIMENSIONS,
    FOREIGN_KEYS,
    MARTS,
    TABLES,
)

__all__ = ["quality_checks", "run_checks"]

log = logging.getLogger(__name__)


def _literal(value: object) -> str:
    return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else repr(value)


def quality_checks() -> list[dict[str, str]]:
    """The checks as ``check_name, table_name, column_name, check_type, sql`` (sql counts failures)."""
    checks: list[dict[str, str]] = []

    def add(name: str, table: str, column: str, kind: str, sql: str) -> None:
        checks.append(
            {
                "check_name": name,
                "table_name": table,
                "column_name": column,
                "check_type": kind,
                "sql": sql,
            }
        )

    for table, (kind, _grain, key) in TABLES.items():
        if table in ("etl_check", "etl_table"):
            continue  # written after the checks run
        cols = ", ".join(key)
        add(
            f"unique_{table}",
            table,
            cols,
            "unique",
            # keys whose 64-bit hash repeats, counted exactly (no hash table of every key)
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {table} "
            f"WHERE hash({cols}) IN ({repeated_hashes(f'(SELECT hash({cols}) AS h FROM {table})')}) "
            f"GROUP BY {cols}) WHERE n > 1",
        )
        nulls = " OR ".join(f"{c} IS NULL" for c in key)
        add(
            f"not_null_{table}_key",
            table,
            cols,
            "not_null",
            f"SELECT count(*) FROM {table} WHERE {nulls}",
        )
        if kind != "mart":
            add(
                f"not_null_{table}_run_id",
                table,
                "run_id",
                "audit",
                f"SELECT count(*) FROM {table} WHERE run_id IS NULL OR run_id <> $run_id",
            )
    for (child, col), (parent, pcol) in FOREIGN_KEYS.items():
        add(
            f"fk_{child}_{col}",
            child,
            col,
            "referential_integrity",
            f"SELECT count(*) FROM {child} c ANTI JOIN {parent} p ON c.{col} = p.{pcol}",
        )
    for dim in DIMENSIONS:
        key = TABLES[dim][2][0]
        add(
            f"unknown_member_{dim}",
            dim,
            key,
            "unknown_member",
            f"SELECT CASE WHEN count(*) = 1 THEN 0 ELSE 1 END FROM {dim} WHERE {key} = -1",
        )
    for (table, col), values in ACCEPTED_VALUES.items():
        listing = ", ".join(_literal(v) for v in values)
        add(
            f"accepted_{table}_{col}",
            table,
            col,
            "accepted_values",
            f"SELECT count(*) FROM {table} WHERE {col} NOT IN ({listing})",
        )
    scd = "SELECT * FROM dim_customer WHERE customer_key <> -1"
    add(
        "scd2_no_overlap_dim_customer",
        "dim_customer",
        "valid_from, valid_to",
        "scd2",
        f"SELECT count(*) FROM ({scd}) a JOIN ({scd}) b ON a.customer_id = b.customer_id "
        "AND a.customer_key < b.customer_key AND a.valid_from <= b.valid_to AND b.valid_from <= a.valid_to",
    )
    add(
        "scd2_no_gap_dim_customer",
        "dim_customer",
        "valid_from, valid_to",
        "scd2",
        f"SELECT count(*) FROM (SELECT valid_from, lag(valid_to) OVER (PARTITION BY customer_id "
        f"ORDER BY valid_from) AS prev_to FROM ({scd})) WHERE prev_to IS NOT NULL "
        "AND valid_from <> prev_to + INTERVAL 1 DAY",
    )
    add(
        "scd2_one_current_row_dim_customer",
        "dim_customer",
        "is_current",
        "scd2",
        f"SELECT count(*) FROM (SELECT customer_id, count(*) FILTER (WHERE is_current) AS n "
        f"FROM ({scd}) GROUP BY customer_id) WHERE n <> 1",
    )
    add(
        "scd2_current_row_open_ended_dim_customer",
        "dim_customer",
        "valid_to",
        "scd2",
        "SELECT count(*) FROM dim_customer WHERE is_current <> (valid_to = DATE '9999-12-31')",
    )
    add(
        "reconciliation_balanced",
        "etl_reconciliation",
        "raw_rows",
        "reconciliation",
        "SELECT count(*) FROM etl_reconciliation WHERE raw_rows <> loaded_rows + rejected_rows",
    )
    for mart in MARTS:
        if mart == "mart_transaction_features":
            add(
                "mart_transaction_features_complete",
                mart,
                "transaction_id",
                "completeness",
                "SELECT (SELECT count(*) FROM fact_transaction) - (SELECT count(*) FROM "
                "mart_transaction_features)",
            )
    return checks


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    missing_columns: dict[str, tuple[str, list[str], int]] | None = None,
) -> pd.DataFrame:
    """Run :func:`quality_checks`, write ``etl_check`` and return it.

    ``missing_columns`` maps a raw file to ``(source, optional columns absent from it,
    its rows)``: each absent column is one failed ``contract`` check (its rows loaded it
    as empty), so that a missing column is never a silent all-NULL.
    """
    rows = []
    for check in quality_checks():
        sql = check["sql"].replace("$run_id", _literal(run_id))
        failed = int(con.execute(sql).fetchall()[0][0])
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
    con.register("_check_df", frame)
    con.execute(
        "CREATE OR REPLACE TABLE etl_check AS SELECT check_name::VARCHAR AS check_name, "
        "table_name::VARCHAR AS table_name, column_name::VARCHAR AS column_name, "
        "check_type::VARCHAR AS check_type, failed_rows::BIGINT AS failed_rows, "
        "passed::BOOLEAN AS passed, run_id::VARCHAR AS run_id FROM _check_df ORDER BY check_name"
    )
    con.unregister("_check_df")
    n_failed = int((~frame["passed"]).sum())
    if n_failed:
        log.warning("%d of %d data-quality checks failed", n_failed, len(frame))
    return frame
