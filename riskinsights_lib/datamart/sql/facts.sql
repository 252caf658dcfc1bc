-- Facts. Parameters: $run_id. customer_key is the dim_customer version valid
-- on the day of the event (SCD2 as-of join, through dims.sql's _customer_versions);
-- -1 when none is.

-- fact_transaction is written by build.py time range by time range (whole
-- months, a bounded number of rows each): _fact_transaction_rows(lo, hi) gives
-- the rows with lo <= ts < hi sorted by (ts, transaction_id), and appending the
-- ranges in order gives the table in that order, with sorts that fit in memory
-- instead of one that spills the whole fact to disk. The constant run id and the
-- signed amount are added after the sort, so that it moves narrower rows.
CREATE OR REPLACE TEMP MACRO _fact_transaction_rows(lo, hi) AS TABLE
SELECT *, CASE WHEN direction = 'D' THEN -amount ELSE amount END AS signed_amount,
       $run_id AS run_id
FROM (
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
           t.amount
    FROM cln_transactions t
    LEFT JOIN _account_keys a ON a.natural_id = t.account_id
    LEFT JOIN _customer_versions c
           ON c.cust_no = a.cust_no AND CAST(t.ts AS DATE) BETWEEN c.valid_from AND c.valid_to
    LEFT JOIN dim_date d ON d.full_date = CAST(t.ts AS DATE)
    LEFT JOIN dim_channel ch ON ch.channel = t.channel
    LEFT JOIN dim_merchant_category m ON m.mcc = t.mcc
    LEFT JOIN dim_geography g ON g.geography_level = 'country' AND g.country_code = t.merchant_country
    WHERE t.ts >= lo AND t.ts < hi
    ORDER BY t.ts, t.transaction_id
);

CREATE OR REPLACE TABLE fact_transaction AS
FROM _fact_transaction_rows(TIMESTAMP '1970-01-01', TIMESTAMP '1970-01-01');

CREATE OR REPLACE TABLE fact_account_month AS
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
            THEN greatest(b.instalment_due - coalesce(b.instalment_paid, 0), 0) END AS instalment_shortfall,
       b.days_past_due,
       CASE WHEN b.days_past_due IS NULL THEN 'unknown'
            WHEN b.days_past_due = 0 THEN 'current'
            WHEN b.days_past_due < 30 THEN '1-29'
            WHEN b.days_past_due < 60 THEN '30-59'
            WHEN b.days_past_due < 90 THEN '60-89'
            ELSE '90+' END AS dpd_bucket,
       coalesce(b.days_past_due, 0) >= 90 AS is_default,
       $run_id AS run_id
FROM cln_balances b
LEFT JOIN _account_keys a ON a.natural_id = b.account_id
LEFT JOIN _customer_versions c
       ON c.cust_no = a.cust_no AND b.month_end BETWEEN c.valid_from AND c.valid_to
LEFT JOIN dim_date d ON d.full_date = b.month_end
ORDER BY account_key, b.month_end;
