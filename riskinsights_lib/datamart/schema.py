"""The star schema declared once: tables, grains, keys and foreign keys.

Everything that describes the schema beyond what DuckDB stores (grain, kind,
primary and foreign keys) lives here, and is used by the build (table comments,
``etl_table``), the quality checks (``etl_check``) and the ERD.
"""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = [
    "TABLES",
    "FOREIGN_KEYS",
    "DIMENSIONS",
    "FACTS",
    "MARTS",
    "MART_KEYS",
    "MART_LABELS",
    "QUALITY_TABLES",
    "ACCEPTED_VALUES",
    "table_kind",
    "write_table_metadata",
]

#: table -> (kind, grain, primary key columns)
TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "dim_date": ("dimension", "one row per calendar day (key yyyymmdd)", ("date_key",)),
    "dim_customer": (
        "dimension",
        "one row per customer version (SCD type 2 on segment, employment, income, KYC risk)",
        ("customer_key",),
    ),
    "dim_account": ("dimension", "one row per account", ("account_key",)),
    "dim_product": ("dimension", "one row per product type", ("product_key",)),
    "dim_channel": ("dimension", "one row per transaction channel", ("channel_key",)),
    "dim_merchant_category": ("dimension", "one row per merchant category code", ("mcc_key",)),
    "dim_geography": (
        "dimension",
        "one row per country and per home-country region",
        ("geography_key",),
    ),
    "fact_transaction": ("fact", "one row per transaction", ("transaction_id",)),
    "fact_account_month": (
        "fact",
        "one row per account and month end",
        ("account_key", "month_end"),
    ),
    "mart_default": (
        "mart",
        "one row per borrower and snapshot (open credit product, not 90+ dpd at the snapshot)",
        ("customer_id", "snapshot_date"),
    ),
    "mart_churn": (
        "mart",
        "one row per active customer and snapshot",
        ("customer_id", "snapshot_date"),
    ),
    "mart_transaction_features": (
        "mart",
        "one row per loaded transaction",
        ("transaction_id",),
    ),
    "etl_reject": ("quality", "one row per quarantined raw row", ("source", "file", "row_number")),
    "etl_reconciliation": ("quality", "one row per raw source", ("source",)),
    "etl_check": ("quality", "one row per data-quality check", ("check_name",)),
    "etl_table": ("quality", "one row per datamart table", ("table_name",)),
}

DIMENSIONS = [t for t, (kind, _, _) in TABLES.items() if kind == "dimension"]
FACTS = [t for t, (kind, _, _) in TABLES.items() if kind == "fact"]
MARTS = [t for t, (kind, _, _) in TABLES.items() if kind == "mart"]
QUALITY_TABLES = [t for t, (kind, _, _) in TABLES.items() if kind == "quality"]

MART_KEYS = ["customer_id", "snapshot_date"]
MART_LABELS = {"mart_default": "default_12m", "mart_churn": "churn_6m"}

#: (child table, child column) -> (parent table, parent column); declared once.
FOREIGN_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("fact_transaction", "date_key"): ("dim_date", "date_key"),
    ("fact_transaction", "account_key"): ("dim_account", "account_key"),
    ("fact_transaction", "customer_key"): ("dim_customer", "customer_key"),
    ("fact_transaction", "product_key"): ("dim_product", "product_key"),
    ("fact_transaction", "channel_key"): ("dim_channel", "channel_key"),
    ("fact_transaction", "mcc_key"): ("dim_merchant_category", "mcc_key"),
    ("fact_transaction", "geography_key"): ("dim_geography", "geography_key"),
    ("fact_account_month", "account_key"): ("dim_account", "account_key"),
    ("fact_account_month", "date_key"): ("dim_date", "date_key"),
    ("fact_account_month", "customer_key"): ("dim_customer", "customer_key"),
    ("fact_account_month", "product_key"): ("dim_product", "product_key"),
    ("dim_account", "product_key"): ("dim_product", "product_key"),
    ("dim_customer", "geography_key"): ("dim_geography", "geography_key"),
}

#: (table, column) -> accepted values (NULL allowed unless the column is a key).
ACCEPTED_VALUES: dict[tuple[str, str], tuple] = {
    ("fact_transaction", "direction"): ("D", "C"),
    ("fact_account_month", "dpd_bucket"): ("current", "1-29", "30-59", "60-89", "90+", "unknown"),
    ("dim_customer", "segment"): ("mass", "affluent", "private", "small_business"),
    (
        "dim_customer",
        "employment_status",
    ): ("employed", "self_employed", "unemployed", "retired", "student"),
    ("dim_customer", "kyc_risk_rating"): ("low", "medium", "high"),
    ("dim_customer", "marital_status"): ("single", "married", "divorced", "widowed"),
    ("mart_default", "default_12m"): (0, 1),
    ("mart_churn", "churn_6m"): (0, 1),
}


def table_kind(table: str) -> str:
    """``"dimension"``, ``"fact"``, ``"mart"`` or ``"quality"``."""
    if table not in TABLES:
        raise KeyError(f"table: {table!r} is not a datamart table")
    return TABLES[table][0]


def write_table_metadata(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Comment every table with its grain and write ``etl_table`` (kind, grain, rows, run)."""
    rows = []
    for table, (kind, grain, key) in TABLES.items():
        if table == "etl_table":
            continue
        n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        comment = f"{kind}; grain: {grain}; key: {', '.join(key)}; run {run_id}"
        con.execute(f"COMMENT ON TABLE {table} IS '{comment.replace(chr(39), chr(39) * 2)}'")
        rows.append(
            {
                "table_name": table,
                "kind": kind,
                "grain": grain,
                "primary_key": ", ".join(key),
                "row_count": int(n),
                "run_id": run_id,
            }
        )
    frame = pd.DataFrame(rows)
    con.register("_table_df", frame)
    con.execute(
        "CREATE OR REPLACE TABLE etl_table AS SELECT table_name::VARCHAR AS table_name, "
        "kind::VARCHAR AS kind, grain::VARCHAR AS grain, primary_key::VARCHAR AS primary_key, "
        "row_count::BIGINT AS row_count, run_id::VARCHAR AS run_id FROM _table_df"
    )
    con.unregister("_table_df")
    grain = TABLES["etl_table"][1]
    con.execute(
        f"COMMENT ON TABLE etl_table IS 'quality; grain: {grain}; key: table_name; run {run_id}'"
    )
    return frame
