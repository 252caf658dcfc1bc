-- Per-transaction anomaly features, from the same customer's EARLIER
-- transactions only. Velocity windows use RANGE frames on ts that exclude the
-- current timestamp's peers (strictly earlier). Amount habits use the previous
-- HABIT_WINDOW (100) transactions of the same customer and direction in
-- (ts, transaction_id) order. The windows (transaction_windows.sql) run on a
-- narrow table, customer chunk by customer chunk, and are joined back by seq.
-- Creates the empty mart; build.py fills it seq range by seq range.
-- Runs after transaction_prepare.sql and transaction_windows.sql.
-- Parameters: $min_history.

CREATE OR REPLACE TEMP TABLE _first_country AS
SELECT cnum, geography_key, min(ts) AS first_ts FROM _tx WHERE geography_key <> -1 GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _first_mcc AS
SELECT cnum, mcc_key, min(ts) AS first_ts FROM _tx WHERE mcc_key <> -1 GROUP BY ALL;

-- The mart's rows with their seq; build.py writes them seq range by seq range
-- (each range sorted, ranges appended in order = one global ORDER BY seq, but
-- a sort that fits in memory instead of one that spills the whole wide table).
CREATE OR REPLACE TEMP VIEW _mart_tx AS
SELECT t.seq, t.transaction_id, a.customer_id, t.ts, c.channel, g.country_code AS merchant_country,
       m.mcc, t.amount,
       ln(1 + t.amount) AS log_amount,
       CASE WHEN t.is_debit THEN 1 ELSE 0 END AS is_debit,
       CASE WHEN w.n_habit >= $min_history THEN w.q2 END AS prior_median_amount,
       CASE WHEN w.n_habit >= $min_history
            THEN (t.amount - w.q2) / greatest((w.q3 - w.q1) / 1.349, 1.0) END AS amount_robust_z,
       CASE WHEN w.n_habit >= $min_history THEN t.amount / greatest(w.q2, 0.01) END AS amount_to_median,
       hour(t.ts)::INTEGER AS hour,
       isodow(t.ts)::INTEGER AS weekday,
       CASE WHEN hour(t.ts) < 6 THEN 1 ELSE 0 END AS is_night,
       w.n_prev_1h::INTEGER AS n_prev_1h,
       coalesce(w.sum_prev_1h, 0) AS sum_prev_1h,
       w.n_prev_24h::INTEGER AS n_prev_24h,
       coalesce(w.sum_prev_24h, 0) AS sum_prev_24h,
       CASE WHEN t.ts = fc.first_ts THEN 1 ELSE 0 END AS is_new_country,
       CASE WHEN t.ts = fm.first_ts THEN 1 ELSE 0 END AS is_new_mcc,
       CASE WHEN t.geography_key <> -1 AND NOT g.is_home_country THEN 1 ELSE 0 END AS is_foreign,
       epoch(t.ts - w.prev_ts) AS seconds_since_prev,
       w.n_prior::INTEGER AS n_prior
FROM _tx t
JOIN _tx_windows w USING (seq)
JOIN dim_account a ON a.account_key = t.account_key
JOIN dim_channel c ON c.channel_key = t.channel_key
JOIN dim_merchant_category m ON m.mcc_key = t.mcc_key
JOIN dim_geography g ON g.geography_key = t.geography_key
LEFT JOIN _first_country fc ON fc.cnum = t.cnum AND fc.geography_key = t.geography_key
LEFT JOIN _first_mcc fm ON fm.cnum = t.cnum AND fm.mcc_key = t.mcc_key;

CREATE OR REPLACE TABLE mart_transaction_features AS
SELECT * EXCLUDE (seq) FROM _mart_tx WHERE false;
