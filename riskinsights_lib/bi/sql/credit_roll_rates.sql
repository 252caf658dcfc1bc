-- Month-to-month transitions of open credit accounts between delinquency buckets, pooled over
-- the month pairs from $first_month_end on. An account with no open row the next month is 'closed'.
WITH cur AS (
    SELECT account_id, month_end, dpd_bucket
    FROM bi_account_month
    WHERE is_open AND product_family = 'credit'
),
last_month AS (
    SELECT max(month_end) AS m FROM bi_account_month
),
pairs AS (
    SELECT c.dpd_bucket AS from_bucket, coalesce(n.dpd_bucket, 'closed') AS to_bucket
    FROM cur c
    LEFT JOIN cur n
      ON n.account_id = c.account_id AND n.month_end = last_day(c.month_end + INTERVAL 1 MONTH)
    WHERE c.month_end < (SELECT m FROM last_month) AND c.month_end >= $first_month_end
)
SELECT from_bucket, to_bucket, count(*) AS n_accounts,
       count(*) / sum(count(*)) OVER (PARTITION BY from_bucket) AS rate
FROM pairs
GROUP BY from_bucket, to_bucket
ORDER BY list_position(['current', '1-29', '30-59', '60-89', '90+'], from_bucket),
         list_position(['current', '1-29', '30-59', '60-89', '90+', 'closed'], to_bucket)
