-- Transaction volume and value by calendar month and direction.
SELECT month, direction,
       count(*) AS n_transactions,
       sum(value) AS value,
       count(DISTINCT customer_id) AS n_customers
FROM bi_transaction
GROUP BY ALL
ORDER BY month, direction
