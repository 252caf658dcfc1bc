-- Credit limit utilisation of open credit accounts with a limit (cards): balance-weighted and mean
-- per account. Overdraft limits of current accounts are not credit lines and are left out.
SELECT month_end, product_type,
       count(*) AS n_accounts,
       sum(balance) AS total_balance,
       sum(credit_limit) AS total_limit,
       sum(balance) / sum(credit_limit) AS utilisation,
       avg(balance / credit_limit) AS mean_utilisation,
       count(*) FILTER (WHERE balance / credit_limit >= 0.9) / count(*) AS share_over_90pct
FROM bi_account_month
WHERE is_open AND product_family = 'credit' AND credit_limit > 0
GROUP BY ALL
ORDER BY month_end, product_type
