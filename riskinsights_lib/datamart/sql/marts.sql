-- Model marts: features (from _features) + label, one row per customer x snapshot.
-- Labels follow docs/data_contract.md exactly; NULL when the history ends
-- before the outcome window does ($history_end).

CREATE OR REPLACE TABLE mart_default AS
WITH outcome AS (
    SELECT s.snapshot_date, a.customer_id, 1 AS defaulted
    FROM _snap s
    JOIN fact_account_month f
      ON f.month_end > s.snapshot_date
     AND f.month_end <= last_day(s.snapshot_date + INTERVAL 12 MONTH)
     AND f.days_past_due >= 90
    JOIN dim_account a ON a.account_key = f.account_key
    JOIN dim_product p ON p.product_key = f.product_key AND p.is_credit
    GROUP BY ALL
)
SELECT x.customer_id, x.snapshot_date,
       CASE WHEN last_day(x.snapshot_date + INTERVAL 12 MONTH) > $history_end THEN NULL
            ELSE coalesce(o.defaulted, 0) END AS default_12m,
       x.* EXCLUDE (customer_id, snapshot_date)
FROM _features x
LEFT JOIN outcome o USING (customer_id, snapshot_date)
WHERE x.has_credit_product = 1 AND coalesce(x.dpd_now, 0) < 90
ORDER BY x.snapshot_date, x.customer_id;

CREATE OR REPLACE TABLE mart_churn AS
WITH closed AS (
    -- every account of the customer closed by s + 6
    SELECT s.snapshot_date, a.customer_id,
           bool_and(a.close_date IS NOT NULL
                    AND a.close_date <= last_day(s.snapshot_date + INTERVAL 6 MONTH)) AS all_closed
    FROM _snap s JOIN dim_account a ON a.account_key <> -1
    GROUP BY ALL
), active_late AS (
    -- a customer-initiated transaction in the months (s + 3, s + 6]
    SELECT DISTINCT s.snapshot_date, t.customer_id
    FROM _snap s JOIN _tm t ON t.initiated AND t.mi BETWEEN s.snap_mi + 4 AND s.snap_mi + 6
)
SELECT x.customer_id, x.snapshot_date,
       CASE WHEN last_day(x.snapshot_date + INTERVAL 6 MONTH) > $history_end THEN NULL
            WHEN coalesce(c.all_closed, false) OR l.customer_id IS NULL THEN 1
            ELSE 0 END AS churn_6m,
       x.* EXCLUDE (customer_id, snapshot_date)
FROM _features x
LEFT JOIN closed c USING (customer_id, snapshot_date)
LEFT JOIN active_late l USING (customer_id, snapshot_date)
WHERE x.n_accounts > 0 AND x.tx_count_3m > 0
ORDER BY x.snapshot_date, x.customer_id;
