-- Open credit accounts by delinquency bucket at each month end (shares of the month's open credit accounts).
WITH b AS (
    SELECT month_end, dpd_bucket, count(*) AS n_accounts, sum(balance) AS balance
    FROM bi_account_month
    WHERE is_open AND product_family = 'credit'
    GROUP BY ALL
)
SELECT month_end, dpd_bucket, n_accounts, balance,
       n_accounts / sum(n_accounts) OVER (PARTITION BY month_end) AS share_accounts
FROM b
ORDER BY month_end, list_position(['current', '1-29', '30-59', '60-89', '90+'], dpd_bucket), dpd_bucket
