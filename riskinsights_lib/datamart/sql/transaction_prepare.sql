-- Prepare the per-transaction features (and the monthly transaction totals of
-- customer_features.sql): a customer number (cnum) and a narrow
-- copy of the transactions (_tx) ordered by customer, then time, so that a
-- chunk of customers is one contiguous block (the chunk filter of
-- transaction_features.sql skips the rest by zone maps) and the first time each
-- customer used a country or a merchant category. No parameters.

CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cnum
FROM (SELECT DISTINCT customer_id FROM dim_account WHERE account_key <> -1)
ORDER BY cnum;

-- fact_transaction is stored in (ts, transaction_id) order, so its rowid is that order.
-- One join through a small account -> customer number map.
CREATE OR REPLACE TEMP TABLE _tx AS
WITH acct AS (
    SELECT a.account_key, n.cnum::INTEGER AS cnum
    FROM dim_account a JOIN _cust_num n ON n.customer_id = a.customer_id
)
SELECT f.rowid AS seq, a.cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
       f.geography_key, f.mcc_key, f.channel_key, f.transaction_id
FROM fact_transaction f
JOIN acct a ON a.account_key = f.account_key
ORDER BY a.cnum, seq;

CREATE OR REPLACE TEMP TABLE _first_country AS
SELECT cnum, geography_key, min(ts) AS first_ts FROM _tx WHERE geography_key <> -1 GROUP BY ALL
ORDER BY cnum, geography_key;

CREATE OR REPLACE TEMP TABLE _first_mcc AS
SELECT cnum, mcc_key, min(ts) AS first_ts FROM _tx WHERE mcc_key <> -1 GROUP BY ALL
ORDER BY cnum, mcc_key;

