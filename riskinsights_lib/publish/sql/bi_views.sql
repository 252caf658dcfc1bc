-- The BI views of riskinsights_lib/bi/sql/views.sql in PostgreSQL's dialect, created in the
-- published schema (search_path points at it) so BI tools see the report's vocabulary.
-- Same names, columns and rows as the DuckDB views (a test compares them).
-- DuckDB -> PostgreSQL: isodow(ts) -> extract(isodow ...), hour(ts) -> extract(hour ...).

-- Product type and family (credit: cards, loans, mortgages; deposit: current accounts, savings).
CREATE VIEW bi_product AS
SELECT product_key,
       product_type,
       CASE WHEN is_credit THEN 'credit' WHEN NOT is_credit THEN 'deposit' ELSE 'unknown' END
           AS product_family
FROM dim_product;

-- One row per account (the unknown member -1 left out).
CREATE VIEW bi_account AS
SELECT a.account_key,
       a.account_id,
       a.customer_id,
       bp.product_type,
       bp.product_family,
       a.open_date,
       a.close_date
FROM dim_account a
JOIN bi_product bp ON bp.product_key = a.product_key
WHERE a.account_key <> -1;

-- Customer versions (SCD2): the version in force on a day has valid_from <= day <= valid_to.
CREATE VIEW bi_customer_version AS
SELECT customer_key, customer_id, segment, onboarding_date, valid_from, valid_to, is_current
FROM dim_customer
WHERE customer_key <> -1;

-- Account x month end, with the segment of the customer version in force at the month end
-- and the delinquency bucket.
CREATE VIEW bi_account_month AS
SELECT f.month_end,
       f.account_key,
       ba.account_id,
       ba.customer_id,
       ba.product_type,
       ba.product_family,
       ba.open_date,
       (ba.open_date <= f.month_end AND (ba.close_date IS NULL OR ba.close_date > f.month_end))
           AS is_open,
       coalesce(cv.segment, 'unknown') AS segment,
       f.balance,
       f.credit_limit,
       f.days_past_due,
       CASE WHEN f.days_past_due <= 0 THEN 'current'
            WHEN f.days_past_due < 30 THEN '1-29'
            WHEN f.days_past_due < 60 THEN '30-59'
            WHEN f.days_past_due < 90 THEN '60-89'
            WHEN f.days_past_due >= 90 THEN '90+'
            ELSE 'unknown' END AS dpd_bucket
FROM fact_account_month f
JOIN bi_account ba ON ba.account_key = f.account_key
LEFT JOIN bi_customer_version cv ON cv.customer_key = f.customer_key;

-- One row per transaction with its descriptive attributes.
CREATE VIEW bi_transaction AS
SELECT f.transaction_id,
       f.ts,
       CAST(date_trunc('month', f.ts) AS date) AS month,
       CAST(extract(isodow FROM f.ts) AS bigint) AS weekday,
       CAST(extract(hour FROM f.ts) AS bigint) AS hour,
       f.amount,
       abs(f.amount) AS value,
       f.direction,
       coalesce(ch.channel, 'unknown') AS channel,
       -- customer-initiated (data contract): money out through a card, ATM or transfer
       (f.direction = 'D' AND coalesce(ch.is_customer_initiated, false)) AS customer_initiated,
       (f.mcc_key <> -1) AS has_merchant,
       coalesce(mc.category_group, 'unknown') AS category_group,
       (f.geography_key <> -1) AS has_country,
       coalesce(g.country_code, 'unknown') AS country_code,
       ba.customer_id,
       f.account_key
FROM fact_transaction f
LEFT JOIN dim_channel ch ON ch.channel_key = f.channel_key
LEFT JOIN dim_merchant_category mc ON mc.mcc_key = f.mcc_key
LEFT JOIN dim_geography g ON g.geography_key = f.geography_key
LEFT JOIN bi_account ba ON ba.account_key = f.account_key;
