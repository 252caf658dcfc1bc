"""Headline figures of the BI report (the numbers a dashboard's top row shows)."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from riskinsights_lib.bi._fmt import eur, num, pct
from riskinsights_lib.bi._sql import query

__all__ = ["headline_kpis", "kpi_headlines", "headline_table"]


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


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def kpi_headlines(kpis: dict[str, pd.DataFrame]) -> dict[str, float | None]:
    """Credit and churn headline figures read from the KPI tables of :func:`compute_kpis`.

    Returns
    -------
    dict with ``default_rate_12m_last_cohort`` (performing credit accounts of
    the last cohort with a full 12-month window), ``churn_rate_6m_last_snapshot``,
    ``roll_current_to_1_29`` and ``roll_60_89_to_90plus`` (pooled monthly roll
    rates); ``None`` where the table has no such rows.
    """
    needed = {"kpi_default_by_product", "kpi_churn", "kpi_roll_rates"}
    missing = needed - set(kpis)
    if missing:
        raise ValueError(f"kpis: missing tables {sorted(missing)}")
    d = kpis["kpi_default_by_product"]
    d = d[d["cohort_month_end"] == d["cohort_month_end"].max()]
    c = kpis["kpi_churn"]
    c = c[c["snapshot_date"] == c["snapshot_date"].max()]
    roll = kpis["kpi_roll_rates"].set_index(["from_bucket", "to_bucket"])["rate"]
    return {
        "default_rate_12m_last_cohort": _ratio(d["n_defaults"].sum(), d["n_accounts"].sum()),
        "churn_rate_6m_last_snapshot": _ratio(c["n_churned"].sum(), c["n_customers"].sum()),
        "roll_current_to_1_29": float(roll.get(("current", "1-29"), 0.0))
        if "current" in roll.index.get_level_values(0)
        else None,
        "roll_60_89_to_90plus": float(roll.get(("60-89", "90+"), 0.0))
        if "60-89" in roll.index.get_level_values(0)
        else None,
    }


#: Headline figure -> (label, formatter) for :func:`headline_table`.
_HEADLINE_LABELS = {
    "n_active_customers": ("Customers with an open account", num),
    "n_open_accounts": ("Open accounts", num),
    "total_deposits": ("Deposit balances", eur),
    "total_loans": ("Loan balances (amount owed)", eur),
    "avg_utilisation": ("Credit-card utilisation (balance / limit)", pct),
    "share_90plus_latest": ("Open credit accounts 90+ days past due", pct),
    "n_transactions": ("Transactions over the history", num),
}


def headline_table(headline: dict[str, Any]) -> pd.DataFrame:
    """The :func:`headline_kpis` figures as a readable two-column table (formatted values)."""
    missing = set(_HEADLINE_LABELS) - set(headline)
    if missing:
        raise ValueError(f"headline: missing figures {sorted(missing)}")
    rows = [
        (label, "n/a" if headline[key] is None else fmt(headline[key]))
        for key, (label, fmt) in _HEADLINE_LABELS.items()
    ]
    title = f"At {headline.get('latest_month_end', 'the latest month end')}"
    return pd.DataFrame(rows, columns=["figure", title]).set_index("figure")
