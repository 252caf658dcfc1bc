"""Portfolio overview KPIs: customers, accounts, balances and utilisation by month end.

Each function runs one SQL query (``sql/portfolio_*.sql``) against the datamart
and returns a tidy DataFrame, one row per month end and group.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from riskinsights_lib.bi._sql import query

__all__ = [
    "customers_by_segment",
    "accounts_by_product",
    "balances_by_month",
    "utilisation_by_month",
    "portfolio_by_segment_product",
]


def customers_by_segment(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers with at least one open account at each month end, by segment.

    The segment is the one in force at the month end (SCD2 version).

    Returns
    -------
    DataFrame with ``month_end, segment, n_customers``.
    """
    return query(con, "portfolio_customers")


def accounts_by_product(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Open accounts, new and closed accounts, balances and limits by product and month end.

    Returns
    -------
    DataFrame with ``month_end, product_type, product_family, n_accounts, n_new,
    n_closed, balance, credit_limit`` (every product on every month end, zeros
    where there is nothing).
    """
    return query(con, "portfolio_accounts")


def balances_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Deposit and loan balances of open accounts at each month end.

    Returns
    -------
    DataFrame with ``month_end, deposit_balance, loan_balance, n_deposit_accounts,
    n_credit_accounts`` (balances in EUR).
    """
    return query(con, "portfolio_balances")


def utilisation_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Credit-limit utilisation of open accounts with a limit, by product and month end.

    ``utilisation`` is balance-weighted (total balance over total limit), the
    figure a portfolio manager quotes; ``mean_utilisation`` is the average of
    the accounts' own ratios; ``share_over_90pct`` the share of accounts at 90%
    of their limit or more.

    Returns
    -------
    DataFrame with ``month_end, product_type, n_accounts, total_balance,
    total_limit, utilisation, mean_utilisation, share_over_90pct``.
    """
    return query(con, "portfolio_utilisation")


def portfolio_by_segment_product(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Open accounts, their holders and balances by segment and product at each month end.

    Returns
    -------
    DataFrame with ``month_end, segment, product_type, product_family,
    n_customers, n_accounts, balance`` (only combinations that occur).
    """
    return query(con, "portfolio_segment_product")
