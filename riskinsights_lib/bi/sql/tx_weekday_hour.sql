-- Customer-initiated transactions by ISO weekday (1 = Monday) and hour of day: when customers
-- act, without the bank's own postings (salary credits, direct debits) that run on a schedule.
SELECT weekday, hour, count(*) AS n_transactions, sum(value) AS value
FROM bi_transaction
WHERE customer_initiated
GROUP BY ALL
ORDER BY weekday, hour
