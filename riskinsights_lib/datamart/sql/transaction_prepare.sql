-- Prepare the per-transaction features: a customer number (cnum) and a narrow
-- copy of the transactions (_tx) ordered by customer, then time, so that a
-- chunk of customers is one contiguous block (the chunk filter of
-- transaction_features.sql skips the rest by zone maps) and the first time each
-- customer used a country or a merchant category. No parameters.

CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cnum
FROM (SELECT DISTINCT customer_id FROM dim_account WHERE account_key <> -1)
ORDER BY cnum;

-- fact_transaction is stored in (ts, transaction_id) order, so its rowid is that order.
CREATE OR REPLACE TEMP TABLE _tx AS
SELECT f.rowid AS seq, n.cnum::INTEGER AS cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
       f.geography_key, f.mcc_key, f.channel_key, f.transaction_id
FROM fact_transaction f
JOIN dim_account a ON a.account_key = f.account_key
JOIN _cust_num n ON n.customer_id = a.customer_id
ORDER BY n.cnum, seq;

CREATE OR REPLACE TEMP TABLE _first_country AS
SELECT cnum, geography_key, min(ts) AS first_ts FROM _tx WHERE geography_key <> -1 GROUP BY ALL
ORDER BY cnum, geography_key;

CREATE OR REPLACE TEMP TABLE _first_mcc AS
SELECT cnum, mcc_key, min(ts) AS first_ts FROM _tx WHERE mcc_key <> -1 GROUP BY ALL
ORDER BY cnum, mcc_key;

