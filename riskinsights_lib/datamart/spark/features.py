"""Customer x snapshot features in Spark SQL (the DuckDB build's ``sql/customer_features.sql``).

Point in time: only rows dated on or before the snapshot and within its
lookback window. k = months back from the snapshot (0 = the snapshot month).
Money is summed as DECIMAL(18, 4), exactly, as in the DuckDB build. Dialect
differences: ``FILTER`` on ``count(DISTINCT ...)`` is written as a ``CASE``;
``avg(x ORDER BY k)`` is a plain ``avg`` (the order only moves the last bits,
within the parity tolerance); ``date_sub``/``date_diff`` in months are spelled out.
"""

from __future__ import annotations

from riskinsights_lib.datamart.spark.dims import complete_months

__all__ = ["register_feature_views", "month_index"]


def month_index(d: str) -> str:
    """Spark SQL: a month number (year * 12 + month) of date or timestamp ``d``."""
    return f"(year({d}) * 12 + month({d}))"


def _dec(x: str) -> str:
    return f"CAST({x} AS DECIMAL(18, 4))"


PREPARE = {
    "_cust_num": "SELECT DISTINCT customer_id, cust_no AS cnum FROM _account_keys",
    "_tx": """
        SELECT a.cust_no AS cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
               f.geography_key, f.mcc_key, f.channel_key, f.transaction_id
        FROM fact_transaction f JOIN _account_keys a ON a.account_key = f.account_key
    """,
    "_first_country": "SELECT cnum, geography_key, min(ts) AS first_ts FROM _tx "
    "WHERE geography_key <> -1 GROUP BY cnum, geography_key",
    "_first_mcc": "SELECT cnum, mcc_key, min(ts) AS first_ts FROM _tx "
    "WHERE mcc_key <> -1 GROUP BY cnum, mcc_key",
}


def _cm(lookback: int) -> str:
    credit = "p.is_credit"
    return f"""
    SELECT s.snapshot_date, a.customer_id, s.snap_mi - {month_index("f.month_end")} AS k,
           CAST(sum({_dec("f.balance")}) FILTER (WHERE p.product_type = 'credit_card') AS DOUBLE) AS card_balance,
           CAST(sum({_dec("f.credit_limit")}) FILTER (WHERE p.product_type = 'credit_card') AS DOUBLE) AS card_limit,
           CAST(sum({_dec("f.balance")}) FILTER (WHERE p.product_type = 'current_account') AS DOUBLE) AS current_balance,
           CAST(sum({_dec("f.balance")}) FILTER (WHERE p.product_type = 'savings') AS DOUBLE) AS savings_balance,
           CAST(sum({_dec("f.balance")}) FILTER (WHERE p.product_type IN ('personal_loan', 'mortgage')) AS DOUBLE) AS loan_balance,
           CAST(sum({_dec("f.balance")}) FILTER (WHERE {credit}) AS DOUBLE) AS credit_balance,
           max(f.days_past_due) FILTER (WHERE {credit}) AS max_dpd,
           count(*) FILTER (WHERE {credit} AND f.instalment_due > 0
                            AND coalesce(f.instalment_paid, 0) < f.instalment_due) AS n_missed,
           CAST(sum({_dec("f.instalment_due")}) FILTER (WHERE {credit}) AS DOUBLE) AS instalment_due
    FROM _snap s
    JOIN fact_account_month f
      ON f.month_end <= s.snapshot_date
     AND f.month_end > last_day(add_months(s.snapshot_date, -{int(lookback)}))
    JOIN dim_account a ON a.account_key = f.account_key
    JOIN dim_product p ON p.product_key = f.product_key
    GROUP BY s.snapshot_date, a.customer_id, s.snap_mi - {month_index("f.month_end")}
    """


_F_BALANCE = """
WITH m AS (
    SELECT *, card_balance / nullif(card_limit, 0) AS util,
           coalesce(current_balance, 0) + coalesce(savings_balance, 0) AS deposit
    FROM _cm
)
SELECT snapshot_date, customer_id,
       max(card_limit) FILTER (WHERE k = 0) AS credit_limit,
       max(util) FILTER (WHERE k = 0) AS utilisation_now,
       avg(util) FILTER (WHERE k < 3) AS utilisation_avg_3m,
       avg(util) FILTER (WHERE k < 3) - avg(util) FILTER (WHERE k BETWEEN 3 AND 5) AS utilisation_trend,
       max(max_dpd) FILTER (WHERE k < 6) AS max_dpd_6m,
       max(max_dpd) FILTER (WHERE k = 0) AS dpd_now,
       count(*) FILTER (WHERE k < 6 AND max_dpd > 0) AS months_in_arrears_6m,
       coalesce(sum(n_missed) FILTER (WHERE k < 6), 0) AS missed_instalments_6m,
       max(instalment_due) FILTER (WHERE k = 0) AS instalment_due_now,
       max(credit_balance) FILTER (WHERE k = 0) AS credit_balance,
       max(loan_balance) FILTER (WHERE k = 0) AS loan_balance,
       max(current_balance) FILTER (WHERE k = 0) AS current_balance,
       max(savings_balance) FILTER (WHERE k = 0) AS savings_balance,
       max(deposit) FILTER (WHERE k = 0) AS deposit_balance,
       avg(deposit) FILTER (WHERE k < 3) AS deposit_balance_avg_3m,
       avg(deposit) FILTER (WHERE k < 3) - avg(deposit) FILTER (WHERE k BETWEEN 3 AND 5)
           AS deposit_balance_trend
FROM m
GROUP BY snapshot_date, customer_id
"""

_TM = f"""
SELECT n.customer_id, t.mi, c.channel, t.is_debit AND c.is_customer_initiated AS initiated,
       t.n, t.amount, t.last_ts
FROM (
    SELECT cnum, {month_index("ts")} AS mi, channel_key, is_debit,
           count(*) AS n, sum({_dec("amount")}) AS amount, max(ts) AS last_ts
    FROM _tx
    GROUP BY cnum, {month_index("ts")}, channel_key, is_debit
) t
JOIN _cust_num n ON n.cnum = t.cnum
JOIN dim_channel c ON c.channel_key = t.channel_key
"""


def _f_tx(lookback: int) -> str:
    return f"""
    WITH w AS (
        SELECT s.snapshot_date, t.*, s.snap_mi - t.mi AS k
        FROM _snap s JOIN _tm t ON t.mi BETWEEN s.snap_mi - {int(lookback)} + 1 AND s.snap_mi
    )
    SELECT snapshot_date, customer_id,
           coalesce(sum(n) FILTER (WHERE initiated AND k < 3), 0) AS tx_count_3m,
           coalesce(sum(n) FILTER (WHERE initiated AND k < 3), 0)
               - coalesce(sum(n) FILTER (WHERE initiated AND k BETWEEN 3 AND 5), 0) AS tx_count_trend,
           CAST(coalesce(sum(amount) FILTER (WHERE initiated AND k < 3), 0) AS DOUBLE) AS spend_3m,
           datediff(snapshot_date, CAST(max(last_ts) FILTER (WHERE initiated) AS DATE))
               AS days_since_last_tx,
           count(DISTINCT CASE WHEN initiated AND k < 3 THEN channel END) AS active_channels_3m,
           coalesce(sum(n) FILTER (WHERE channel = 'salary_credit' AND k < 3), 0) AS salary_credits_3m,
           min(k) FILTER (WHERE channel = 'salary_credit') AS months_since_salary,
           CAST(coalesce(sum(amount) FILTER (WHERE channel = 'salary_credit' AND k < 3), 0) AS DOUBLE) / 3
               - CAST(coalesce(sum(amount) FILTER (WHERE channel = 'salary_credit' AND k BETWEEN 3 AND 5), 0) AS DOUBLE) / 3
               AS salary_amount_trend
    FROM w
    GROUP BY snapshot_date, customer_id
    """


def _months_between(a: str, b: str) -> str:
    """DuckDB's date_diff('month', a, b): month boundaries crossed."""
    return f"({month_index(b)} - {month_index(a)})"


_F_PRODUCTS = f"""
SELECT s.snapshot_date, a.customer_id,
       count(*) AS n_accounts,
       count(DISTINCT a.product_type) AS n_products,
       max(CASE WHEN a.product_type = 'current_account' THEN 1 ELSE 0 END) AS has_current_account,
       max(CASE WHEN a.product_type = 'savings' THEN 1 ELSE 0 END) AS has_savings,
       max(CASE WHEN a.product_type = 'credit_card' THEN 1 ELSE 0 END) AS has_credit_card,
       max(CASE WHEN a.product_type = 'personal_loan' THEN 1 ELSE 0 END) AS has_personal_loan,
       max(CASE WHEN a.product_type = 'mortgage' THEN 1 ELSE 0 END) AS has_mortgage,
       max(CASE WHEN p.is_credit THEN 1 ELSE 0 END) AS has_credit_product,
       {_months_between("min(a.open_date)", "s.snapshot_date")} AS months_since_first_account,
       {_months_between("max(a.open_date)", "s.snapshot_date")} AS months_since_last_account
FROM _snap s
JOIN dim_account a
  ON a.open_date <= s.snapshot_date AND (a.close_date IS NULL OR a.close_date > s.snapshot_date)
JOIN dim_product p ON p.product_key = a.product_key
WHERE a.account_key <> -1
GROUP BY s.snapshot_date, a.customer_id
"""

_FEATURES = f"""
SELECT c.customer_id, s.snapshot_date,
       CAST(floor({complete_months("c.birth_date", "s.snapshot_date")} / 12) AS INT) AS age,
       CAST({complete_months("c.onboarding_date", "s.snapshot_date")} AS INT) AS tenure_months,
       d.segment, d.employment_status, d.kyc_risk_rating, c.marital_status, c.region,
       CAST(c.pep_flag AS INT) AS pep_flag,
       d.annual_income,
       CAST(coalesce(p.n_products, 0) AS INT) AS n_products,
       CAST(coalesce(p.n_accounts, 0) AS INT) AS n_accounts,
       coalesce(p.has_current_account, 0) AS has_current_account,
       coalesce(p.has_savings, 0) AS has_savings,
       coalesce(p.has_credit_card, 0) AS has_credit_card,
       coalesce(p.has_personal_loan, 0) AS has_personal_loan,
       coalesce(p.has_mortgage, 0) AS has_mortgage,
       coalesce(p.has_credit_product, 0) AS has_credit_product,
       CAST(p.months_since_last_account AS INT) AS months_since_last_account,
       b.credit_limit, b.utilisation_now, b.utilisation_avg_3m, b.utilisation_trend,
       b.credit_balance, b.loan_balance,
       CAST(b.max_dpd_6m AS INT) AS max_dpd_6m, CAST(b.dpd_now AS INT) AS dpd_now,
       CAST(coalesce(b.months_in_arrears_6m, 0) AS INT) AS months_in_arrears_6m,
       CAST(coalesce(b.missed_instalments_6m, 0) AS INT) AS missed_instalments_6m,
       b.instalment_due_now,
       12 * b.instalment_due_now / nullif(d.annual_income, 0) AS instalment_to_income,
       b.current_balance, b.savings_balance, b.deposit_balance, b.deposit_balance_avg_3m,
       b.deposit_balance_trend,
       CAST(coalesce(t.salary_credits_3m, 0) AS INT) AS salary_credits_3m,
       CAST(t.months_since_salary AS INT) AS months_since_salary,
       coalesce(t.salary_amount_trend, 0) AS salary_amount_trend,
       CAST(coalesce(t.tx_count_3m, 0) AS INT) AS tx_count_3m,
       CAST(coalesce(t.tx_count_trend, 0) AS INT) AS tx_count_trend,
       coalesce(t.spend_3m, 0) AS spend_3m,
       CAST(t.days_since_last_tx AS INT) AS days_since_last_tx,
       CAST(coalesce(t.active_channels_3m, 0) AS INT) AS active_channels_3m
FROM _snap s
JOIN _customer_static c ON c.onboarding_date <= s.snapshot_date
LEFT JOIN dim_customer d
       ON d.customer_id = c.customer_id AND s.snapshot_date BETWEEN d.valid_from AND d.valid_to
LEFT JOIN _f_products p ON p.customer_id = c.customer_id AND p.snapshot_date = s.snapshot_date
LEFT JOIN _f_balance b ON b.customer_id = c.customer_id AND b.snapshot_date = s.snapshot_date
LEFT JOIN _f_tx t ON t.customer_id = c.customer_id AND t.snapshot_date = s.snapshot_date
"""


def register_feature_views(spark, *, lookback: int) -> None:
    """Register ``_cust_num``, ``_tx``, ``_first_*``, ``_cm``, ``_f_*``, ``_tm`` and
    ``_features`` (``_snap`` must exist); the reused ones are cached."""
    for name, sql in PREPARE.items():
        spark.sql(sql).cache().createOrReplaceTempView(name)
    steps = {
        "_cm": _cm(lookback),
        "_f_balance": _F_BALANCE,
        "_tm": _TM,
        "_f_tx": _f_tx(lookback),
        "_f_products": _F_PRODUCTS,
        "_features": _FEATURES,
    }
    for name, sql in steps.items():
        spark.sql(sql).cache().createOrReplaceTempView(name)
