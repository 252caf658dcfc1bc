-- Open accounts, their holders and balances by segment and product at each month end.
SELECT month_end, segment, product_type, product_family,
       count(DISTINCT customer_id) AS n_customers,
       count(*) AS n_accounts,
       sum(balance) AS balance
FROM bi_account_month
WHERE is_open
GROUP BY ALL
ORDER BY month_end, segment, product_type
