-- Customers holding at least one open account at each month end, by segment in force then.
SELECT month_end, segment, count(DISTINCT customer_id) AS n_customers
FROM bi_account_month
WHERE is_open
GROUP BY ALL
ORDER BY month_end, segment
