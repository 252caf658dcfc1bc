-- Per-transaction anomaly features, from the same customer's EARLIER
-- transactions only. Velocity windows use RANGE frames on ts that exclude the
-- current timestamp's peers (strictly earlier). Amount habits use the previous
-- HABIT_WINDOW (100) transactions of the same customer and direction in
-- (ts, transaction_id) order. The windows (transaction_windows.sql) run on a
-- narrow table, customer chunk by customer chunk; sorted by seq (a narrow,
-- numeric sort) they line up with _tx (held in seq order by
-- transaction_prepare.sql) and are joined to it by position: no hash join, no
-- sort of the wide result, and the mart comes out in seq order (build.py checks).
-- Runs after transaction_prepare.sql and transaction_windows.sql.
-- Parameters: $min_history.

CREATE OR REPLACE TEMP TABLE _tx_windows_sorted AS SELECT * FROM _tx_windows ORDER BY seq;

CREATE OR REPLACE TABLE mart_transaction_features AS
SELECT t.transaction_id, t.customer_id, t.ts, t.channel, t.merchant_country,
       t.mcc, t.amount,
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
       t.is_new_country,
       t.is_new_mcc,
       CASE WHEN t.geography_key <> -1 AND NOT t.is_home_country THEN 1 ELSE 0 END AS is_foreign,
       epoch(t.ts - w.prev_ts) AS seconds_since_prev,
       w.n_prior::INTEGER AS n_prior
FROM _tx t
POSITIONAL JOIN _tx_windows_sorted w
WHERE t.in_dims;
