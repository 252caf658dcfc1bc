-- Window features of one chunk of customers (cnum in [$lo, $hi]); every window
-- is partitioned by customer, so chunking changes nothing but the memory used.
-- Appended to _tx_windows. Parameters: $habit_window, $lo, $hi.

INSERT INTO _tx_windows
SELECT seq, q[1] AS q1, q[2] AS q2, q[3] AS q3, * EXCLUDE (seq, q)
FROM (
SELECT seq,
       quantile_cont(amount, [0.25, 0.5, 0.75]) OVER habit AS q,
       count(amount) OVER habit AS n_habit,
       rank() OVER before - 1 AS n_prior,
       count(*) OVER last_1h AS n_prev_1h,
       sum(amount) OVER last_1h AS sum_prev_1h,
       count(*) OVER last_24h AS n_prev_24h,
       sum(amount) OVER last_24h AS sum_prev_24h,
       max(ts) OVER before AS prev_ts
FROM (SELECT seq, cnum, ts, amount, is_debit FROM _tx WHERE cnum BETWEEN $lo AND $hi)
WINDOW before AS (PARTITION BY cnum ORDER BY ts
                  RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP),
       last_1h AS (PARTITION BY cnum ORDER BY ts
                   RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
       last_24h AS (PARTITION BY cnum ORDER BY ts
                    RANGE BETWEEN INTERVAL 24 HOUR PRECEDING AND CURRENT ROW EXCLUDE GROUP),
       habit AS (PARTITION BY cnum, is_debit ORDER BY seq
                 ROWS BETWEEN $habit_window PRECEDING AND 1 PRECEDING)
);
