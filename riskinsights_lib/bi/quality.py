"""Data-quality summary of the ETL: reconciliation, rejects and checks (counts only).

The quarantined raw records themselves stay in the datamart's ``etl_reject``
table: they can hold personal data and are never exported.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from riskinsights_lib.bi._sql import query

__all__ = ["reconciliation", "reject_counts", "check_summary", "quality_totals"]


def reconciliation(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Raw rows per source against loaded plus rejected rows.

    Returns
    -------
    DataFrame with ``source, raw_rows, loaded_rows, rejected_rows,
    unexplained_rows, reject_rate``; ``unexplained_rows`` is 0 when the source reconciles.
    """
    return query(con, "quality_reconciliation")


def reject_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Quarantined rows by source and reason.

    Returns
    -------
    DataFrame with ``source, reason, n_rows``.
    """
    return query(con, "quality_rejects")


def check_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Stored data-quality checks by type: how many ran, failed, and the failing rows.

    Returns
    -------
    DataFrame with ``check_type, n_checks, n_failed, failed_rows``.
    """
    return query(con, "quality_checks")


def quality_totals(recon: pd.DataFrame, checks: pd.DataFrame) -> dict[str, int | float]:
    """Headline data-quality totals from :func:`reconciliation` and :func:`check_summary`."""
    raw = int(recon["raw_rows"].sum())
    rejected = int(recon["rejected_rows"].sum())
    return {
        "dq_raw_rows": raw,
        "dq_loaded_rows": int(recon["loaded_rows"].sum()),
        "dq_rejected_rows": rejected,
        "dq_reject_rate": rejected / raw if raw else 0.0,
        "dq_unexplained_rows": int(recon["unexplained_rows"].abs().sum()),
        "dq_checks": int(checks["n_checks"].sum()),
        "dq_checks_failed": int(checks["n_failed"].sum()),
    }
