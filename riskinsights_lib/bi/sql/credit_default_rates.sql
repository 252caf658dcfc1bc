-- Observed default rate of performing credit accounts: for each month-end cohort with a full
-- outcome window, the share of open credit accounts under $default_dpd days past due at the
-- cohort date that reach $default_dpd+ in the next $horizon month ends. By segment and product.
WITH bounds AS (SELECT max(month_end) AS last_me FROM bi_account_month),
cohort AS (
    SELECT account_id, month_end AS cohort_month_end, segment, product_type
    FROM bi_account_month, bounds
    WHERE is_open AND product_family = 'credit' AND days_past_due < $default_dpd
      AND last_day(month_end + to_months($horizon)) <= bounds.last_me
),
outcome AS (
    SELECT c.account_id, c.cohort_month_end,
           max(CASE WHEN am.days_past_due >= $default_dpd THEN 1 ELSE 0 END) AS defaulted
    FROM cohort c
    JOIN bi_account_month am
      ON am.account_id = c.account_id
     AND am.month_end > c.cohort_month_end
     AND am.month_end <= last_day(c.cohort_month_end + to_months($horizon))
    GROUP BY ALL
)
SELECT c.cohort_month_end, {group_cols},
       count(*) AS n_accounts,
       sum(coalesce(o.defaulted, 0))::BIGINT AS n_defaults,
       sum(coalesce(o.defaulted, 0)) / count(*) AS default_rate
FROM cohort c
LEFT JOIN outcome o USING (account_id, cohort_month_end)
GROUP BY ALL
ORDER BY ALL
