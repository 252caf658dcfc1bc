-- Per-transaction anomaly features, from the same customer's EARLIER
-- transactions only. Velocity windows use RANGE frames on ts that exclude the
-- current timestamp's peers (strictly earlier). Amount habits use the previous
-- HABIT_WINDOW transactions of the same customer and direction in
-- (ts, transaction_id) order (seq). Amounts are summed as DECIMAL, exactly, so
-- that ties in ts cannot change the last bits of a sum. Every window is partitioned by customer, so
-- the table macro _tx_features(lo, hi) computes the mart's rows of the customers
-- numbered lo..hi alone; build.py appends them chunk by chunk in (cnum, seq)
-- order: the same rows and order however the customers are chunked.
-- Runs after transaction_prepare.sql. Parameters: $habit_window, $min_history.

CREATE OR REPLACE TEMP MACRO _tx_features(lo, hi) AS TABLE
SELECT w.cnum, w.seq, w.transaction_id, n.customer_id, w.ts, c.channel,
       g.country_code AS merchant_country, m.mcc, w.amount,
       ln(1 + w.amount) AS log_amount,
       CASE WHEN w.is_debit THEN 1 ELSE 0 END AS is_debit,
       CASE WHEN w.n_habit >= $min_history THEN w.q[2] END AS prior_median_amount,
       CASE WHEN w.n_habit >= $min_history
            THEN (w.amount - w.q[2]) / greatest((w.q[3] - w.q[1]) / 1.349, 1.0) END AS amount_robust_z,
       CASE WHEN w.n_habit >= $min_history THEN w.amount / greatest(w.q[2], 0.01) END AS amount_to_median,
       hour(w.ts)::INTEGER AS hour,
       isodow(w.ts)::INTEGER AS weekday,
       CASE WHEN hour(w.ts) < 6 THEN 1 ELSE 0 END AS is_night,
       w.n_prev_1h::INTEGER AS n_prev_1h,
       coalesce(w.sum_prev_1h::DOUBLE, 0) AS sum_prev_1h,
       w.n_prev_24h::INTEGER AS n_prev_24h,
       coalesce(w.sum_prev_24h::DOUBLE, 0) AS sum_prev_24h,
       CASE WHEN w.ts = fc.first_ts THEN 1 ELSE 0 END AS is_new_country,
       CASE WHEN w.ts = fm.first_ts THEN 1 ELSE 0 END AS is_new_mcc,
       CASE WHEN w.geography_key <> -1 AND NOT g.is_home_country THEN 1 ELSE 0 END AS is_foreign,
       epoch(w.ts - w.prev_ts) AS seconds_since_prev,
       w.n_prior::INTEGER AS n_prior
FROM (
    SELECT *,
           quantile_cont(amount, [0.25, 0.5, 0.75]) OVER habit AS q,
           count(amount) OVER habit AS n_habit,
           rank() OVER before - 1 AS n_prior,
           count(*) OVER last_1h AS n_prev_1h,
           sum(amount::DECIMAL(18, 4)) OVER last_1h AS sum_prev_1h,
           count(*) OVER last_24h AS n_prev_24h,
           sum(amount::DECIMAL(18, 4)) OVER last_24h AS sum_prev_24h,
           max(ts) OVER before AS prev_ts
    FROM _tx
    WHERE cnum BETWEEN lo AND hi
    WINDOW before AS (PARTITION BY cnum ORDER BY ts
                      RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           last_1h AS (PARTITION BY cnum ORDER BY ts
                       RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           last_24h AS (PARTITION BY cnum ORDER BY ts
                        RANGE BETWEEN INTERVAL 24 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           habit AS (PARTITION BY cnum, is_debit ORDER BY seq
                     ROWS BETWEEN $habit_window PRECEDING AND 1 PRECEDING)
) w
JOIN (FROM _cust_num WHERE cnum BETWEEN lo AND hi) n ON n.cnum = w.cnum
JOIN dim_channel c ON c.channel_key = w.channel_key
JOIN dim_merchant_category m ON m.mcc_key = w.mcc_key
JOIN dim_geography g ON g.geography_key = w.geography_key
LEFT JOIN (FROM _first_country WHERE cnum BETWEEN lo AND hi) fc
       ON fc.cnum = w.cnum AND fc.geography_key = w.geography_key
LEFT JOIN (FROM _first_mcc WHERE cnum BETWEEN lo AND hi) fm
       ON fm.cnum = w.cnum AND fm.mcc_key = w.mcc_key;

CREATE OR REPLACE TABLE mart_transaction_features AS
SELECT * EXCLUDE (cnum, seq) FROM _tx_features(0, -1);
