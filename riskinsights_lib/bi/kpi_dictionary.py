"""Descriptions and units of the KPI tables' columns (the BI side of the data dictionary).

The datamart's own columns are described once, in the datamart's dictionary;
this module describes only what the BI package adds. A column name means the
same thing in every KPI table unless a table overrides it.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["KPI_TABLE_DESCRIPTIONS", "KPI_COLUMNS", "kpi_descriptions", "export_descriptions"]

#: What each KPI table holds (one line, for the Markdown dictionary and docs).
KPI_TABLE_DESCRIPTIONS = {
    "kpi_customers_by_segment": "Customers with an open account per month end and segment",
    "kpi_accounts_by_product": "Open, new and closed accounts, balances and limits per month end and product",
    "kpi_balances": "Deposit and loan balances per month end",
    "kpi_utilisation": "Credit-limit utilisation of credit cards per month end",
    "kpi_segment_product": "Open accounts, holders and balances per month end, segment and product",
    "kpi_tx_by_month": "Transactions per month and direction",
    "kpi_tx_by_channel": "Transactions per month and channel",
    "kpi_tx_by_category": "Merchant spend by category group (top N, rest as other)",
    "kpi_tx_by_country": "Merchant transactions by merchant country (top N, rest as other)",
    "kpi_tx_weekday_hour": "Customer-initiated transactions by weekday and hour",
    "kpi_delinquency": "Open credit accounts per month end and delinquency bucket",
    "kpi_roll_rates": "Month-to-month roll rates between delinquency buckets (pooled)",
    "kpi_vintages": "Cumulative default rate by months on book per origination quarter",
    "kpi_default_by_segment": "12-month default rate of performing credit accounts per cohort and segment",
    "kpi_default_by_product": "12-month default rate of performing credit accounts per cohort and product",
    "kpi_churn": "Observed 6-month churn per snapshot, segment and tenure band",
    "kpi_product_holding": "Customers by number of product types held, per month end and segment",
    "kpi_activity": "Monthly customer activity and attrition",
    "kpi_dq_reconciliation": "ETL reconciliation: raw = loaded + rejected rows per source",
    "kpi_dq_rejects": "ETL quarantined rows per source and reason",
    "kpi_dq_checks": "ETL data-quality checks per check type",
}

_RATE = "share"

#: Column -> (description, unit), shared by every KPI table that has the column.
KPI_COLUMNS: dict[str, tuple[str, str]] = {
    "month_end": ("Last calendar day of the month", "date"),
    "month": ("First day of the calendar month", "date"),
    "segment": ("Customer segment in force at the date (SCD2 version)", "code"),
    "product_type": ("Product type of the account", "code"),
    "product_family": (
        "deposit (current account, savings) or credit (card, loan, mortgage)",
        "code",
    ),
    "n_customers": ("Distinct customers", "count"),
    "n_accounts": ("Accounts", "count"),
    "n_new": ("Accounts opened in the month", "count"),
    "n_closed": ("Accounts closed in the month", "count"),
    "balance": ("Sum of month-end balances (deposits: held; credit: owed)", "EUR"),
    "credit_limit": ("Sum of credit or overdraft limits", "EUR"),
    "deposit_balance": ("Sum of deposit balances of open accounts", "EUR"),
    "loan_balance": ("Sum of amounts owed on open credit accounts", "EUR"),
    "n_deposit_accounts": ("Open deposit accounts", "count"),
    "n_credit_accounts": ("Open credit accounts", "count"),
    "total_balance": ("Sum of balances owed", "EUR"),
    "total_limit": ("Sum of credit limits", "EUR"),
    "utilisation": ("Balance-weighted utilisation: total balance / total limit", _RATE),
    "mean_utilisation": ("Mean of the accounts' balance / limit", _RATE),
    "share_over_90pct": ("Share of accounts at 90% of their limit or more", _RATE),
    "direction": ("D = debit (money out), C = credit (money in)", "code"),
    "channel": ("Transaction channel", "code"),
    "category_group": ("Merchant category group (other = outside the top N)", "code"),
    "country_code": ("Merchant country, ISO 3166 alpha-2 (other = outside the top N)", "code"),
    "n_transactions": ("Transactions", "count"),
    "value": ("Sum of transaction amounts", "EUR"),
    "share_value": ("Share of all merchant spend", _RATE),
    "share_transactions": ("Share of all merchant transactions", _RATE),
    "rank": ("Rank by value or count (1 = largest)", "rank"),
    "weekday": ("ISO weekday, 1 = Monday ... 7 = Sunday", "code"),
    "hour": ("Hour of day, 0-23 (bank local time)", "hour"),
    "dpd_bucket": ("Days-past-due bucket: current, 1-29, 30-59, 60-89, 90+", "code"),
    "share_accounts": ("Share of the month's open credit accounts", _RATE),
    "from_bucket": ("Delinquency bucket at a month end", "code"),
    "to_bucket": ("Bucket at the next month end, or closed", "code"),
    "rate": ("Share of the from-bucket's accounts that move to the to-bucket", _RATE),
    "vintage": ("Origination quarter of the credit accounts (YYYYQn)", "code"),
    "months_on_book": ("Whole months since the opening month", "months"),
    "n_defaulted": (
        "Accounts of the vintage that reached 90+ days past due by this month on book",
        "count",
    ),
    "cum_default_rate": ("n_defaulted / n_accounts of the vintage", _RATE),
    "cohort_month_end": ("Month end at which performing credit accounts are observed", "date"),
    "n_defaults": (
        "Accounts reaching 90+ days past due within 12 months after the cohort date",
        "count",
    ),
    "default_rate": ("n_defaults / n_accounts", _RATE),
    "snapshot_date": ("Snapshot date of the churn mart", "date"),
    "tenure_band": ("Time since onboarding at the snapshot", "code"),
    "n_churned": ("Customers with churn_6m = 1", "count"),
    "churn_rate": ("n_churned / n_customers", _RATE),
    "n_products": ("Distinct product types held", "count"),
    "n_transacting": (
        "Customers with at least one customer-initiated transaction in the month",
        "count",
    ),
    "active_share": ("n_transacting / n_customers", _RATE),
    "tx_per_active": ("Transactions per transacting customer", "count"),
    "value_per_active": ("Transaction value per transacting customer", "EUR"),
    "n_gained": (
        "Customers with an open account this month end and none last month end",
        "count",
    ),
    "n_lost": (
        "Customers with an open account last month end and none this month end",
        "count",
    ),
    "attrition_rate": ("n_lost / previous month's n_customers", _RATE),
    "source": ("Raw source (extract) name", "code"),
    "raw_rows": ("Rows in the raw extract", "rows"),
    "loaded_rows": ("Rows loaded into the datamart", "rows"),
    "rejected_rows": ("Rows quarantined in etl_reject", "rows"),
    "unexplained_rows": ("raw - loaded - rejected (0 when the source reconciles)", "rows"),
    "reject_rate": ("rejected_rows / raw_rows", _RATE),
    "reason": ("Reject reason code", "code"),
    "n_rows": ("Quarantined rows", "rows"),
    "check_type": ("Kind of data-quality check", "code"),
    "n_checks": ("Checks of this type", "count"),
    "n_failed": ("Checks that failed", "count"),
    "failed_rows": ("Rows failing the checks", "rows"),
}

#: (table, column) -> (description, unit) where a table needs its own wording.
_OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    ("kpi_vintages", "n_accounts"): ("Credit accounts originated in the quarter", "count"),
    ("kpi_default_by_segment", "n_accounts"): (
        "Performing credit accounts in the cohort",
        "count",
    ),
    ("kpi_default_by_product", "n_accounts"): (
        "Performing credit accounts in the cohort",
        "count",
    ),
    ("kpi_roll_rates", "n_accounts"): (
        "Account-months moving from from_bucket to to_bucket",
        "count",
    ),
    ("kpi_segment_product", "n_customers"): (
        "Customers of the segment holding the product (open)",
        "count",
    ),
    ("kpi_churn", "n_customers"): ("Active customers in the churn mart", "count"),
    ("kpi_tx_by_month", "n_customers"): ("Distinct customers transacting", "count"),
    ("kpi_activity", "n_customers"): (
        "Customers with an open account at the month end",
        "count",
    ),
    ("kpi_activity", "n_transactions"): (
        "Customer-initiated transactions of those customers",
        "count",
    ),
}


def kpi_descriptions(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``table, column, description, unit`` for every column of the given KPI frames.

    Raises ``ValueError`` naming the columns that have no description, so a new
    KPI column cannot reach an export undocumented.
    """
    rows, missing = [], []
    for table, frame in frames.items():
        for col in frame.columns:
            found = _OVERRIDES.get((table, col)) or KPI_COLUMNS.get(col)
            if found is None:
                missing.append(f"{table}.{col}")
                continue
            rows.append({"table": table, "column": col, "description": found[0], "unit": found[1]})
    if missing:
        raise ValueError(f"frames: columns without a description: {', '.join(missing)}")
    return pd.DataFrame(rows, columns=["table", "column", "description", "unit"])


def export_descriptions(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Descriptions of every exportable column: the datamart's dictionary plus the KPI tables'.

    The datamart columns come from :func:`riskinsights_lib.datamart.dictionary.data_dictionary`
    (the one place they are described); the KPI columns from :func:`kpi_descriptions`.
    """
    from riskinsights_lib.datamart.dictionary import data_dictionary

    cols = ["table", "column", "description", "unit"]
    return pd.concat([data_dictionary()[cols], kpi_descriptions(frames)], ignore_index=True)
