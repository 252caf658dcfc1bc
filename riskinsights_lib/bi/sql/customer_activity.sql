-- Monthly activity: customers with an open account, the share who made a customer-initiated
-- transaction in the month (salary credits and direct debits run on while a customer is
-- dormant, so they do not count), customers gained (an open account at this month end and
-- none at the previous one) and attrition (the reverse).
WITH holders AS (
    SELECT DISTINCT month_end, customer_id FROM bi_account_month WHERE is_open
),
tx AS (
    SELECT last_day(month) AS month_end, customer_id,
           count(*) AS n_transactions, sum(value) AS value
    FROM bi_transaction
    WHERE customer_id IS NOT NULL AND customer_initiated
    GROUP BY ALL
),
lost AS (
    SELECT last_day(p.month_end + INTERVAL 1 MONTH) AS month_end, count(*) AS n_lost
    FROM holders p
    LEFT JOIN holders n
      ON n.customer_id = p.customer_id AND n.month_end = last_day(p.month_end + INTERVAL 1 MONTH)
    WHERE n.customer_id IS NULL
      AND p.month_end < (SELECT max(month_end) FROM holders)
    GROUP BY ALL
),
gained AS (
    SELECT n.month_end, count(*) AS n_gained
    FROM holders n
    LEFT JOIN holders p
      ON p.customer_id = n.customer_id AND last_day(p.month_end + INTERVAL 1 MONTH) = n.month_end
    WHERE p.customer_id IS NULL
      AND n.month_end > (SELECT min(month_end) FROM holders)
    GROUP BY ALL
),
agg AS (
    SELECT h.month_end,
           count(*) AS n_customers,
           count(tx.customer_id) AS n_transacting,
           coalesce(sum(tx.n_transactions), 0)::BIGINT AS n_transactions,
           coalesce(sum(tx.value), 0) AS value
    FROM holders h
    LEFT JOIN tx ON tx.month_end = h.month_end AND tx.customer_id = h.customer_id
    GROUP BY h.month_end
)
SELECT a.month_end, a.n_customers, a.n_transacting,
       a.n_transacting / a.n_customers AS active_share,
       a.n_transactions / nullif(a.n_transacting, 0) AS tx_per_active,
       a.value / nullif(a.n_transacting, 0) AS value_per_active,
       CASE WHEN a.month_end = (SELECT min(month_end) FROM holders) THEN NULL
            ELSE coalesce(g.n_gained, 0) END AS n_gained,
       CASE WHEN a.month_end = (SELECT min(month_end) FROM holders) THEN NULL
            ELSE coalesce(l.n_lost, 0) END AS n_lost,
       CASE WHEN a.month_end = (SELECT min(month_end) FROM holders) THEN NULL
            ELSE coalesce(l.n_lost, 0) / lag(a.n_customers) OVER (ORDER BY a.month_end) END
           AS attrition_rate
FROM agg a
LEFT JOIN lost l USING (month_end)
LEFT JOIN gained g USING (month_end)
ORDER BY a.month_end
