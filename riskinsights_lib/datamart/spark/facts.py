"""Facts of the star schema in Spark SQL (the DuckDB build's ``sql/facts.sql``).

``customer_key`` is the ``dim_customer`` version valid on the event's day. The
DuckDB build and Spark both join on the integer customer number and a
``BETWEEN`` on the validity dates (Spark has no ASOF join; none is needed: the
versions of one customer never overlap, a check proves it). ``fact_transaction``
carries a partition column ``tx_month`` (``yyyy-MM``) used only for the folder
layout ``tables/fact_transaction/tx_month=YYYY-MM/``; the DuckDB view leaves it out.
"""

from __future__ import annotations

from riskinsights_lib.datamart.spark.dims import lit

__all__ = ["build_facts", "FACT_TRANSACTION_PARTITION"]

#: Partition column of fact_transaction (not a contract column).
FACT_TRANSACTION_PARTITION = "tx_month"


def _fact_transaction(run_id: str) -> str:
    return f"""
    SELECT t.transaction_id,
           coalesce(d.date_key, -1) AS date_key,
           t.ts,
           coalesce(a.account_key, -1) AS account_key,
           coalesce(c.customer_key, -1) AS customer_key,
           coalesce(a.product_key, -1) AS product_key,
           coalesce(ch.channel_key, -1) AS channel_key,
           coalesce(m.mcc_key, -1) AS mcc_key,
           coalesce(g.geography_key, -1) AS geography_key,
           t.direction,
           t.amount,
           CASE WHEN t.direction = 'D' THEN -t.amount ELSE t.amount END AS signed_amount,
           {lit(run_id)} AS run_id,
           date_format(t.ts, 'yyyy-MM') AS {FACT_TRANSACTION_PARTITION}
    FROM cln_transactions t
    LEFT JOIN _account_keys a ON a.natural_id = t.account_id
    LEFT JOIN _customer_versions c
           ON c.cust_no = a.cust_no AND CAST(t.ts AS DATE) BETWEEN c.valid_from AND c.valid_to
    LEFT JOIN dim_date d ON d.full_date = CAST(t.ts AS DATE)
    LEFT JOIN dim_channel ch ON ch.channel = t.channel
    LEFT JOIN dim_merchant_category m ON m.mcc = t.mcc
    LEFT JOIN dim_geography g ON g.geography_level = 'country' AND g.country_code = t.merchant_country
    """


def _fact_account_month(run_id: str) -> str:
    return f"""
    SELECT coalesce(a.account_key, -1) AS account_key,
           coalesce(d.date_key, -1) AS date_key,
           b.month_end,
           coalesce(c.customer_key, -1) AS customer_key,
           coalesce(a.product_key, -1) AS product_key,
           b.balance,
           b.credit_limit,
           CASE WHEN NOT (b.credit_limit > 0) THEN NULL
                WHEN a.product_type = 'current_account' THEN greatest(-b.balance, 0) / b.credit_limit
                ELSE b.balance / b.credit_limit END AS utilisation,
           b.instalment_due,
           b.instalment_paid,
           CASE WHEN b.instalment_due IS NOT NULL
                THEN greatest(b.instalment_due - coalesce(b.instalment_paid, 0), 0) END
               AS instalment_shortfall,
           b.days_past_due,
           CASE WHEN b.days_past_due IS NULL THEN 'unknown'
                WHEN b.days_past_due = 0 THEN 'current'
                WHEN b.days_past_due < 30 THEN '1-29'
                WHEN b.days_past_due < 60 THEN '30-59'
                WHEN b.days_past_due < 90 THEN '60-89'
                ELSE '90+' END AS dpd_bucket,
           coalesce(b.days_past_due, 0) >= 90 AS is_default,
           {lit(run_id)} AS run_id
    FROM cln_balances b
    LEFT JOIN _account_keys a ON a.natural_id = b.account_id
    LEFT JOIN _customer_versions c
           ON c.cust_no = a.cust_no AND b.month_end BETWEEN c.valid_from AND c.valid_to
    LEFT JOIN dim_date d ON d.full_date = b.month_end
    """


def build_facts(spark, store, *, run_id: str) -> None:
    """Build both facts with ``store(name, DataFrame, order_by, partition_by=None)``."""
    store(
        "fact_transaction",
        spark.sql(_fact_transaction(run_id)),
        ["ts", "transaction_id"],
        partition_by=FACT_TRANSACTION_PARTITION,
    )
    store(
        "fact_account_month", spark.sql(_fact_account_month(run_id)), ["account_key", "month_end"]
    )
