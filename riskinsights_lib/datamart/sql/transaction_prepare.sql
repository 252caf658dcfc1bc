-- Prepare the per-transaction features: a customer number and a narrow,
-- ordered copy of the transactions (_tx), and the empty _tx_windows that
-- transaction_windows.sql fills chunk by chunk. No parameters.

CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cnum
FROM (SELECT DISTINCT customer_id FROM dim_account WHERE account_key <> -1);

-- fact_transaction is stored in (ts, transaction_id) order, so its rowid is that order.
CREATE OR REPLACE TEMP TABLE _tx AS
SELECT f.rowid AS seq, n.cnum, f.ts, f.amount, f.direction = 'D' AS is_debit,
       f.geography_key, f.mcc_key, f.account_key, f.channel_key, f.transaction_id
FROM fact_transaction f
JOIN dim_account a ON a.account_key = f.account_key
JOIN _cust_num n ON n.customer_id = a.customer_id;

CREATE OR REPLACE TEMP TABLE _tx_windows (
    seq BIGINT, q1 DOUBLE, q2 DOUBLE, q3 DOUBLE, n_habit BIGINT, n_prior BIGINT,
    n_prev_1h BIGINT, sum_prev_1h DOUBLE, n_prev_24h BIGINT, sum_prev_24h DOUBLE,
    prev_ts TIMESTAMP
);
