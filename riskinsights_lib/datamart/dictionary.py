"""The data dictionary: every datamart column documented in one place.

:func:`data_dictionary` returns one row per table and column with its DuckDB
type, a description and a unit. The BI export publishes it; a test checks that
it matches the live schema column for column and type for type. The two
customer marts share their feature columns (:data:`CUSTOMER_FEATURES`).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CUSTOMER_FEATURES", "DICTIONARY", "data_dictionary", "describe_column"]

_RUN = ("run_id", "VARCHAR", "Audit: id of the run that built this row (the run folder's name)", "")

#: Features of mart_default and mart_churn: (column, type, description, unit).
CUSTOMER_FEATURES: list[tuple[str, str, str, str]] = [
    (
        "age",
        "INTEGER",
        "Age at the snapshot (whole years, from the birth date, which is not stored)",
        "years",
    ),
    ("tenure_months", "INTEGER", "Whole months since onboarding", "months"),
    ("segment", "VARCHAR", "Customer segment as of the snapshot (SCD2)", "code"),
    ("employment_status", "VARCHAR", "Employment status as of the snapshot (SCD2)", "code"),
    ("kyc_risk_rating", "VARCHAR", "KYC risk rating as of the snapshot (SCD2)", "code"),
    ("marital_status", "VARCHAR", "Marital status (KYC)", "code"),
    (
        "region",
        "VARCHAR",
        "Home region derived from the postcode area (postcode not stored)",
        "code",
    ),
    ("pep_flag", "INTEGER", "Politically exposed person", "flag 0/1"),
    ("annual_income", "DOUBLE", "Declared annual income as of the snapshot (SCD2)", "EUR"),
    (
        "n_products",
        "INTEGER",
        "Distinct product types held (accounts open at the snapshot)",
        "count",
    ),
    ("n_accounts", "INTEGER", "Accounts open at the snapshot", "count"),
    ("has_current_account", "INTEGER", "Holds an open current account", "flag 0/1"),
    ("has_savings", "INTEGER", "Holds an open savings account", "flag 0/1"),
    ("has_credit_card", "INTEGER", "Holds an open credit card", "flag 0/1"),
    ("has_personal_loan", "INTEGER", "Holds an open personal loan", "flag 0/1"),
    ("has_mortgage", "INTEGER", "Holds an open mortgage", "flag 0/1"),
    ("has_credit_product", "INTEGER", "Holds any open credit product", "flag 0/1"),
    (
        "months_since_last_account",
        "INTEGER",
        "Months since the newest open account was opened; empty with no open account",
        "months",
    ),
    (
        "credit_limit",
        "DOUBLE",
        "Total credit-card limit at the snapshot month end; empty without a card",
        "EUR",
    ),
    (
        "utilisation_now",
        "DOUBLE",
        "Card balance / card limit at the snapshot month end; empty without a card",
        "share",
    ),
    (
        "utilisation_avg_3m",
        "DOUBLE",
        "Mean monthly card utilisation over the last 3 month ends",
        "share",
    ),
    (
        "utilisation_trend",
        "DOUBLE",
        "Mean card utilisation of the last 3 month ends minus the 3 before",
        "share",
    ),
    (
        "credit_balance",
        "DOUBLE",
        "Amount owed on all credit products at the snapshot month end",
        "EUR",
    ),
    (
        "loan_balance",
        "DOUBLE",
        "Amount owed on personal loans and mortgages at the snapshot month end",
        "EUR",
    ),
    (
        "max_dpd_6m",
        "INTEGER",
        "Highest days past due on any credit account over the last 6 month ends",
        "days",
    ),
    (
        "dpd_now",
        "INTEGER",
        "Days past due at the snapshot month end (credit accounts); empty without credit",
        "days",
    ),
    (
        "months_in_arrears_6m",
        "INTEGER",
        "Month ends out of the last 6 with any credit account past due",
        "months",
    ),
    (
        "missed_instalments_6m",
        "INTEGER",
        "Account-months of the last 6 with instalment paid below instalment due",
        "count",
    ),
    (
        "instalment_due_now",
        "DOUBLE",
        "Instalments due on credit products in the snapshot month",
        "EUR",
    ),
    (
        "instalment_to_income",
        "DOUBLE",
        "12 x instalments due in the snapshot month / annual income",
        "ratio",
    ),
    (
        "current_balance",
        "DOUBLE",
        "Current-account balance at the snapshot month end (negative = overdrawn)",
        "EUR",
    ),
    (
        "savings_balance",
        "DOUBLE",
        "Savings balance at the snapshot month end; empty without savings",
        "EUR",
    ),
    ("deposit_balance", "DOUBLE", "Current plus savings balance at the snapshot month end", "EUR"),
    ("deposit_balance_avg_3m", "DOUBLE", "Mean deposit balance over the last 3 month ends", "EUR"),
    (
        "deposit_balance_trend",
        "DOUBLE",
        "Mean deposit balance of the last 3 month ends minus the 3 before",
        "EUR",
    ),
    ("salary_credits_3m", "INTEGER", "Salary credits received in the last 3 months", "count"),
    (
        "months_since_salary",
        "INTEGER",
        "Months since the last salary credit (0 = snapshot month); empty if none in the lookback",
        "months",
    ),
    (
        "salary_amount_trend",
        "DOUBLE",
        "Mean monthly salary credited in the last 3 months minus the 3 before",
        "EUR",
    ),
    ("tx_count_3m", "INTEGER", "Customer-initiated transactions in the last 3 months", "count"),
    (
        "tx_count_trend",
        "INTEGER",
        "Customer-initiated transactions in the last 3 months minus the 3 before",
        "count",
    ),
    ("spend_3m", "DOUBLE", "Amount of customer-initiated debits in the last 3 months", "EUR"),
    (
        "days_since_last_tx",
        "INTEGER",
        "Days since the last customer-initiated transaction; empty if none in the lookback",
        "days",
    ),
    (
        "active_channels_3m",
        "INTEGER",
        "Distinct channels of customer-initiated transactions in the last 3 months",
        "count",
    ),
]

_MART_KEYS = [
    ("customer_id", "VARCHAR", "Pseudonymous customer id (keyed hash of the natural id)", ""),
    (
        "snapshot_date",
        "DATE",
        "Snapshot month end; features use only data dated on or before it",
        "date",
    ),
]

DICTIONARY: dict[str, list[tuple[str, str, str, str]]] = {
    "dim_date": [
        ("date_key", "INTEGER", "Surrogate key yyyymmdd; -1 = unknown", ""),
        ("full_date", "DATE", "Calendar day", "date"),
        ("year", "INTEGER", "Calendar year", ""),
        ("quarter", "INTEGER", "Calendar quarter 1-4", ""),
        ("month", "INTEGER", "Calendar month 1-12", ""),
        ("month_name", "VARCHAR", "Month name", ""),
        ("day_of_month", "INTEGER", "Day of the month 1-31", ""),
        ("day_of_week", "INTEGER", "ISO day of the week (1 = Monday)", ""),
        ("day_name", "VARCHAR", "Day name", ""),
        ("is_weekend", "BOOLEAN", "Saturday or Sunday", "flag"),
        ("is_month_end", "BOOLEAN", "Last day of its month", "flag"),
        ("month_end", "DATE", "Last day of the day's month", "date"),
        ("year_month", "VARCHAR", "Month as YYYY-MM", ""),
        _RUN,
    ],
    "dim_customer": [
        ("customer_key", "INTEGER", "Surrogate key of one customer version; -1 = unknown", ""),
        (
            "customer_id",
            "VARCHAR",
            "Pseudonymous durable customer id (keyed hash); same for all versions",
            "",
        ),
        ("valid_from", "DATE", "First day the version is valid", "date"),
        (
            "valid_to",
            "DATE",
            "Last day the version is valid; 9999-12-31 for the current version",
            "date",
        ),
        ("is_current", "BOOLEAN", "The customer's current version", "flag"),
        ("version", "INTEGER", "Version number, 1 = first", ""),
        ("segment", "VARCHAR", "Segment: mass, affluent, private, small_business (SCD2)", "code"),
        ("employment_status", "VARCHAR", "Employment status (SCD2)", "code"),
        ("annual_income", "DOUBLE", "Declared annual income (SCD2)", "EUR"),
        ("kyc_risk_rating", "VARCHAR", "KYC risk rating: low, medium, high (SCD2)", "code"),
        ("marital_status", "VARCHAR", "Marital status", "code"),
        ("pep_flag", "BOOLEAN", "Politically exposed person", "flag"),
        (
            "age_band",
            "VARCHAR",
            "Age band at the end of the history (birth date not stored)",
            "band",
        ),
        ("region", "VARCHAR", "Home region from the postcode area (postcode not stored)", "code"),
        ("geography_key", "INTEGER", "Home region in dim_geography", ""),
        ("onboarding_date", "DATE", "Date the customer joined the bank", "date"),
        _RUN,
    ],
    "dim_account": [
        ("account_key", "INTEGER", "Surrogate key; -1 = unknown", ""),
        ("account_id", "VARCHAR", "Pseudonymous account id (keyed hash of the natural id)", ""),
        (
            "customer_id",
            "VARCHAR",
            "Pseudonymous id of the account holder (durable key of dim_customer)",
            "",
        ),
        ("product_key", "INTEGER", "Product in dim_product", ""),
        ("product_type", "VARCHAR", "Product type (denormalised from dim_product)", "code"),
        ("open_date", "DATE", "Opening date", "date"),
        ("close_date", "DATE", "Closing date; empty while open", "date"),
        ("is_open", "BOOLEAN", "Open at the end of the history", "flag"),
        ("credit_limit", "DOUBLE", "Card limit or overdraft limit at opening", "EUR"),
        ("principal", "DOUBLE", "Loan or mortgage principal", "EUR"),
        ("interest_rate", "DOUBLE", "Annual interest rate as a fraction", "share"),
        ("term_months", "INTEGER", "Loan or mortgage term", "months"),
        _RUN,
    ],
    "dim_product": [
        ("product_key", "INTEGER", "Surrogate key; -1 = unknown", ""),
        (
            "product_type",
            "VARCHAR",
            "current_account, savings, credit_card, personal_loan, mortgage",
            "code",
        ),
        ("product_family", "VARCHAR", "deposit or credit", "code"),
        ("is_credit", "BOOLEAN", "A credit product (card, loan, mortgage)", "flag"),
        _RUN,
    ],
    "dim_channel": [
        ("channel_key", "INTEGER", "Surrogate key; -1 = unknown", ""),
        (
            "channel",
            "VARCHAR",
            "card_present, card_online, atm, transfer, direct_debit, salary_credit",
            "code",
        ),
        ("channel_group", "VARCHAR", "card, cash, transfer, bill payment, income", "code"),
        ("is_card_not_present", "BOOLEAN", "Card-not-present (online) payment", "flag"),
        (
            "is_customer_initiated",
            "BOOLEAN",
            "Channel of customer-initiated debits (data contract)",
            "flag",
        ),
        _RUN,
    ],
    "dim_merchant_category": [
        ("mcc_key", "INTEGER", "Surrogate key; -1 = unknown or none", ""),
        ("mcc", "INTEGER", "Merchant category code (ISO 18245)", "code"),
        ("description", "VARCHAR", "Merchant category", ""),
        ("category_group", "VARCHAR", "Spending group of the category", "code"),
        _RUN,
    ],
    "dim_geography": [
        ("geography_key", "INTEGER", "Surrogate key; -1 = unknown or none", ""),
        (
            "geography_level",
            "VARCHAR",
            "country (merchant countries) or home_region (customer regions)",
            "code",
        ),
        ("country_code", "VARCHAR", "ISO 3166 alpha-2 country code", "code"),
        ("country_name", "VARCHAR", "Country name", ""),
        ("world_region", "VARCHAR", "World region of the country", ""),
        ("home_region", "VARCHAR", "Region of the bank's home country (home_region rows only)", ""),
        ("is_home_country", "BOOLEAN", "The bank's home country", "flag"),
        _RUN,
    ],
    "fact_transaction": [
        ("transaction_id", "VARCHAR", "Degenerate dimension: the source transaction id", ""),
        ("date_key", "INTEGER", "Day of the transaction in dim_date", ""),
        ("ts", "TIMESTAMP", "Timestamp (bank local time)", "timestamp"),
        ("account_key", "INTEGER", "Account in dim_account", ""),
        (
            "customer_key",
            "INTEGER",
            "Customer version valid on the transaction day (SCD2 as-of)",
            "",
        ),
        ("product_key", "INTEGER", "Product of the account", ""),
        ("channel_key", "INTEGER", "Channel in dim_channel", ""),
        ("mcc_key", "INTEGER", "Merchant category; -1 for transfers and salary credits", ""),
        ("geography_key", "INTEGER", "Merchant country in dim_geography; -1 when none", ""),
        ("direction", "VARCHAR", "D = debit (money out), C = credit (money in)", "code"),
        ("amount", "DOUBLE", "Amount, always positive", "EUR"),
        ("signed_amount", "DOUBLE", "Amount with sign: negative for debits", "EUR"),
        _RUN,
    ],
    "fact_account_month": [
        ("account_key", "INTEGER", "Account in dim_account", ""),
        ("date_key", "INTEGER", "Month end in dim_date", ""),
        ("month_end", "DATE", "Month end", "date"),
        ("customer_key", "INTEGER", "Customer version valid at the month end (SCD2 as-of)", ""),
        ("product_key", "INTEGER", "Product of the account", ""),
        ("balance", "DOUBLE", "Deposits: amount held; credit products: amount owed", "EUR"),
        (
            "credit_limit",
            "DOUBLE",
            "Card or overdraft limit; empty for loans, mortgages, savings",
            "EUR",
        ),
        (
            "utilisation",
            "DOUBLE",
            "Credit: balance / limit; current account: overdrawn amount / overdraft limit",
            "share",
        ),
        (
            "instalment_due",
            "DOUBLE",
            "Instalment or card minimum payment due in the month (credit)",
            "EUR",
        ),
        ("instalment_paid", "DOUBLE", "Amount paid in the month (credit)", "EUR"),
        ("instalment_shortfall", "DOUBLE", "max(due - paid, 0)", "EUR"),
        ("days_past_due", "INTEGER", "Days past due at the month end", "days"),
        ("dpd_bucket", "VARCHAR", "current, 1-29, 30-59, 60-89, 90+", "band"),
        ("is_default", "BOOLEAN", "90+ days past due", "flag"),
        _RUN,
    ],
    "mart_default": _MART_KEYS
    + [
        (
            "default_12m",
            "INTEGER",
            "Label: any credit account 90+ days past due at a month end in (s, s+12]; empty when the history ends first",
            "flag 0/1",
        )
    ]
    + CUSTOMER_FEATURES,
    "mart_churn": _MART_KEYS
    + [
        (
            "churn_6m",
            "INTEGER",
            "Label: all accounts closed by s+6, or no customer-initiated transaction in (s+3, s+6]",
            "flag 0/1",
        )
    ]
    + CUSTOMER_FEATURES,
    "mart_transaction_features": [
        (
            "transaction_id",
            "VARCHAR",
            "Source transaction id (joins fact_transaction and truth/anomalies)",
            "",
        ),
        ("customer_id", "VARCHAR", "Pseudonymous customer id", ""),
        ("ts", "TIMESTAMP", "Timestamp", "timestamp"),
        ("channel", "VARCHAR", "Channel", "code"),
        ("merchant_country", "VARCHAR", "Merchant country (ISO alpha-2); empty when none", "code"),
        ("mcc", "INTEGER", "Merchant category code; empty when none", "code"),
        ("amount", "DOUBLE", "Amount, positive", "EUR"),
        ("log_amount", "DOUBLE", "ln(1 + amount)", "log EUR"),
        ("is_debit", "INTEGER", "Money out", "flag 0/1"),
        (
            "prior_median_amount",
            "DOUBLE",
            "Median amount of the customer's previous 100 transactions in the same direction; empty with fewer than 5",
            "EUR",
        ),
        (
            "amount_robust_z",
            "DOUBLE",
            "(amount - prior median) / max(prior IQR / 1.349, 1 EUR), same window",
            "z",
        ),
        ("amount_to_median", "DOUBLE", "amount / prior median, same window", "ratio"),
        ("hour", "INTEGER", "Hour of the day 0-23", "hour"),
        ("weekday", "INTEGER", "ISO day of the week (1 = Monday)", ""),
        ("is_night", "INTEGER", "Between 00:00 and 05:59", "flag 0/1"),
        (
            "n_prev_1h",
            "INTEGER",
            "The customer's transactions in the hour before (strictly earlier)",
            "count",
        ),
        ("sum_prev_1h", "DOUBLE", "Their amount", "EUR"),
        (
            "n_prev_24h",
            "INTEGER",
            "The customer's transactions in the 24 hours before (strictly earlier)",
            "count",
        ),
        ("sum_prev_24h", "DOUBLE", "Their amount", "EUR"),
        (
            "is_new_country",
            "INTEGER",
            "First transaction of the customer in this merchant country",
            "flag 0/1",
        ),
        (
            "is_new_mcc",
            "INTEGER",
            "First transaction of the customer in this merchant category",
            "flag 0/1",
        ),
        ("is_foreign", "INTEGER", "Merchant country is not the bank's home country", "flag 0/1"),
        (
            "seconds_since_prev",
            "DOUBLE",
            "Seconds since the customer's previous transaction; empty for the first",
            "seconds",
        ),
        ("n_prior", "INTEGER", "The customer's earlier transactions in the history", "count"),
    ],
    "etl_reject": [
        ("source", "VARCHAR", "Raw source of the rejected row", ""),
        ("file", "VARCHAR", "Raw file, relative to the run folder", ""),
        ("row_number", "BIGINT", "1-based data row in that file (header not counted)", ""),
        (
            "raw_record",
            "VARCHAR",
            "The row's original text as JSON; personal data masked, ids hashed",
            "",
        ),
        (
            "reason",
            "VARCHAR",
            "missing_key, unparseable_value, orphan_foreign_key, out_of_range, future_date, duplicate_id",
            "code",
        ),
        ("detail", "VARCHAR", "Which column broke which rule", ""),
        _RUN,
    ],
    "etl_reconciliation": [
        ("source", "VARCHAR", "Raw source", ""),
        ("raw_rows", "BIGINT", "Data rows in the raw files", "rows"),
        ("loaded_rows", "BIGINT", "Rows loaded into the datamart", "rows"),
        ("rejected_rows", "BIGINT", "Rows quarantined in etl_reject", "rows"),
        ("reject_rate", "DOUBLE", "rejected_rows / raw_rows", "share"),
        ("balanced", "BOOLEAN", "raw_rows = loaded_rows + rejected_rows", "flag"),
        _RUN,
    ],
    "etl_check": [
        ("check_name", "VARCHAR", "Name of the check", ""),
        ("table_name", "VARCHAR", "Table checked", ""),
        ("column_name", "VARCHAR", "Column(s) checked", ""),
        (
            "check_type",
            "VARCHAR",
            "unique, not_null, referential_integrity, unknown_member, accepted_values, scd2, audit, reconciliation, completeness",
            "code",
        ),
        ("failed_rows", "BIGINT", "Offending rows (0 = passed)", "rows"),
        ("passed", "BOOLEAN", "No offending row", "flag"),
        _RUN,
    ],
    "etl_table": [
        ("table_name", "VARCHAR", "Datamart table", ""),
        ("kind", "VARCHAR", "dimension, fact, mart or quality", "code"),
        ("grain", "VARCHAR", "What one row is", ""),
        ("primary_key", "VARCHAR", "Columns that identify a row", ""),
        ("row_count", "BIGINT", "Rows in the table", "rows"),
        _RUN,
    ],
}


def data_dictionary() -> pd.DataFrame:
    """Every datamart column: ``table, column, type, description, unit`` in schema order."""
    rows = [
        {"table": table, "column": c, "type": t, "description": d, "unit": u}
        for table, cols in DICTIONARY.items()
        for c, t, d, u in cols
    ]
    return pd.DataFrame(rows, columns=["table", "column", "type", "description", "unit"])


def describe_column(table: str, column: str) -> str:
    """The description of one column (``KeyError`` naming it when undocumented)."""
    for c, _t, d, u in DICTIONARY.get(table, []):
        if c == column:
            return f"{d} [{u}]" if u else d
    raise KeyError(f"column: {table}.{column} is not in the data dictionary")
