"""All KPI tables of the report in one call, named as they are exported."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from riskinsights_lib.bi import (
    kpis_credit,
    kpis_customer,
    kpis_portfolio,
    kpis_transactions,
    quality,
)

__all__ = ["KPI_TABLES", "compute_kpis"]

log = logging.getLogger(__name__)

#: Export name -> (function, keyword arguments; ``True`` stands for ``top_n``), in report order.
KPI_TABLES: dict[str, tuple[Callable[..., pd.DataFrame], dict]] = {
    "kpi_customers_by_segment": (kpis_portfolio.customers_by_segment, {}),
    "kpi_accounts_by_product": (kpis_portfolio.accounts_by_product, {}),
    "kpi_balances": (kpis_portfolio.balances_by_month, {}),
    "kpi_utilisation": (kpis_portfolio.utilisation_by_month, {}),
    "kpi_segment_product": (kpis_portfolio.portfolio_by_segment_product, {}),
    "kpi_tx_by_month": (kpis_transactions.transactions_by_month, {}),
    "kpi_tx_by_channel": (kpis_transactions.transactions_by_channel, {}),
    "kpi_tx_by_category": (kpis_transactions.transactions_by_category, {"top_n": True}),
    "kpi_tx_by_country": (kpis_transactions.transactions_by_country, {"top_n": True}),
    "kpi_tx_weekday_hour": (kpis_transactions.transactions_by_weekday_hour, {}),
    "kpi_delinquency": (kpis_credit.delinquency_buckets, {}),
    "kpi_roll_rates": (kpis_credit.roll_rates, {}),
    "kpi_vintages": (kpis_credit.vintage_curves, {}),
    "kpi_default_by_segment": (kpis_credit.default_rates, {"by": ("segment",)}),
    "kpi_default_by_product": (kpis_credit.default_rates, {"by": ("product_type",)}),
    "kpi_churn": (kpis_customer.churn_by_segment_tenure, {}),
    "kpi_product_holding": (kpis_customer.product_holding, {}),
    "kpi_activity": (kpis_customer.activity_trends, {}),
    "kpi_dq_reconciliation": (quality.reconciliation, {}),
    "kpi_dq_rejects": (quality.reject_counts, {}),
    "kpi_dq_checks": (quality.check_summary, {}),
}


def compute_kpis(con: duckdb.DuckDBPyConnection, *, top_n: int = 10) -> dict[str, pd.DataFrame]:
    """Run every KPI query of the report.

    Parameters
    ----------
    con : connection to the datamart.
    top_n : rows kept (before ``other``) in the category and country tables.

    Returns
    -------
    dict export name -> DataFrame, in report order (see :data:`KPI_TABLES`).
    The seconds each query took are logged at INFO level.
    """
    out = {}
    for name, (func, options) in tqdm(KPI_TABLES.items(), desc="KPIs", leave=False):
        kwargs = {k: (top_n if v is True else v) for k, v in options.items()}
        start = time.perf_counter()
        out[name] = func(con, **kwargs)
        log.info("%s: %d rows in %.2fs", name, len(out[name]), time.perf_counter() - start)
    return out
