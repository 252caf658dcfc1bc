-- Prepare the per-transaction features (and the monthly transaction totals of
-- customer_features.sql): a customer number (cnum) and a narrow
-- copy of the transactions (_tx) ordered by customer, then time, so that a
-- chunk of customers is one contiguous block (the chunk filter of
-- transaction_features.sql skips the rest by zone maps) and the first time each
-- customer used a country or a merchant category. No parameters.

-- Customers with an account, numbered by dims.sql's _customer_versions.cust_no
-- (customer_id order, so chunks of cnum are chunks of customers in that order).
CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT DISTINCT customer_id, cust_no AS cnum FROM _account_keys
ORDER BY cnum;

-- fact_transaction is stored in (ts, transaction_id) order, so its rowid is that order.
CREATE OR REPLACE TEMP TABLE _tx AS
SELECT f.rowid AS seq, a.cust_no AS cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
       f.geography_key, f.mcc_key, f.channel_key, f.transaction_id
FROM fact_transaction f
JOIN _account_keys a ON a.account_key = f.account_key
ORDER BY a.cust_no, seq;

CREATE OR REPLACE TEMP TABLE _first_country AS
SELECT cnum, geography_key, min(ts) AS first_ts FROM _tx WHERE geography_key <> -1 GROUP BY ALL
ORDER BY cnum, geography_key;

CREATE OR REPLACE TEMP TABLE _first_mcc AS
SELECT cnum, mcc_key, min(ts) AS first_ts FROM _tx WHERE mcc_key <> -1 GROUP BY ALL
ORDER BY cnum, mcc_key;

