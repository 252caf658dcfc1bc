"""Headline figures of the BI report (the numbers a dashboard's top row shows)."""

from __future__ import annotations

from typing import Any

import duckdb

from riskinsights_lib.bi._sql import query

__all__ = ["headline_kpis"]


def headline_kpis(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Portfolio headline figures at the latest month end of the history.

    Returns
    -------
    dict with ``latest_month_end`` (ISO date), ``n_active_customers`` (customers
    with an open account), ``n_open_accounts``, ``total_deposits`` and
    ``total_loans`` (EUR), ``avg_utilisation`` (balance-weighted, credit cards),
    ``share_90plus_latest`` (open credit accounts at 90+ days past due) and
    ``n_transactions`` (whole history).
    """
    row = query(con, "headline").iloc[0].to_dict()
    row["latest_month_end"] = str(row["latest_month_end"])[:10]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
