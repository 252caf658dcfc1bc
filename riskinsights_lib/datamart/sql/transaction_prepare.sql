-- Prepare the per-transaction features: a customer number and one copy of the
-- transactions (_tx) in seq order, carrying everything the mart needs (dimension
-- attributes looked up once, first-country and first-MCC flags), and the empty
-- _tx_windows that transaction_windows.sql fills chunk by chunk. Holding _tx in
-- seq order lets transaction_features.sql join the windows back by position
-- instead of a hash join and a sort of the wide result. No parameters.

CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cnum
FROM (SELECT DISTINCT customer_id FROM dim_account WHERE account_key <> -1);

-- fact_transaction is stored in (ts, transaction_id) order, so its rowid is that order.
-- The dimensions are LEFT joined: a transaction without its dimension row still
-- counts in its customer's windows (in_dims marks the rows the mart keeps).
CREATE OR REPLACE TEMP TABLE _tx AS
WITH base AS (
    SELECT f.rowid AS seq, n.cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
           f.geography_key, f.mcc_key, f.transaction_id, a.customer_id,
           c.channel, g.country_code AS merchant_country, m.mcc, g.is_home_country,
           c.channel_key IS NOT NULL AND m.mcc_key IS NOT NULL
               AND g.geography_key IS NOT NULL AS in_dims
    FROM fact_transaction f
    JOIN dim_account a ON a.account_key = f.account_key
    JOIN _cust_num n ON n.customer_id = a.customer_id
    LEFT JOIN dim_channel c ON c.channel_key = f.channel_key
    LEFT JOIN dim_merchant_category m ON m.mcc_key = f.mcc_key
    LEFT JOIN dim_geography g ON g.geography_key = f.geography_key
), first_country AS (
    SELECT cnum, geography_key, min(ts) AS first_ts FROM base WHERE geography_key <> -1 GROUP BY ALL
), first_mcc AS (
    SELECT cnum, mcc_key, min(ts) AS first_ts FROM base WHERE mcc_key <> -1 GROUP BY ALL
)
SELECT b.*,
       CASE WHEN b.ts = fc.first_ts THEN 1 ELSE 0 END AS is_new_country,
       CASE WHEN b.ts = fm.first_ts THEN 1 ELSE 0 END AS is_new_mcc
FROM base b
LEFT JOIN first_country fc ON fc.cnum = b.cnum AND fc.geography_key = b.geography_key
LEFT JOIN first_mcc fm ON fm.cnum = b.cnum AND fm.mcc_key = b.mcc_key
ORDER BY b.seq;

CREATE OR REPLACE TEMP TABLE _tx_windows (
    seq BIGINT, q1 DOUBLE, q2 DOUBLE, q3 DOUBLE, n_habit BIGINT, n_prior BIGINT,
    n_prev_1h BIGINT, sum_prev_1h DOUBLE, n_prev_24h BIGINT, sum_prev_24h DOUBLE,
    prev_ts TIMESTAMP
);
