"""Transaction KPIs: volume and value by month, channel, merchant category, country and time.

``value`` is the sum of absolute amounts (EUR); ``n_transactions`` a count.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from riskinsights_lib.bi._sql import query

__all__ = [
    "transactions_by_month",
    "transactions_by_channel",
    "transactions_by_category",
    "transactions_by_country",
    "transactions_by_weekday_hour",
]


def _check_top_n(top_n: int) -> int:
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValueError(f"top_n: expected a positive integer, got {top_n!r}")
    return top_n


def transactions_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Transactions per calendar month and direction.

    Returns
    -------
    DataFrame with ``month, direction, n_transactions, value, n_customers``.
    """
    return query(con, "tx_by_month")


def transactions_by_channel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Transactions per calendar month and channel.

    Returns
    -------
    DataFrame with ``month, channel, n_transactions, value``.
    """
    return query(con, "tx_by_channel")


def transactions_by_category(con: duckdb.DuckDBPyConnection, *, top_n: int = 10) -> pd.DataFrame:
    """Merchant spend by category group: the ``top_n`` groups by value, the rest as ``other``.

    Returns
    -------
    DataFrame with ``category_group, n_transactions, value, share_value, rank``.
    """
    return query(con, "tx_by_category", {"top_n": _check_top_n(top_n)})


def transactions_by_country(con: duckdb.DuckDBPyConnection, *, top_n: int = 10) -> pd.DataFrame:
    """Merchant transactions by merchant country: the ``top_n`` by count, the rest as ``other``.

    Returns
    -------
    DataFrame with ``country_code, n_transactions, value, share_transactions, rank``.
    """
    return query(con, "tx_by_country", {"top_n": _check_top_n(top_n)})


def transactions_by_weekday_hour(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customer-initiated transactions by ISO weekday (1 = Monday) and hour of day (0-23).

    Customer-initiated means money out by card, ATM or transfer (the data
    contract's definition): the bank's scheduled postings would otherwise
    dominate the early-morning hours.

    Returns
    -------
    DataFrame with ``weekday, hour, n_transactions, value``.
    """
    return query(con, "tx_weekday_hour")
