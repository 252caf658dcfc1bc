"""Customer KPIs: churn by segment and tenure, product holding and activity trends."""

from __future__ import annotations

import duckdb
import pandas as pd

from riskinsights_lib.bi._sql import query

__all__ = ["TENURE_BANDS", "churn_by_segment_tenure", "product_holding", "activity_trends"]

#: Tenure bands in report order (time since onboarding at the snapshot).
TENURE_BANDS = ["<1y", "1-3y", "3-5y", "5-10y", "10y+", "unknown"]


def churn_by_segment_tenure(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Observed 6-month churn of the churn mart's customers by segment and tenure band.

    Segment and onboarding date come from the customer version in force at
    each snapshot; the label is the mart's ``churn_6m``.

    Returns
    -------
    DataFrame with ``snapshot_date, segment, tenure_band, n_customers, n_churned, churn_rate``.
    """
    return query(con, "customer_churn")


def product_holding(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Distinct product types held per customer with an open account, by month end and segment.

    Returns
    -------
    DataFrame with ``month_end, segment, n_products, n_customers``.
    """
    return query(con, "customer_products")


def activity_trends(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Monthly customer activity and attrition.

    ``n_customers`` hold an open account at the month end, ``n_transacting`` of
    them made at least one customer-initiated transaction (money out by card,
    ATM or transfer) in the month; ``n_gained`` hold one now and held none at
    the previous month end; ``n_lost`` held an open
    account at the previous month end and none at this one (``attrition_rate``
    = ``n_lost`` over the previous month's ``n_customers``; empty in the first month).

    Returns
    -------
    DataFrame with ``month_end, n_customers, n_transacting, active_share,
    tx_per_active, value_per_active, n_gained, n_lost, attrition_rate``.
    """
    return query(con, "customer_activity")
