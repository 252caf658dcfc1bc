-- Product holding: distinct product types held by each customer with an open account at each month end.
WITH held AS (
    SELECT month_end, customer_id, any_value(segment) AS segment,
           count(DISTINCT product_type) AS n_products
    FROM bi_account_month
    WHERE is_open
    GROUP BY month_end, customer_id
)
SELECT month_end, segment, n_products, count(*) AS n_customers
FROM held
GROUP BY ALL
ORDER BY month_end, segment, n_products
