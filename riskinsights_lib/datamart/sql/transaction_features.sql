-- Per-transaction anomaly features, from the same customer's EARLIER
-- transactions only. Velocity and novelty windows use RANGE frames on ts that
-- exclude the current timestamp's peers (strictly earlier). Amount habits use
-- the previous $habit_window transactions of the same customer and direction
-- in (ts, transaction_id) order. Parameters: $habit_window, $min_history.

CREATE OR REPLACE TEMP TABLE _cust_num AS
SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS cnum
FROM (SELECT DISTINCT customer_id FROM dim_account WHERE account_key <> -1);

CREATE OR REPLACE TABLE mart_transaction_features AS
WITH t AS (
    SELECT f.transaction_id, a.customer_id, n.cnum, f.ts, c.channel,
           g.country_code AS merchant_country, m.mcc, f.amount, f.direction,
           g.is_home_country
    FROM fact_transaction f
    JOIN dim_account a ON a.account_key = f.account_key
    JOIN _cust_num n ON n.customer_id = a.customer_id
    JOIN dim_channel c ON c.channel_key = f.channel_key
    JOIN dim_merchant_category m ON m.mcc_key = f.mcc_key
    JOIN dim_geography g ON g.geography_key = f.geography_key
), w AS (
    SELECT t.*,
           quantile_cont(amount, [0.25, 0.5, 0.75]) OVER habit AS q,
           count(amount) OVER habit AS n_habit,
           rank() OVER before - 1 AS n_prior,
           count(*) OVER last_1h AS n_prev_1h,
           sum(amount) OVER last_1h AS sum_prev_1h,
           count(*) OVER last_24h AS n_prev_24h,
           sum(amount) OVER last_24h AS sum_prev_24h,
           max(ts) OVER before AS prev_ts,
           min(ts) OVER (PARTITION BY cnum, merchant_country) AS first_ts_country,
           min(ts) OVER (PARTITION BY cnum, mcc) AS first_ts_mcc
    FROM t
    WINDOW before AS (PARTITION BY cnum ORDER BY ts
                      RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           last_1h AS (PARTITION BY cnum ORDER BY ts
                       RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           last_24h AS (PARTITION BY cnum ORDER BY ts
                        RANGE BETWEEN INTERVAL 24 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
           habit AS (PARTITION BY cnum, direction ORDER BY ts, transaction_id
                     ROWS BETWEEN $habit_window PRECEDING AND 1 PRECEDING)
)
SELECT transaction_id, customer_id, ts, channel, merchant_country, mcc, amount,
       ln(1 + amount) AS log_amount,
       CASE WHEN direction = 'D' THEN 1 ELSE 0 END AS is_debit,
       CASE WHEN n_habit >= $min_history THEN q[2] END AS prior_median_amount,
       CASE WHEN n_habit >= $min_history THEN (amount - q[2]) / greatest((q[3] - q[1]) / 1.349, 1.0)
            END AS amount_robust_z,
       CASE WHEN n_habit >= $min_history THEN amount / greatest(q[2], 0.01) END AS amount_to_median,
       hour(ts)::INTEGER AS hour,
       isodow(ts)::INTEGER AS weekday,
       CASE WHEN hour(ts) < 6 THEN 1 ELSE 0 END AS is_night,
       n_prev_1h::INTEGER AS n_prev_1h,
       coalesce(sum_prev_1h, 0) AS sum_prev_1h,
       n_prev_24h::INTEGER AS n_prev_24h,
       coalesce(sum_prev_24h, 0) AS sum_prev_24h,
       CASE WHEN merchant_country IS NOT NULL AND ts = first_ts_country THEN 1 ELSE 0 END
           AS is_new_country,
       CASE WHEN mcc IS NOT NULL AND ts = first_ts_mcc THEN 1 ELSE 0 END AS is_new_mcc,
       CASE WHEN merchant_country IS NOT NULL AND NOT is_home_country THEN 1 ELSE 0 END AS is_foreign,
       epoch(ts - prev_ts) AS seconds_since_prev,
       n_prior::INTEGER AS n_prior
FROM w
ORDER BY ts, transaction_id;
